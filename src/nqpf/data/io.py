"""Reading input tables (CSV/TSV/TXT, XLSX/XLS, Parquet) into an nqpf panel.

Two layers:

* :func:`read_table` reads a file **as text** (CSV/XLSX; Parquet keeps its types), detects the
  text encoding (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16) and indexes rows by their
  spreadsheet row number (header = row 1), so every later error can name the exact cell.
* :func:`read_panel` maps the columns (English names or the usual Chinese ones: 地区/省份 →
  unit, 年份/年度 → year, 指标 → indicator, 数值/值 → value), reshapes long or wide tables into
  the long panel of the architecture contract (``unit, year, indicator, value``), parses every
  number explicitly (:func:`~nqpf.data.numbers.parse_number_series`), normalises province keys
  to GB/T 2260 codes and returns a :class:`Panel` that remembers where each value came from.

Examples
--------
>>> import io, pandas as pd
>>> from nqpf.data import read_panel
>>> wide = pd.DataFrame({"地区": ["北京市", "广西壮族自治区"], "年份": ["2015年", "2015年"],
...                      "gdp": ["23,014.6", "16，803.1"]})
>>> p = read_panel(wide)
>>> p.data[["unit", "unit_name", "year", "indicator", "value"]].values.tolist()
[['110000', '北京', 2015, 'gdp', 23014.6], ['450000', '广西', 2015, 'gdp', 16803.1]]
"""
from __future__ import annotations

import codecs
import csv
import difflib
import functools
import gzip
import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError, DataWarning, located
from .._results import Result, Summary
from .._validation import check_option
from .numbers import PROBLEM_COLUMNS, PercentPolicy, invalid_cells_error, parse_number_series
from .regions import Registry, registry as _default_registry

__all__ = [
    "Layout",
    "UnitsMode",
    "TableFormat",
    "COLUMN_ALIASES",
    "detect_encoding",
    "read_table",
    "read_panel",
    "Panel",
    "PanelSource",
]

Layout = Literal["auto", "long", "wide", "years"]
UnitsMode = Literal["auto", "province", "raw"]
TableFormat = Literal["csv", "tsv", "txt", "xlsx", "xls", "parquet"]

#: accepted column names per role (compared case-insensitively after NFKC and trimming), in priority order
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "unit": ("unit", "region_code", "code", "地区代码", "行政区划代码", "ucode", "iso3", "country_code",
             "firm_code", "stkcd", "证券代码", "股票代码", "industry_code", "region", "province", "city", "country",
             "地区", "省份", "省份名称", "地区名称", "省", "省市", "城市"),
    "year": ("year", "yr", "年份", "年度", "年", "time"),
    "indicator": ("indicator", "icode", "variable", "指标", "指标名称", "变量"),
    "value": ("value", "数值", "值", "数据"),
}

_SUFFIX_FORMAT = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".xls": "xls", ".parquet": "parquet", ".pq": "parquet",
}
_DEFAULT_SEP = {"csv": ",", "tsv": "\t", "txt": "\t"}
#: keys of national-total rows often found in provincial tables (compared case-folded)
_NATIONAL_KEYS = frozenset({"全国", "全国合计", "全国总计", "中国", "合计", "总计", "china", "national", "total",
                            "nationwide", "000000", "100000"})
#: first words of footnote rows under exported tables (注：…, 数据来源：…); compared case-folded
_FOOTNOTE_RE = re.compile(r"^(注|数据来源|资料来源|来源|说明|备注|note|notes|source|sources)\s*[:：]?", re.IGNORECASE)
_YEAR_RE = re.compile(r"^(\d{4})(?:\.0*)?\s*年?$")
_MAX_LISTED = 10


# ---------------------------------------------------------------------------------------------
# encodings and raw tables
# ---------------------------------------------------------------------------------------------
_CHUNK = 1 << 20
#: decoded characters inspected for mojibake (the head of the file, cut at a line end)
_SAMPLE_BYTES = 256 * 1024
#: candidate encodings tried when a decode looks garbled (in this order)
_CANDIDATES = ("utf-8", "gb18030", "big5", "utf-16")


def _decodes(chunks: Iterable[bytes], enc: str) -> bool:
    """Whether the byte chunks decode strictly with ``enc`` (incrementally: no full copy in memory)."""
    try:
        dec = codecs.getincrementaldecoder(enc)(errors="strict")
    except LookupError:
        return False
    try:
        for c in chunks:
            dec.decode(c)
        dec.decode(b"", final=True)
    except UnicodeError:
        return False
    return True


def _chunks_of(data: bytes | memoryview) -> Iterable[bytes]:
    mv = memoryview(data)
    for i in range(0, len(mv), _CHUNK):
        yield mv[i:i + _CHUNK]


def _file_chunks(path: Path) -> Iterable[bytes]:
    with path.open("rb") as fh:
        while True:
            c = fh.read(_CHUNK)
            if not c:
                return
            yield c


def _detect(head: bytes, chunks: Any) -> str:
    """Encoding from the first bytes (BOM) and a callable returning fresh chunk iterators of the whole input."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for enc in ("utf-8", "gb18030"):
        if _decodes(chunks(), enc):
            return enc
    from charset_normalizer import from_bytes

    best = from_bytes(head[:_SAMPLE_BYTES * 4]).best()
    if best is None:
        raise DataError(
            "detect_encoding: the file is not text in UTF-8, GBK/GB18030 or any encoding charset-normalizer "
            f"recognises; got {len(head)}+ bytes starting {head[:16]!r}. Save the table as UTF-8 CSV or XLSX, "
            "or pass encoding=."
        )
    return best.encoding


def detect_encoding(data: bytes) -> str:
    """Detect the text encoding of a CSV/TXT file's bytes.

    Order: a byte-order mark (``utf-8-sig``, ``utf-16``); strict UTF-8; strict GB18030 (a
    superset of GBK and GB2312, the usual encoding of Chinese Excel/WPS exports); only then
    ``charset_normalizer`` as a fallback. Validation is incremental (no decoded copy of the whole
    input is kept). GB18030 decodes almost any bytes: :func:`read_table` therefore refuses a
    decode that reads as mojibake (e.g. a Big5 file) and names the likely encoding.

    Returns
    -------
    str
        A Python codec name: ``'utf-8'``, ``'utf-8-sig'``, ``'utf-16'``, ``'gb18030'`` or the
        fallback's guess.

    Raises
    ------
    DataError
        When no encoding decodes the bytes.

    Examples
    --------
    >>> detect_encoding("地区,年份".encode("gbk")), detect_encoding("地区".encode("utf-8-sig"))
    ('gb18030', 'utf-8-sig')
    """
    return _detect(bytes(data[:_SAMPLE_BYTES * 4]), lambda: _chunks_of(data))


@functools.lru_cache(maxsize=65536)
def _odd_char(ch: str) -> bool:
    """A character that does not belong in a Chinese statistical table: private use, unassigned,
    replacement, control, kana/hangul/box drawing (typical of mojibake), or a CJK ideograph outside
    both the common simplified (GB2312) and common traditional (Big5 level 1) sets."""
    o = ord(ch)
    if ch in "\t\r\n\f":
        return False
    cat = unicodedata.category(ch)
    if cat in ("Co", "Cn", "Cs", "Cc") or o == 0xFFFD:
        return True
    if 0x3040 <= o <= 0x30FF or 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x2500 <= o <= 0x257F:
        return True
    if 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or o >= 0x20000:
        try:
            ch.encode("gb2312")
            return False
        except UnicodeEncodeError:
            pass
        try:
            b = ch.encode("big5")
            return not (len(b) == 2 and 0xA440 <= int.from_bytes(b, "big") <= 0xC67E)
        except UnicodeEncodeError:
            return True
    return False


def _oddness(text: str) -> tuple[float, int, list[str]]:
    """Share of odd characters among the non-ASCII characters of ``text``, their count, examples."""
    from collections import Counter

    counts = Counter(ch for ch in text if ord(ch) > 127)
    total = sum(counts.values())
    odd = {ch: n for ch, n in counts.items() if _odd_char(ch)}
    n_odd = sum(odd.values())
    return (n_odd / total if total else 0.0), n_odd, sorted(odd, key=lambda c: -odd[c])[:5]


def _implausible(text: str) -> bool:
    share, n_odd, _ = _oddness(text)
    return n_odd >= 3 and share > 0.2


def _head_text(head: bytes, enc: str) -> str:
    """The decoded head of a file (an incomplete last character or line is dropped)."""
    try:
        text = codecs.getincrementaldecoder(enc)(errors="replace").decode(head)
    except (LookupError, UnicodeError):
        return ""
    cut = max(text.rfind("\n"), 0) if len(head) >= _SAMPLE_BYTES else len(text)
    return text[:cut] if cut else text


def _likely_encoding(head: bytes, *, exclude: Sequence[str] = ()) -> str | None:
    """The candidate encoding under which the head of a file reads as the most plausible text."""
    from charset_normalizer import from_bytes

    cands = [c for c in _CANDIDATES if c not in exclude]
    guess = from_bytes(head[:_SAMPLE_BYTES]).best()
    if guess is not None and guess.encoding not in cands and codecs.lookup(guess.encoding).name not in cands:
        cands.append(guess.encoding)
    best, best_score = None, None
    for enc in cands:
        sample = head[:_SAMPLE_BYTES]
        try:
            dec = codecs.getincrementaldecoder(enc)(errors="strict")
            text = dec.decode(sample)
        except (UnicodeError, LookupError):
            continue
        share, n_odd, _ = _oddness(text)
        if n_odd >= 3 and share > 0.2:
            continue
        if best_score is None or share < best_score:
            best, best_score = enc, share
    return best


def _check_plausible(head: bytes, enc: str, name: str, *, given: bool) -> None:
    """Refuse a decode that produces mojibake (wrong encoding), naming the likely encoding."""
    norm = codecs.lookup(enc).name
    if given and norm not in ("utf-8", "utf-8-sig") and not norm.startswith("utf-16") and not head.isascii() \
            and _decodes(_chunks_of(head[: len(head) - 4] if len(head) >= _SAMPLE_BYTES else head), "utf-8"):
        raise DataError(
            f"{name}: encoding={enc!r} does not fit the file; got bytes that are valid UTF-8 (decoded as {enc!r} "
            "they would be garbled text). Pass encoding='utf-8' or omit encoding= to detect it."
        )
    text = _head_text(head, enc)
    if not _implausible(text):
        return
    share, n_odd, examples = _oddness(text)
    likely = _likely_encoding(head, exclude=(norm,))
    hint = (f"The file is probably {likely!r}-encoded: pass encoding={likely!r}" if likely else
            "No usual encoding gives plausible text: re-save the file as UTF-8 CSV or XLSX, or pass the right "
            "encoding=")
    raise DataError(
        f"{name}: the text decoded as {enc!r} looks garbled (mojibake); got {n_odd} unusual characters such as "
        f"{''.join(examples)!r} ({share:.0%} of the non-ASCII characters are private-use, unassigned or rare). "
        f"{hint} (or re-save the file as UTF-8)."
    )


def _format_of(path: Path) -> tuple[str, bool]:
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    suffix = suffixes[-2] if gz and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    fmt = _SUFFIX_FORMAT.get(suffix)
    if fmt is None or (gz and fmt not in ("csv", "tsv", "txt")):
        raise DataError(
            f"{path.name}: unsupported file type; got suffix {''.join(path.suffixes) or '(none)'!r}. "
            "Use .csv, .tsv, .txt (optionally .gz), .xlsx, .xls or .parquet."
        )
    return fmt, gz


def _sniff_sep(first_line: str, default: str) -> str:
    """Delimiter of a text table: the candidate occurring most in the header line."""
    counts = {sep: first_line.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=lambda s: counts[s])
    if counts[best] == 0 or counts.get(default, 0) == counts[best]:
        return default
    return best


def _excel_text(v: Any) -> str:
    """Text of an Excel cell value (numbers without a spurious ``.0``; dates as ISO)."""
    if v is None:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.isoformat()
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def _read_text_grid(source: Path | bytes, fmt: str, encoding: str | None, name: str) -> tuple[pd.DataFrame, str, str]:
    """Parse a text table (a file path, or the bytes of a decompressed file) into a grid of text cells.

    Memory stays a small multiple of the file: the encoding is validated incrementally, only
    the head of the file is decoded in Python (to sniff the delimiter and check for mojibake),
    and pandas' C parser reads the file in chunks into Arrow-backed string columns.
    """
    if isinstance(source, Path):
        with source.open("rb") as fh:
            head = fh.read(_SAMPLE_BYTES)
        chunks = lambda: _file_chunks(source)  # noqa: E731
    else:
        head = bytes(source[:_SAMPLE_BYTES])
        chunks = lambda: _chunks_of(source)  # noqa: E731
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(f"{name}: unknown encoding; got encoding={encoding!r}. Pass a Python codec name such as "
                            "'utf-8', 'gb18030' or 'big5', or omit encoding= to detect it.") from None
    enc = encoding or _detect(head, chunks)
    if not _decodes(chunks(), enc):
        likely = _likely_encoding(head, exclude=(codecs.lookup(enc).name,))
        hint = f"The file is probably {likely!r}-encoded: pass encoding={likely!r}" if likely else \
            "Pass the right encoding= (e.g. 'gb18030' or 'utf-8')"
        raise DataError(
            f"{name}: cannot decode the file with encoding {enc!r}; got bytes that are not valid {enc!r}. "
            f"{hint} or omit it to detect it."
        )
    _check_plausible(head, enc, name, given=encoding is not None)
    text_head = _head_text(head, enc).lstrip("\ufeff")
    first = next((ln for ln in text_head.splitlines() if ln.strip()), "")
    sep = _sniff_sep(first, _DEFAULT_SEP.get(fmt, ","))
    if text_head.strip() and text_head.lstrip("\r\n") == text_head:
        # fast path (pandas' C parser, chunked, Arrow strings) when the first line is the widest record
        grid = _arrow_grid(source, enc, sep, text_head)
        if grid is not None:
            return grid, enc, sep
    data = source.read_bytes() if isinstance(source, Path) else source
    text = bytes(data).decode(enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        raise DataError(
            f"{name}: the text table cannot be parsed; got {exc}. Check quotes and separators ({sep!r})."
        ) from None
    width = max((len(r) for r in records), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=object)
    return grid, enc, sep


def _arrow_grid(source: Path | bytes, enc: str, sep: str, text_head: str) -> pd.DataFrame | None:
    """All cells as Arrow-backed text (pyarrow's CSV reader, single-threaded, streaming decode); None when
    the records are ragged (the caller falls back to the csv module)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        first = next(csv.reader(io.StringIO(text_head, newline=""), delimiter=sep))
    except (StopIteration, csv.Error):
        return None
    width = len(first)
    norm = codecs.lookup(enc).name
    src = pa.OSFile(str(source)) if isinstance(source, Path) else pa.BufferReader(source)
    try:
        tb = pacsv.read_csv(
            src,
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, use_threads=False, block_size=1 << 22,
                                           encoding="utf8" if norm in ("utf-8", "utf-8-sig") else enc),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.large_string() for i in range(width)}, null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False, include_columns=[f"f{i}" for i in range(width)]),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeDecodeError):
        return None
    finally:
        src.close()
    dtype = pd.StringDtype(storage="pyarrow", na_value=np.nan)
    grid = tb.to_pandas(types_mapper={pa.large_string(): dtype}.get, self_destruct=True, split_blocks=True)
    del tb
    grid.columns = range(grid.shape[1])
    return grid


def _read_xlsx_grid(path: Path, sheet: str | int | None, name: str) -> tuple[pd.DataFrame, str]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        raise DataError(
            f"{name}: not a readable Excel workbook (.xlsx); got {type(exc).__name__}: {exc}. The file is damaged, "
            "incomplete or not really an .xlsx: open and re-save it in Excel/WPS, or export the sheet as CSV."
        ) from None
    try:
        sheets = wb.sheetnames
        if sheet is None:
            title = sheets[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(sheets):
                raise DataError(
                    f"{name}: sheet index out of range; got {sheet} for {len(sheets)} sheets {sheets}. "
                    "Pass sheet= as a 0-based index or a sheet name."
                )
            title = sheets[sheet]
        elif sheet in sheets:
            title = sheet
        else:
            raise DataError(
                f"{name}: no sheet named {sheet!r}; got sheets {sheets}. Pass one of these names as sheet=."
            )
        ws = wb[title]
        rows = [[_excel_text(v) for v in r] for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
    finally:
        wb.close()
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    return grid, title


def _read_xls_grid(path: Path, sheet: str | int | None, name: str) -> tuple[pd.DataFrame, str]:
    try:
        book = pd.ExcelFile(path, engine="xlrd")
    except ImportError:
        raise
    except Exception as exc:  # xlrd raises its own XLRDError (and others) on damaged files
        raise DataError(
            f"{name}: not a readable Excel 97-2003 workbook (.xls); got {type(exc).__name__}: {exc}. Open and re-save "
            "it as .xlsx, or export the sheet as CSV."
        ) from None
    sheets = book.sheet_names
    if sheet is None:
        title = sheets[0]
    elif isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(sheets):
        title = sheets[sheet]
    elif sheet in sheets:
        title = sheet
    else:
        raise DataError(
            f"{name}: no sheet named {sheet!r}; got sheets {sheets}. Pass one of these names (or a 0-based index) "
            "as sheet=."
        )
    raw = book.parse(title, header=None, dtype=object, keep_default_na=False, na_filter=False)
    return raw.apply(lambda col: col.map(_excel_text)), str(title)


def _grid_to_table(grid: pd.DataFrame, name: str,
                   header_row: int | None = None) -> tuple[pd.DataFrame, int, int, list[str]]:
    """Header row, spreadsheet-row index, blank rows/columns dropped; also returns skipped title lines.

    Default header: the first non-blank row, except that leading rows with a single filled
    cell (title lines such as ``数据库：分省年度数据``, at most 10) are skipped when a later row
    has two or more filled cells.
    """
    if grid.empty:
        raise DataError(f"{name}: the table is empty; got no rows. Check the file and the sheet.")
    n = len(grid)
    # per column: which cells are empty (one boolean per cell; no copy of the text)
    empty_cols = []
    for j in range(grid.shape[1]):
        col = grid.iloc[:, j]
        if not (isinstance(col.dtype, pd.StringDtype) or col.dtype == object):
            col = col.astype(str)
        e = col.str.strip().eq("").to_numpy(dtype=bool, na_value=True)
        empty_cols.append(e)
    filled = np.zeros(n, dtype=np.int64)
    for e in empty_cols:
        filled += ~e
    blank = filled == 0
    nonblank = np.flatnonzero(~blank)
    if len(nonblank) == 0:
        raise DataError(f"{name}: the table is empty; got only blank rows. Check the file and the sheet.")
    titles: list[str] = []
    if header_row is None:
        h = int(nonblank[0])
        wide_rows = np.flatnonzero(filled >= 2)
        if filled[h] == 1 and len(wide_rows):
            first_wide = int(wide_rows[0])
            lead = nonblank[(nonblank >= h) & (nonblank < first_wide)]
            if len(lead) <= 10 and (filled[lead] == 1).all():
                titles = [next(x for x in (str(v).strip() for v in grid.iloc[int(i)]) if x) for i in lead]
                h = first_wide
    elif isinstance(header_row, bool) or not isinstance(header_row, int) or not 1 <= header_row <= len(grid):
        raise DataError(
            f"{name}: header_row must be a row number between 1 and {len(grid)}; got {header_row!r}. "
            "Pass the spreadsheet row (1 = first line) of the column names."
        )
    else:
        h = header_row - 1
        if blank[h]:
            raise DataError(f"{name}, row {header_row}: the header row is blank; got header_row={header_row}. "
                            "Pass the row that holds the column names.")
    header = [unicodedata.normalize("NFKC", str(x)).strip().lstrip("\ufeff") for x in grid.iloc[h]]
    keep_cols = []
    for j, col in enumerate(header):
        if col:
            keep_cols.append(j)
        elif (~empty_cols[j][h + 1:]).any():
            raise DataError(
                f"{name}, row {h + 1}: column {j + 1} has values but no header; got an empty header cell. "
                "Give every column with data a name in the header row (if the table starts below title "
                "lines, pass header_row=)."
            )
    names = [header[j] for j in keep_cols]
    if not (~blank[h + 1:]).any():
        raise DataError(
            f"{name}, row {h + 1}: the table has a header but no data rows; got only the column names {names}. "
            "Add the data below the header (or check that the right file and sheet were given)."
        )
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(
            f"{name}, row {h + 1}: duplicate column names; got {dup}. Rename the columns so each name is unique."
        )
    keep_rows = ~blank[h + 1:]
    # column by column: slices of Arrow-backed columns share the parsed buffers (no copy)
    cols_out = {}
    for nm, j in zip(names, keep_cols):
        col = grid.iloc[h + 1:, j]
        cols_out[nm] = (col if keep_rows.all() else col[keep_rows]).reset_index(drop=True)
    table = pd.DataFrame(cols_out, copy=False) if cols_out else pd.DataFrame(index=range(int(keep_rows.sum())))
    table.index = pd.Index(np.flatnonzero(keep_rows) + h + 2, name="row")
    return table, h + 1, int(blank[h + 1:].sum()), titles


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT, XLSX/XLS or Parquet file as a table of text.

    Parameters
    ----------
    path : str or Path
        The file. ``.gz`` compressed text files are accepted.
    sheet : str or int, optional
        Worksheet name or 0-based index (workbooks only); default the first sheet.
    encoding : str, optional
        Text encoding (CSV/TSV/TXT); detected when omitted (see :func:`detect_encoding`).
    header_row : int, optional
        Spreadsheet row (1 = first line) of the column names, for tables below title lines
        (e.g. NBS exports starting with ``数据库：分省年度数据``); rows above it are ignored.
        Default: the first non-blank row.

    Returns
    -------
    pandas.DataFrame
        All cells as ``str`` (CSV/TSV/TXT/XLSX/XLS; empty cells are ``''``), Parquet columns with
        their stored types. The index, named ``row``, is the spreadsheet row number of each
        record (header = row 1; CSV records with quoted line breaks count as one row). The
        header is the first non-blank row, after leading title lines with a single filled cell
        (``数据库：分省年度数据`` in NBS exports; skipped and recorded); blank rows and blank
        unnamed columns are dropped. ``df.attrs['nqpf_source']`` records ``file``, ``path``,
        ``format``, ``sha256`` of the file bytes, ``encoding``, ``delimiter``, ``sheet``,
        ``header_row``, ``title_lines`` and ``blank_rows_dropped``.

    Raises
    ------
    DataError
        Unsupported suffix, undecodable text, ragged rows, duplicate or missing column names,
        unknown sheet, empty table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.csv").write_bytes("地区,年份,gdp\\n北京市,2015,\\"1,234\\"\\n".encode("gbk"))
    >>> t = read_table(d / "t.csv")
    >>> t.loc[2].tolist(), t.attrs["nqpf_source"]["encoding"]
    (['北京市', '2015', '1,234'], 'gb18030')
    """
    p = Path(path)
    name = p.name
    if not p.is_file():
        raise DataError(f"{name}: file not found; got path {str(path)!r}. Check the path and the working directory.")
    fmt, gz = _format_of(p)
    data: bytes | None = None
    if fmt in ("csv", "tsv", "txt") and not gz:
        h = hashlib.sha256()
        for c in _file_chunks(p):  # streamed: the text reader never holds the whole file as bytes
            h.update(c)
        sha = h.hexdigest()
    else:
        data = p.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
    meta: dict[str, Any] = {"file": name, "path": str(path), "format": fmt, "sha256": sha, "encoding": None,
                            "delimiter": None, "sheet": None}
    if sheet is not None and fmt not in ("xlsx", "xls"):
        raise DataError(
            f"{name}: sheet= applies to workbooks only; got sheet={sheet!r} for a .{fmt} file. Drop sheet=."
        )
    if fmt == "parquet":
        if header_row is not None:
            raise DataError(f"{name}: header_row= applies to text tables and workbooks; got header_row={header_row!r} "
                            "for a Parquet file. Drop header_row=.")
        try:
            table = pd.read_parquet(io.BytesIO(data))
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid/ArrowIOError derive from these
            raise DataError(f"{name}: cannot read the Parquet file; got {type(exc).__name__}: {exc}. "
                            "Check that the file is a valid Parquet file.") from None
        table = table.reset_index(drop=not any(n is not None for n in table.index.names))
        table.columns = [unicodedata.normalize("NFKC", str(c)).strip() for c in table.columns]
        table.index = pd.Index(np.arange(2, len(table) + 2), name="row")
        meta.update(header_row=1, blank_rows_dropped=0, title_lines=[])
    else:
        if fmt in ("xlsx", "xls"):
            grid, title = (_read_xlsx_grid if fmt == "xlsx" else _read_xls_grid)(p, sheet, name)
            meta["sheet"] = title
        else:
            if gz:
                try:
                    data = gzip.decompress(data)
                except (OSError, EOFError) as exc:
                    raise DataError(
                        f"{name}: not a valid gzip file; got {exc}. Decompress it or fix the suffix."
                    ) from None
            grid, enc, sep = _read_text_grid(data if gz else p, fmt, encoding, name)
            meta.update(encoding=enc, delimiter=sep)
        table, h_row, n_blank, titles = _grid_to_table(grid, name, header_row)
        del grid
        table = table.astype(str)
        meta.update(header_row=h_row, blank_rows_dropped=n_blank, title_lines=titles)
    table.attrs["nqpf_source"] = meta
    return table


# ---------------------------------------------------------------------------------------------
# panel
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PanelSource:
    """Where a :class:`Panel` came from and how it was read.

    Attributes
    ----------
    file : str
        File name (``'<DataFrame>'`` for an in-memory table).
    sha256 : str
        SHA-256 of the file bytes (for a DataFrame: of its pandas content hash).
    encoding : str or None
        Text encoding used (CSV/TSV/TXT), else None.
    format : str
        ``csv``, ``tsv``, ``txt``, ``xlsx``, ``xls``, ``parquet`` or ``dataframe``.
    layout : {'long', 'wide'}
        Layout detected or given.
    n_rows : int
        Data rows read (after dropping blank rows).
    sheet : str or None
        Worksheet read.
    columns : dict
        Role → column of the input (``{'unit': '地区', 'year': '年份', ...}``).
    units : {'province', 'raw'}
        Whether unit keys were normalised to GB/T 2260 province codes.
    dropped_indicators : tuple of str
        Indicators present in the input but not selected with ``indicators=``.
    notes : tuple of str
        Everything else worth knowing (percent conversions, blank rows dropped …).
    dropped_columns : tuple of str
        Input columns the panel does not carry (extra columns of a long table); also in
        ``notes`` and issued as a :class:`~nqpf.DataWarning`.
    """

    file: str
    sha256: str
    encoding: str | None
    format: str
    layout: str
    n_rows: int
    sheet: str | None = None
    columns: dict[str, Any] = field(default_factory=dict)
    units: str = "raw"
    dropped_indicators: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    dropped_columns: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (for the run manifest)."""
        return {
            "file": self.file, "sha256": self.sha256, "encoding": self.encoding, "format": self.format,
            "layout": self.layout, "n_rows": self.n_rows, "sheet": self.sheet, "columns": dict(self.columns),
            "units": self.units, "dropped_indicators": list(self.dropped_indicators), "notes": list(self.notes),
            "dropped_columns": list(self.dropped_columns),
        }


@dataclass(frozen=True, eq=False, repr=False)
class Panel(Result):
    """A long panel read from a file, with its provenance.

    Attributes
    ----------
    data : pandas.DataFrame
        ``unit`` (str; GB/T 2260 codes for provinces), ``year`` (int64), ``indicator`` (str),
        ``value`` (float64, NaN = missing), then ``unit_name`` and group columns when present;
        sorted by unit, year, indicator; RangeIndex.
    source : PanelSource
        File, hash, encoding, layout, column mapping and notes.
    missing_cells : pandas.DataFrame
        ``file, row, column, value, unit, year, indicator`` — every cell read as missing (empty
        or a missing marker such as ``—``), with its spreadsheet row and input column.
    origin : pandas.DataFrame
        ``row, column`` of the input cell of each row of ``data`` (same order), used by
        :func:`~nqpf.data.check_panel` to name file rows.
    """

    data: pd.DataFrame
    source: PanelSource
    missing_cells: pd.DataFrame
    origin: pd.DataFrame

    kind = "panel"

    def __repr__(self) -> str:
        years = self.years
        span = f"{years[0]}–{years[-1]}" if years else "-"
        return (f"Panel(file={self.source.file!r}, layout={self.source.layout!r}, units={len(self.units)}, "
                f"years={span}, indicators={len(self.indicators)}, values={len(self.data)}, "
                f"missing_cells={len(self.missing_cells)})")

    @property
    def units(self) -> list[str]:
        """Distinct units, sorted."""
        return sorted(self.data["unit"].unique().tolist())

    @property
    def years(self) -> list[int]:
        """Distinct years, sorted."""
        return sorted(int(y) for y in self.data["year"].unique())

    @property
    def indicators(self) -> list[str]:
        """Distinct indicators, sorted."""
        return sorted(self.data["indicator"].unique().tolist())

    def to_wide(self) -> pd.DataFrame:
        """One row per (unit, year) (+ ``unit_name`` and group columns), one column per indicator.

        Raises
        ------
        DataError
            When a (unit, year, indicator) key occurs twice (run :func:`~nqpf.data.check_panel`).

        Examples
        --------
        >>> import pandas as pd
        >>> from nqpf.data import read_panel
        >>> p = read_panel(pd.DataFrame({"unit": ["a", "a"], "year": [2020, 2020],
        ...                              "indicator": ["x", "y"], "value": [1.0, 2.0]}))
        >>> p.to_wide().values.tolist()
        [['a', 2020, 1.0, 2.0]]
        """
        keys = [c for c in self.data.columns if c not in ("indicator", "value")]
        dup = self.data.duplicated(["unit", "year", "indicator"], keep=False)
        if dup.any():
            first = self.data[dup].iloc[0]
            raise DataError(
                f"{self.source.file}: duplicate (unit, year, indicator) keys; got {int(dup.sum())} rows, e.g. "
                f"({first['unit']!r}, {int(first['year'])}, {first['indicator']!r}). "
                "Run nqpf.data.check_panel(panel) to list them and keep one row per key."
            )
        order = list(dict.fromkeys(self.data["indicator"]))
        wide = self.data.pivot(index=keys, columns="indicator", values="value").reset_index()
        wide.columns.name = None
        return wide[keys + order]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"data": self.data, "missing_cells": self.missing_cells}

    def summary(self) -> Summary:
        s = self.source
        years = self.years
        return Summary(
            title=f"Panel from {s.file}",
            rows=[
                ("file", s.file), ("sha256", s.sha256[:16] + "…"), ("format", s.format),
                ("encoding", s.encoding or "-"), ("layout", s.layout), ("input rows", s.n_rows),
                ("units", f"{len(self.units)} ({s.units})"),
                ("years", f"{years[0]}–{years[-1]} ({len(years)})" if years else "-"),
                ("indicators", len(self.indicators)), ("values", len(self.data)),
                ("missing cells", len(self.missing_cells)),
            ],
            notes=list(s.notes),
        )

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["source"] = self.source.to_dict()
        return d


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name)).strip().casefold()


def _find_column(columns: Sequence[str], wanted: str | None, role: str, name: str, *,
                 required: bool) -> str | None:
    folded = {}
    for c in columns:
        folded.setdefault(_fold(c), c)
    if wanted is not None:
        if _fold(wanted) in folded:
            return folded[_fold(wanted)]
        close = difflib.get_close_matches(str(wanted), list(columns), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise DataError(
            f"{name}: no column {wanted!r} for {role}; got columns {list(columns)}.{hint} "
            f"Pass {role}= with one of the column names."
        )
    found = [folded[_fold(a)] for a in COLUMN_ALIASES.get(role, ()) if _fold(a) in folded]
    if found:
        return found[0]
    if required:
        hint = ""
        yearish = [c for c in columns if _YEAR_RE.match(unicodedata.normalize("NFKC", str(c)).strip())]
        if role == "year" and len(yearish) >= 2:
            hint = (f" Columns {yearish[:4]}{' …' if len(yearish) > 4 else ''} look like years: for a table with one "
                    "column per year, reshape it to long first (e.g. df.melt(id_vars=[<unit column>], "
                    "var_name='year', value_name=<indicator>)).")
        raise DataError(
            f"{name}: no {role} column found; got columns {list(columns)}. Name it one of "
            f"{list(COLUMN_ALIASES[role][:6])} or pass {role}='<column>'.{hint}"
        )
    return None


def _choose_unit_column(table: pd.DataFrame, name: str, notes: list[str], *, exclude: set[str]) -> str:
    """The unit key column among the alias candidates: most distinct values, then alias order.

    A column literally called ``unit`` is often the measurement unit (``亿元``) beside a
    ``region`` key, so the candidate with the most distinct values wins.
    """
    cols = list(table.columns)
    folded: dict[str, str] = {}
    for c in cols:
        folded.setdefault(_fold(c), c)
    found = list(dict.fromkeys(folded[_fold(a)] for a in COLUMN_ALIASES["unit"]
                               if _fold(a) in folded and _fold(a) not in exclude))
    if not found:
        return _find_column(cols, None, "unit", name, required=True)  # raises with the alias list
    if len(found) == 1:
        return found[0]
    distinct = {c: table[c].nunique() for c in found}
    best = max(found, key=lambda c: distinct[c])  # first among equals = alias order
    notes.append(f"unit column {best!r} chosen among {found} (most distinct values; pass unit= to choose)")
    return best


def _parse_years(values: pd.Series, rows: np.ndarray, name: str, column: str) -> np.ndarray:
    """Years as int64 from ``2015``, ``2015年``, ``2015.0``, ``２０１５`` (else one DataError)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    parsed = np.zeros(len(uniques) + 1, dtype=np.int64)
    ok = np.zeros(len(uniques) + 1, dtype=bool)
    for j, v in enumerate(uniques):
        y: int | None = None
        if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            y = int(v)
        elif isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
            y = int(v)
        elif isinstance(v, str):
            m = _YEAR_RE.match(unicodedata.normalize("NFKC", v).strip())
            y = int(m.group(1)) if m else None
        if y is not None:
            parsed[j], ok[j] = y, True
    out = parsed[codes]
    bad_idx = np.flatnonzero(~ok[codes])
    raw = values.iloc[bad_idx[:_MAX_LISTED]].astype(object).to_numpy() if len(bad_idx) else []
    bad = [(int(rows[i]), raw[k] if k < len(raw) else None) for k, i in enumerate(bad_idx)]
    if bad:
        cells = "; ".join(f"row {r}: {v!r}" for r, v in bad[:_MAX_LISTED])
        more = f"; … and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
        where = located(name, bad[0][0], column) if len(bad) == 1 else f"{name}, column {column!r}"
        got = repr(bad[0][1]) if len(bad) == 1 else f"{len(bad)} cells: {cells}{more}"
        raise DataError(
            f"{where}: year is not an integer year; got {got}. "
            "Write years as four digits such as 2015 (2015年 and 2015.0 are accepted)."
        )
    return out


def _texts(uniques: Any) -> Any:
    """Distinct key values as pandas' ``str`` array, with ``'nan'`` appended for the missing code."""
    return pd.array([str(u) for u in np.asarray(uniques, dtype=object)] + ["nan"], dtype=str)


class _KeyCodes:
    """A key column as sorted integer codes (repeated ``tile`` times for the indicators of a wide row) and its
    distinct values: the panel's text columns are built from it in one ``take`` (no per-row Python strings)."""

    def __init__(self, values: pd.Series | None, tile: int = 1, *, codes: np.ndarray | None = None,
                 uniques: Sequence[str] | None = None) -> None:
        if values is not None:
            codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
            codes = np.where(codes < 0, len(uniques), codes)
        else:  # codes into (unsorted, possibly repeated) texts: re-coded so that code order is text order
            recode, uniques = pd.factorize(pd.Series(list(uniques), dtype=object), sort=True)
            codes = recode[codes]
        self.codes = np.tile(codes, tile) if tile > 1 else codes
        self.uniques = uniques

    def take(self, order: np.ndarray) -> Any:
        """The text column of the panel (pandas' ``str`` dtype) in ``order``."""
        return _texts(self.uniques).take(self.codes[order])


def release_arrow_memory() -> None:
    """Hand the memory Arrow's pool holds but no longer uses (freed string buffers, the text grid of a large file)
    back to the system, so that the arrays built next do not come on top of it."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # pragma: no cover - an allocator without release support
        pass


def _clean_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Key cells as integer codes into their trimmed NFKC texts (the last text is ``''`` for empty cells):
    :func:`_clean_key` without a Python object per cell."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = [_clean_one(u) for u in np.asarray(uniques, dtype=object)] + [""]
    return np.where(codes < 0, len(cleaned) - 1, codes), cleaned


def _clean_one(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    return unicodedata.normalize("NFKC", str(v)).strip()


def _clean_key(values: pd.Series) -> pd.Series:
    """Key cells as trimmed NFKC text ('' for empty), computed once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = np.array([_clean_one(u) for u in np.asarray(uniques, dtype=object)] + [""], dtype=object)
    return pd.Series(cleaned[codes], index=values.index, dtype=object)


def _resolve_units(keys: pd.Series, rows: np.ndarray, mode: str, reg: Registry, name: str,
                   column: str) -> tuple[pd.Series | None, list[str]]:
    """Province codes for the keys (None when kept raw) and notes."""
    if mode == "raw":
        return None, []
    codes, unresolved = reg.resolve_many(keys, level="province")
    n_keys = keys.nunique()
    if not unresolved:
        return codes, []
    n_ok = n_keys - len(unresolved)
    if mode == "auto" and n_ok < 0.5 * n_keys:
        if n_ok == 0:
            return None, []
        note = (f"units kept as given: only {n_ok} of {n_keys} distinct keys in column {column!r} are provinces "
                f"(e.g. {unresolved[0]!r} is not); pass units='province' to require province keys or units='raw'")
        return None, [note]
    parts = []
    for k in unresolved[:_MAX_LISTED]:
        krows = np.unique(rows[(keys == k).to_numpy()])
        rtxt = ", ".join(str(int(r)) for r in krows[:5]) + (f" … ({len(krows)} rows)" if len(krows) > 5 else "")
        if _fold(k) in _NATIONAL_KEYS:
            why = "a national total, not a province: delete these rows"
            parts.append(f"{k!r} (row{'s' if len(krows) > 1 else ''} {rtxt}; {why})")
            continue
        try:
            reg.resolve(k, level="province", allow_sar=True)
            why = "not in the 31 mainland provinces"
        except DataError:
            sugg = reg.suggest(k, level="province")
            why = f"did you mean {', '.join(repr(s) for s in sugg)}?" if sugg else "no close match"
        parts.append(f"{k!r} (row{'s' if len(krows) > 1 else ''} {rtxt}; {why})")
    more = f"; … and {len(unresolved) - _MAX_LISTED} more" if len(unresolved) > _MAX_LISTED else ""
    auto = (f" units='auto' treats the table as provinces because {n_keys - len(unresolved)} of {n_keys} keys are "
            "provinces." if mode == "auto" else "")
    noun = "key is" if len(unresolved) == 1 else "keys are"
    raise DataError(
        f"{name}, column {column!r}: {len(unresolved)} unit {noun} not a mainland province; got "
        f"{'; '.join(parts)}{more}.{auto} Use a province name or GB/T 2260 code, or pass units='raw' to keep "
        "the keys as given."
    )


def _single_indicator(indicators: Any, name: str) -> str:
    """The indicator id of a one-indicator table (layout 'years')."""
    if isinstance(indicators, str):
        return indicators
    if isinstance(indicators, Mapping) and len(indicators) == 1:
        return str(next(iter(indicators.values())))
    if indicators is not None and not isinstance(indicators, Mapping):
        items = list(indicators)
        if len(items) == 1:
            return str(items[0])
    raise DataError(
        f"{name}: a table with one column per year holds one indicator; got indicators={indicators!r}. "
        "Name it with indicators='<id>' (e.g. indicators='gdp')."
    )


def _drop_footnotes(table: pd.DataFrame, rows: np.ndarray, c_unit: str,
                    notes: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop footnote rows (``注：…``, ``数据来源：…`` in the unit column, every other cell empty); record them."""
    keys = _clean_key(table[c_unit])
    notes_like = [k for k in pd.unique(keys.to_numpy()) if _FOOTNOTE_RE.match(k)]
    if not notes_like:
        return table, rows
    cand = keys.isin(notes_like).to_numpy()
    others = [c for c in table.columns if c != c_unit]
    empty_rest = np.ones(len(table), dtype=bool)
    for c in others:
        empty_rest[cand] &= (_clean_key(table.loc[cand, c]) == "").to_numpy()
    foot = cand & empty_rest
    if not foot.any():
        return table, rows
    texts = keys[foot].tolist()
    notes.append(f"{int(foot.sum())} footnote rows skipped (rows {rows[foot].tolist()}): {texts[:5]}")
    keep = ~foot
    return table[keep].reset_index(drop=True), rows[keep]


def _select_indicators(present: list[str], indicators: Any, name: str) -> tuple[dict[str, str], list[str]]:
    """Mapping input indicator → output id, and the dropped ones."""
    if indicators is None:
        return {i: i for i in present}, []
    if isinstance(indicators, str):
        indicators = [indicators]
    mapping = dict(indicators) if isinstance(indicators, Mapping) else {str(i): str(i) for i in indicators}
    lookup = {_fold(p): p for p in present}
    out: dict[str, str] = {}
    missing = []
    for k, v in mapping.items():
        if k in present:
            out[k] = v
        elif _fold(k) in lookup:
            out[lookup[_fold(k)]] = v
        else:
            missing.append(k)
    if missing:
        hints = []
        for m in missing[:_MAX_LISTED]:
            close = difflib.get_close_matches(m, present, n=2, cutoff=0.5)
            hints.append(f"{m!r}" + (f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""))
        raise DataError(
            f"{name}: indicators not found in the input; got {', '.join(hints)}. "
            f"Available: {present[:30]}{' …' if len(present) > 30 else ''}. Fix indicators= or the input."
        )
    dropped = [p for p in present if p not in out]
    return out, dropped


def _hash_frame(df: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, df.columns)).encode("utf-8"))
    h.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


def read_panel(
    source: str | Path | pd.DataFrame,
    *,
    layout: Layout = "auto",
    unit: str | None = None,
    year: str | None = None,
    indicator: str | None = None,
    value: str | None = None,
    unit_name: str | None = None,
    groups: Iterable[str] = (),
    indicators: Iterable[str] | Mapping[str, str] | None = None,
    units: UnitsMode = "auto",
    sheet: str | int | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
    percent: PercentPolicy = "error",
    registry: Registry | None = None,
) -> Panel:
    """Read a long or wide table into an nqpf :class:`Panel`.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        A file readable by :func:`read_table`, or a DataFrame (its cells are parsed the same way;
        rows are numbered 2, 3, … as if exported with a header row, or by its ``row`` index when
        it comes from :func:`read_table`).
    layout : {'auto', 'long', 'wide', 'years'}, default 'auto'
        ``long``: one row per (unit, year, indicator) with indicator and value columns;
        ``wide``: one row per (unit, year), every other column (not unit, year, unit_name or a
        group) is an indicator; ``years``: one indicator, one row per unit and one column per
        year (``2022``, ``2022年``; the layout of NBS 国家数据 exports), the indicator id given by
        ``indicators='<id>'``. ``auto``: long when indicator and value columns exist, years when
        there is no year column but several year-named columns, else wide.
    unit, year, indicator, value : str, optional
        Input column of each role; found by name when omitted (case-insensitive; Chinese
        aliases 地区/省份/省份名称/地区名称 → unit, 年份/年度 → year, 指标 → indicator,
        数值/值 → value; see :data:`COLUMN_ALIASES`).
    unit_name : str, optional
        Column with display names of the units; for provinces the short Chinese name is used
        when omitted.
    groups : iterable of str
        Columns to carry along as unit groups (kept as text).
    indicators : iterable of str or mapping, optional
        Keep only these indicators (a mapping also renames: ``{'R&D经费': 'rd'}``). The others
        are listed in ``source.dropped_indicators``.
    units : {'auto', 'province', 'raw'}, default 'auto'
        ``province``: every key must resolve to a mainland province and becomes its GB/T 2260
        code; ``raw``: keys kept as given (trimmed); ``auto``: provinces when at least half of
        the distinct keys resolve (then all must), else raw.
    sheet, encoding, header_row
        Passed to :func:`read_table`.
    percent : {'error', 'divide', 'keep'}, default 'error'
        How to read ``12.5%`` (see :func:`~nqpf.data.parse_number_series`).
    registry : Registry, optional
        Region registry; default :data:`nqpf.data.registry`.

    Returns
    -------
    Panel

    Raises
    ------
    DataError
        Missing or unknown columns, text in a value cell (one error listing the first 10 cells
        with file, row and column), a year that is not an integer, unknown province keys (with
        close matches), requested indicators not present.

    Notes
    -----
    Nothing is dropped silently: missing cells stay as NaN rows and are listed in
    ``missing_cells``; duplicates are kept for :func:`~nqpf.data.check_panel` to report.
    Title lines above the header and footnote rows below the data (a unit cell starting with
    ``注``, ``数据来源``, ``资料来源``, ``说明``, ``Note`` or ``Source`` and every other cell empty)
    are skipped and listed in ``source.notes``.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"省份": ["北京", "北京"], "年度": [2020, 2021], "指标": ["rd", "rd"],
    ...                      "数值": ["6.4", "—"]})
    >>> p = read_panel(long)
    >>> p.data["value"].tolist(), p.missing_cells[["row", "value"]].values.tolist()
    ([6.4, nan], [[3, '—']])
    """
    check_option(layout, Layout, param="layout", caller="read_panel")
    check_option(units, UnitsMode, param="units", caller="read_panel")
    check_option(percent, PercentPolicy, param="percent", caller="read_panel")
    reg = registry if registry is not None else _default_registry
    groups = [groups] if isinstance(groups, str) else list(groups)

    if not isinstance(source, (pd.DataFrame, str, Path)):
        raise DataError(
            f"read_panel: source must be a file path or a pandas DataFrame; got {type(source).__name__}. "
            "Pass a path to a CSV/XLSX/Parquet file, or wrap the data with pandas.DataFrame(...)."
        )
    if isinstance(source, pd.DataFrame):
        table = source
        from_reader = table.attrs.get("nqpf_source")
        if from_reader and table.index.name == "row":
            meta = dict(from_reader)
            rows_all = table.index.to_numpy()
        else:
            meta = {"file": "<DataFrame>", "format": "dataframe", "sha256": _hash_frame(table), "encoding": None,
                    "sheet": None, "blank_rows_dropped": 0}
            rows_all = np.arange(2, len(table) + 2)
        table = table.copy()
        table.columns = [unicodedata.normalize("NFKC", str(c)).strip() for c in table.columns]
    else:
        table = read_table(source, sheet=sheet, encoding=encoding, header_row=header_row)
        meta = table.attrs["nqpf_source"]
        rows_all = table.index.to_numpy()
    name = meta["file"]
    table = table.reset_index(drop=True)
    cols = list(table.columns)
    notes: list[str] = []
    dropped_columns: list[str] = []
    if meta.get("blank_rows_dropped"):
        notes.append(f"{meta['blank_rows_dropped']} blank rows skipped")

    if meta.get("title_lines"):
        notes.append(f"title lines above the header skipped: {meta['title_lines']}")
    taken = {_fold(c) for c in [unit_name, year, indicator, value, *groups] if c is not None}
    c_unit = _find_column(cols, unit, "unit", name, required=True) if unit is not None else \
        _choose_unit_column(table, name, notes, exclude=taken)
    year_cols = [c for c in cols if _YEAR_RE.match(unicodedata.normalize("NFKC", str(c)).strip())]
    c_year_found = _find_column(cols, year, "year", name, required=False)
    if layout == "years" or (layout == "auto" and c_year_found is None and len(year_cols) >= 2):
        used_layout = "years"
        c_year = c_ind = c_val = None
    else:
        c_year = _find_column(cols, year, "year", name, required=True)
        c_ind = _find_column(cols, indicator, "indicator", name, required=layout == "long")
        c_val = _find_column(cols, value, "value", name, required=layout == "long")
        used_layout = layout if layout != "auto" else ("long" if c_ind is not None and c_val is not None else "wide")
    c_name = _find_column(cols, unit_name, "unit_name", name, required=False) if unit_name else None
    c_groups = [_find_column(cols, g, "group", name, required=True) for g in groups]
    key_cols = [c for c in [c_unit, c_year, c_name, *c_groups] if c is not None]
    if len(set(key_cols)) != len(key_cols):
        raise DataError(
            f"{name}: one column is used for two roles; got unit={c_unit!r}, year={c_year!r}, "
            f"unit_name={c_name!r}, groups={c_groups}. Give each role its own column."
        )
    table, rows_all = _drop_footnotes(table, rows_all, c_unit, notes)

    if used_layout == "long":
        ind_codes, ind_texts = _clean_codes(table[c_ind])
        seen, first = np.unique(ind_codes, return_index=True)  # texts in the order they first occur
        present = list(dict.fromkeys(ind_texts[c] for c in seen[np.argsort(first, kind="stable")]))
        mapping, dropped = _select_indicators(present, indicators, name)
        keep = np.array([t in mapping for t in ind_texts], dtype=bool)[ind_codes]
        sub = table if keep.all() else table.loc[keep, [*key_cols, c_val]]
        rows = rows_all if keep.all() else rows_all[keep]
        values, problems = parse_number_series(sub[c_val], file=name, column=c_val, rows=rows, percent=percent,
                                               errors="return")
        if (problems["kind"] == "invalid").any():
            raise invalid_cells_error(problems, file=name)
        base = sub[key_cols].reset_index(drop=True)
        base_rows = rows
        tile = 1
        ind = _KeyCodes(None, codes=ind_codes if keep.all() else ind_codes[keep],
                        uniques=[mapping.get(t, t) for t in ind_texts])
        del ind_codes
        val = values.reset_index(drop=True)
        origin_rows, origin_cols, origin_names = rows, np.zeros(len(rows), dtype=np.int32), [c_val]
        unused = [c for c in cols if c not in key_cols and c not in (c_ind, c_val)]
        if unused:
            dropped_columns = unused
            notes.append(f"columns not used: {unused}")
    else:
        value_cols = [c for c in cols if c not in key_cols]
        spread_years: list[int] = []
        if used_layout == "years":
            other = [c for c in value_cols if c not in year_cols]
            if other or not value_cols:
                raise DataError(
                    f"{name}: layout 'years' needs one column per year besides the keys; got "
                    f"{'non-year columns ' + repr(other) if other else 'no year columns'} (columns {cols}). Pass "
                    "other columns as unit_name= or groups=, or use layout='long'/'wide' with a year column."
                )
            ind_id = _single_indicator(indicators, name)
            spread_years = [int(_YEAR_RE.match(unicodedata.normalize("NFKC", c).strip()).group(1))  # type: ignore[union-attr]
                            for c in value_cols]
            dup_years = sorted({y for y in spread_years if spread_years.count(y) > 1})
            if dup_years:
                raise DataError(f"{name}: two columns for the same year; got years {dup_years} in columns {value_cols}. "
                                "Keep one column per year.")
            indicators = {c: ind_id for c in value_cols}
        if not value_cols:
            raise DataError(
                f"{name}: a wide table needs indicator columns besides the keys; got only {cols}. "
                "Add indicator columns, or use a long table with indicator and value columns."
            )
        mapping, dropped = _select_indicators(value_cols, indicators, name)
        n, k = len(table), len(mapping)
        # indicator columns parsed column after column (Arrow strings stay Arrow strings)
        parts = [parse_number_series(table[c], file=name, column=c, rows=rows_all, percent=percent, errors="return")
                 for c in mapping]
        flat = np.concatenate([v.to_numpy(dtype=float) for v, _ in parts]) if k else np.array([], dtype=float)
        probs = [pr for _, pr in parts if len(pr)]
        problems = (pd.concat(probs, ignore_index=True) if probs else
                    pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS}))
        del parts
        invalid = problems[problems["kind"] == "invalid"]
        if len(invalid):
            has_number = ~np.isnan(flat.reshape(k, n)).all(axis=1) if n else np.zeros(k, dtype=bool)
            pct_cols = set(invalid.loc[invalid["message"] == "percent sign", "column"])  # numbers with a % sign
            text_cols = [c for c, num in zip(mapping, has_number)
                         if (invalid["column"] == c).any() and not num and c not in pct_cols]
            if text_cols:
                first = invalid[invalid["column"] == text_cols[0]].iloc[0]
                raise DataError(
                    f"{name}: wide layout, but {len(text_cols)} column(s) hold text, not numbers; got "
                    f"{text_cols[:_MAX_LISTED]}{' …' if len(text_cols) > _MAX_LISTED else ''} (e.g. row "
                    f"{int(first['row'])}, column {text_cols[0]!r}: {first['value']!r}). If they are not indicators, "
                    "pass them as unit_name= or groups=, or choose the indicator columns with indicators=."
                )
            raise invalid_cells_error(problems, file=name)
        base = table[key_cols].reset_index(drop=True)
        base_rows = rows_all
        tile = k
        ind = _KeyCodes(None, codes=np.repeat(np.arange(k), n), uniques=list(mapping.values()))
        if used_layout == "years":
            col_year = dict(zip(value_cols, spread_years))
            year_of_cells = np.repeat([col_year[c] for c in mapping], n).astype(np.int64)
        val = pd.Series(flat, dtype=float)
        origin_rows, origin_cols, origin_names = np.tile(rows_all, k), np.repeat(np.arange(k, dtype=np.int32), n), list(mapping)

    # the text grid is no longer needed: only the key columns (in `base`) stay, so that the input text is freed
    # before the panel columns are built (peak memory a small multiple of the file)
    n_input_rows = int(len(table))
    del table
    if used_layout == "long":
        del sub
    release_arrow_memory()
    # keys: parsed once per input row; a wide row's keys are repeated for its indicators as integer codes only
    if used_layout == "years":
        years = year_of_cells
    else:
        years = np.tile(_parse_years(base[c_year], base_rows, name, c_year), tile)
    unit_keys = _clean_key(base[c_unit])
    empty = (unit_keys == "").to_numpy()
    if empty.any():
        bad_rows = base_rows[empty].tolist()
        raise DataError(
            f"{name}, column {c_unit!r}: empty unit key; got {len(bad_rows)} row(s) without a unit "
            f"(row {', '.join(map(str, bad_rows[:_MAX_LISTED]))}{' …' if len(bad_rows) > _MAX_LISTED else ''}). "
            "Fill in the unit or delete these rows."
        )
    codes, unit_notes = _resolve_units(unit_keys, base_rows, units, reg, name, c_unit)
    unit_mode_province = codes is not None
    notes += unit_notes
    # sorted by unit, year, indicator: the order is computed on integer codes, then every column is built in it
    ukeys = _KeyCodes(codes if codes is not None else unit_keys, tile)
    del unit_keys, codes
    order = np.lexsort((ind.codes, years, ukeys.codes))
    data = pd.DataFrame({"unit": ukeys.take(order)})
    data["year"] = np.asarray(years)[order]
    del years
    data["indicator"] = ind.take(order)
    del ind
    data["value"] = val.to_numpy(dtype=float)[order]
    del val
    if c_name is not None:
        data["unit_name"] = _KeyCodes(_clean_key(base[c_name]), tile).take(order)
    elif unit_mode_province:  # the short Chinese name of each province code
        data["unit_name"] = _texts([reg.name(c) for c in ukeys.uniques]).take(ukeys.codes[order])
    for g, cg in zip(groups, c_groups):
        data[g] = _KeyCodes(_clean_key(base[cg]), tile).take(order)
    del base, ukeys
    origin = pd.DataFrame({"row": origin_rows[order]})
    origin["column"] = _texts(origin_names).take(origin_cols[order])
    del origin_rows, origin_cols

    n_percent = int((problems["kind"] == "percent").sum()) if len(problems) else 0
    if n_percent:
        notes.append(f"{n_percent} cells with a percent sign read with percent={percent!r}")
    if dropped:
        notes.append(f"{len(dropped)} indicators not selected: {dropped[:20]}")

    origin["row"] = origin["row"].astype("int64")

    miss = problems[problems["kind"] == "missing"] if len(problems) else pd.DataFrame(columns=["row", "column"])
    if len(miss):
        near = origin["row"].isin(miss["row"].astype("int64").unique()).to_numpy()
        cells = pd.concat([origin[near], data.loc[near, ["unit", "year", "indicator"]]], axis=1)
        missing_cells = (
            miss[["file", "row", "column", "value"]].astype({"row": "int64"})
            .merge(cells, on=["row", "column"], how="left")
            .sort_values(["row", "column"], kind="stable").reset_index(drop=True)
        )
    else:
        missing_cells = pd.DataFrame(columns=["file", "row", "column", "value", "unit", "year", "indicator"])
    if len(missing_cells):
        notes.append(f"{len(missing_cells)} missing cells (empty or a missing marker) kept as NaN")

    src = PanelSource(
        file=name, sha256=meta["sha256"], encoding=meta.get("encoding"), format=meta["format"],
        layout=used_layout, n_rows=n_input_rows, sheet=meta.get("sheet"),
        columns={"unit": c_unit, "year": c_year, "indicator": c_ind if used_layout == "long" else None,
                 "value": c_val if used_layout == "long" else None, "unit_name": c_name, "groups": c_groups},
        units="province" if unit_mode_province else "raw", dropped_indicators=tuple(dropped),
        dropped_columns=tuple(dropped_columns), notes=tuple(notes),
    )
    for note in unit_notes:
        warnings.warn(f"{name}: {note}.", DataWarning, stacklevel=2)
    if dropped_columns:
        warnings.warn(f"{name}: columns not used by the panel were dropped: {dropped_columns}. Pass them as "
                      "unit_name= or groups= to keep them (recorded in panel.source.dropped_columns).",
                      DataWarning, stacklevel=2)
    release_arrow_memory()  # the buffers of the columns built above (takes, decoded keys) are freed by now
    return Panel(data=data, source=src, missing_cells=missing_cells, origin=origin)
