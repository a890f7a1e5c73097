"""Text extraction from annual-report files (.txt, .pdf, .html) and file-name parsing.

* ``.txt`` — decoded as UTF-8 (BOM allowed), else GB18030 (which covers GBK/GB2312); the
  extractor is recorded as ``txt:utf-8`` or ``txt:gb18030``.
* ``.pdf`` — pypdfium2 (PDFium, maintained, ~50× faster than pdfminer.six); one page after
  the other, each page's text followed by a line break and pages separated by a form feed
  (``\\f``), as pdfminer does; recorded as ``pypdfium2 <version>``.
* ``.html`` / ``.htm`` — tags stripped with the standard-library parser; block elements
  (p, div, tr, li, br, h1–h6 …) end a line, table cells are separated by tabs, script and
  style content is dropped; recorded as ``html.parser``.

File names give the firm code and fiscal year through a regular expression with named
groups ``firm`` and ``year``; the default accepts ``000001_2019.txt`` and the usual exchange
download names such as ``000001_平安银行_2019年年度报告.pdf``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .._errors import ConfigError, DataError

__all__ = [
    "ExtractedText",
    "DEFAULT_NAME_PATTERN",
    "DEFAULT_EXCLUDE_PATTERN",
    "SUPPORTED_SUFFIXES",
    "extract_text",
    "txt_from_bytes",
    "parse_file_name",
    "pdf_extractor_name",
]

#: firm code (6 digits) first, fiscal year (4 digits, not followed by a digit) later in the name
DEFAULT_NAME_PATTERN = r"^(?P<firm>\d{6})(?:[_\-\s].*?)??[_\-\s](?P<year>(?:19|20)\d{2})(?!\d)"
#: abstracts (摘要), English versions and cancelled announcements are not full annual reports
DEFAULT_EXCLUDE_PATTERN = r"摘要|英文|(?i:english)|已取消|取消"
SUPPORTED_SUFFIXES = (".txt", ".pdf", ".html", ".htm")


@dataclass(frozen=True)
class ExtractedText:
    """The text of one file and how it was obtained.

    Attributes
    ----------
    text : the extracted text (not normalised).
    extractor : extractor name and version (``pypdfium2 5.x``, ``txt:utf-8``, ``html.parser``).
    warnings : extraction problems (e.g. pages without a text layer).
    """

    text: str
    extractor: str
    warnings: tuple[str, ...] = ()


def parse_file_name(name: str, *, pattern: str = DEFAULT_NAME_PATTERN) -> tuple[str, int] | None:
    """Firm code and fiscal year from a file name; None if the name does not match.

    >>> parse_file_name("000001_2019.txt")
    ('000001', 2019)
    >>> parse_file_name("000001_平安银行_2019年年度报告.pdf")
    ('000001', 2019)
    >>> parse_file_name("600519-贵州茅台-2021年年度报告.PDF")
    ('600519', 2021)
    >>> parse_file_name("readme.txt") is None
    True
    """
    rx = re.compile(pattern)
    if not {"firm", "year"} <= set(rx.groupindex):
        raise ConfigError(
            f"The 'pattern' parameter must be a regular expression with named groups 'firm' and 'year'; got {pattern!r}. "
            f"Write e.g. r'^(?P<firm>\\d{{6}})_(?P<year>\\d{{4}})'."
        )
    m = rx.search(name)
    if m is None:
        return None
    return m.group("firm"), int(m.group("year"))


def pdf_extractor_name() -> str:
    """``'pypdfium2 <version>'`` of the installed PDF extractor."""
    import pypdfium2

    return f"pypdfium2 {pypdfium2.version.PYPDFIUM_INFO}"


def _decode_txt(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "txt:utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "txt:utf-16"
    try:
        return data.decode("utf-8"), "txt:utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), "txt:gb18030"


_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
          "header", "footer", "ul", "ol", "title", "pre", "blockquote"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _html_to_text(markup: str) -> str:
    p = _TextCollector()
    p.feed(markup)
    p.close()
    text = "".join(p.parts)
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text)


def _pdf_to_text(path: Path) -> tuple[str, tuple[str, ...]]:
    import pypdfium2

    pages: list[str] = []
    empty = 0
    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise DataError(f"{path}: cannot open the PDF ({exc}); got a damaged or encrypted file. "
                        f"Re-download it or convert it to text first.") from None
    try:
        for page in pdf:
            tp = page.get_textpage()
            t = tp.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            tp.close()
            page.close()
            if not t.strip():
                empty += 1
            pages.append(t if t.endswith("\n") else t + "\n")
    finally:
        pdf.close()
    warnings = ()
    if empty:
        warnings = (f"{empty} of {len(pages)} PDF pages have no text layer (scanned?)",)
    return "\f".join(pages), warnings


def txt_from_bytes(data: bytes) -> ExtractedText:
    """The text of a ``.txt`` report from its bytes (UTF-8 with or without BOM, UTF-16 with BOM,
    else GB18030 with replacement characters and a warning)."""
    text, enc = _decode_txt(data)
    warnings = ("text decoded as GB18030 with replacement characters",) if "\ufffd" in text and enc == "txt:gb18030" else ()
    return ExtractedText(text=text, extractor=enc, warnings=warnings)


def extract_text(path: str | Path) -> ExtractedText:
    """Extract the text of one report file.

    Parameters
    ----------
    path
        A ``.txt``, ``.pdf``, ``.html`` or ``.htm`` file.

    Returns
    -------
    ExtractedText

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "000001_2019.html").write_text("<p>第四节 经营情况讨论与分析</p><p>云计算<script>x()</script></p>", encoding="utf-8")
    >>> r = extract_text(d / "000001_2019.html")
    >>> r.extractor, r.text.split()
    ('html.parser', ['第四节', '经营情况讨论与分析', '云计算'])
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text, warnings = _pdf_to_text(path)
        return ExtractedText(text=text, extractor=pdf_extractor_name(), warnings=warnings)
    if suffix in (".html", ".htm"):
        raw, _enc = _decode_txt(path.read_bytes())
        return ExtractedText(text=_html_to_text(raw), extractor="html.parser")
    if suffix == ".txt":
        return txt_from_bytes(path.read_bytes())
    raise DataError(
        f"{path}: unsupported file type; got {suffix or 'no suffix'!r}. Use one of {', '.join(SUPPORTED_SUFFIXES)}."
    )
