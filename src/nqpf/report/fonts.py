"""CJK fonts for figures and the HTML report (no "tofu" boxes, no missing-glyph warnings).

nqpf draws Chinese text with **Noto Sans SC** (思源黑体 family, SIL Open Font License 1.1) from
the PyPI package ``pylopdf-fonts-zh-cn`` (a dependency of nqpf). When that package is absent,
a system CJK font is used (Debian ``fonts-noto-cjk`` or ``fonts-wqy-microhei``). When no CJK
font can be found, :func:`cjk_font` raises :class:`~nqpf.MethodError` instead of drawing boxes.

The HTML report embeds a *subset* of the same font (only the characters the page uses,
made with fontTools) so that it renders correctly offline on machines without CJK fonts.
"""
from __future__ import annotations

import base64
import gc
import importlib.util
import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .._errors import MethodError

__all__ = ["CjkFont", "cjk_font", "use_cjk_font", "font_subset_base64", "FONT_LICENCE"]

#: what the report says about the font it uses (goes to the methods section and README DATA_LICENSES)
FONT_LICENCE = ("Noto Sans SC (Google / Adobe, https://github.com/notofonts/noto-cjk), SIL Open Font License 1.1; "
                "shipped by the PyPI package pylopdf-fonts-zh-cn")

#: system font files tried when the PyPI font package is missing (Debian / Ubuntu / Fedora / macOS / Windows)
_SYSTEM_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


@dataclass(frozen=True)
class CjkFont:
    """A CJK font file registered with matplotlib.

    Attributes
    ----------
    path : the font file.
    family : the family name matplotlib knows it by.
    source : ``"pypi:pylopdf-fonts-zh-cn"`` or ``"system"``.
    """

    path: Path
    family: str
    source: str


def _package_font() -> Path | None:
    if importlib.util.find_spec("pylopdf_fonts_zh_cn") is None:
        return None
    import pylopdf_fonts_zh_cn

    p = Path(pylopdf_fonts_zh_cn.sans_path())
    return p if p.exists() else None


@lru_cache(maxsize=1)
def cjk_font() -> CjkFont:
    """Find a CJK font and register it with matplotlib's font manager.

    Returns
    -------
    CjkFont

    Raises
    ------
    MethodError
        When neither ``pylopdf-fonts-zh-cn`` nor a system CJK font is installed.

    Examples
    --------
    >>> f = cjk_font()
    >>> f.family in ("Noto Sans SC", "Noto Sans CJK JP", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    ...              "PingFang SC", "Microsoft YaHei")
    True
    """
    from matplotlib import font_manager

    path = _package_font()
    source = "pypi:pylopdf-fonts-zh-cn"
    if path is None:
        source = "system"
        path = next((Path(p) for p in _SYSTEM_CANDIDATES if Path(p).exists()), None)
    if path is None:
        raise MethodError(
            "nqpf.report fonts: no CJK font found for Chinese labels; got neither the package pylopdf-fonts-zh-cn "
            "nor a system CJK font. Install one: pip install pylopdf-fonts-zh-cn (or apt-get install fonts-noto-cjk)."
        )
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    return CjkFont(path=path, family=family, source=source)


def use_cjk_font() -> CjkFont:
    """Register the CJK font and return it; figures pass its family explicitly (no global rc change).

    Examples
    --------
    >>> use_cjk_font().path.exists()
    True
    """
    return cjk_font()


def font_subset_base64(text: str) -> tuple[str, str]:
    """A subset of the CJK font holding the characters of ``text``, base64-encoded for ``@font-face``.

    Returns ``(base64 data, format)`` with format ``"opentype"`` or ``"truetype"``. The characters are
    collected once (``set(text)``: the report page is megabytes of text, most of it base64 figures); the
    subset is made once per set of characters and font in a process. It keeps fontTools' default OpenType layout
    features (kerning, ligatures, local forms, …), not all of them: the alternates no page asks for (full- and
    half-width, ruby, historical forms) would add 388 glyphs to the demo report's 1,144 characters (1,576 glyphs and 303 KB
    instead of 1,188 and 252 KB, and 0.3 s more).

    Examples
    --------
    >>> data, fmt = font_subset_base64("新质生产力 NQPF")
    >>> fmt in ("opentype", "truetype") and len(data) > 1000
    True
    """
    font = cjk_font()
    chars = "".join(sorted({c for c in set(text) if ord(c) >= 32} | set("0123456789.,-–%()")))
    return _font_subset(str(font.path), chars)


@lru_cache(maxsize=8)
def _font_subset(path: str, chars: str) -> tuple[str, str]:
    """The subset of the font file ``path`` holding ``chars`` (sorted, distinct), base64-encoded, and its format."""
    from fontTools import subset

    opts = subset.Options()  # fontTools' default layout features: those a browser applies to horizontal text
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.font_number = 0
    logger = logging.getLogger("fontTools")
    level = logger.level
    logger.setLevel(logging.WARNING)  # fontTools reports every pruned table at INFO
    try:
        f = subset.load_font(path, opts)
        sub = subset.Subsetter(opts)
        sub.populate(text=chars)
        sub.subset(f)
    finally:
        logger.setLevel(level)
    buf = io.BytesIO()
    f.flavor = None
    f.save(buf)
    fmt = "opentype" if "CFF " in f or "CFF2" in f else "truetype"
    del f, sub
    # the font's tables are reference cycles: about 27 MiB for the demo's page, given back now for the rest of
    # the page rather than at the collector's next full pass
    gc.collect()  # 0.02 s in the report (the objects made before its worker processes were forked are frozen)
    return base64.b64encode(buf.getvalue()).decode("ascii"), fmt
