"""Region registry: GB/T 2260 codes, names and the standard groupings of China's provinces.

The default :data:`registry` knows the 31 mainland provinces (plus Taiwan, Hong Kong and
Macao, flagged as not mainland). Every record is a :class:`Region`, so prefecture- and
county-level codes (with their validity years and successor codes) can be added with
:meth:`Registry.add` without changing the lookup code.

Examples
--------
>>> from nqpf.data import registry
>>> registry.resolve("内蒙古自治区")
'150000'
>>> registry.resolve(440000), registry.resolve("guangdong sheng"), registry.resolve("Xizang")
('440000', '440000', '540000')
>>> registry.groups(["110000", "210000"], by="belt3").tolist()
['east', 'east']
"""
from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError, UnknownRegionError
from .._validation import check_option
from ._province_table import BELT3_ZH, PROVINCES, REGION4_ZH, SUFFIXES_EN, SUFFIXES_ZH

__all__ = [
    "Level",
    "GroupBy",
    "Region",
    "Registry",
    "registry",
    "resolve_unit",
    "province_of",
]

Level = Literal["province", "prefecture", "county"]
GroupBy = Literal["region4", "belt3"]
GroupLang = Literal["en", "zh"]

_LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}
_CODE_RE = re.compile(r"^\d{6}$")
_LONG_CODE_RE = re.compile(r"^(\d{6})0{3,6}$")  # 9- or 12-digit statistical codes (统计用区划代码)
_EN_DROP_RE = re.compile(r"[\s\-_'’.,()]+")


@dataclass(frozen=True)
class Region:
    """One administrative unit of the GB/T 2260 code list.

    Attributes
    ----------
    code : str
        Six-digit GB/T 2260 code (``"110000"``).
    level : {'province', 'prefecture', 'county'}
        Administrative level.
    name_zh : str
        Short Chinese name (``"内蒙古"``); for prefectures and counties usually the full name.
    full_name_zh : str
        Official Chinese name (``"内蒙古自治区"``).
    name_en : str
        English name (``"Inner Mongolia"``); may be empty for lower levels.
    parent : str or None
        Code of the unit one level up (``None`` for provinces).
    valid_from, valid_to : int or None
        First year the code is in use, and the year it was changed or abolished (exclusive);
        ``None`` when unknown / still in use.
    successors : tuple of str
        Codes that replaced this one (empty while in use).
    aliases : tuple of str
        Other accepted names (pinyin variants, former names).
    mainland : bool
        ``False`` for Taiwan, Hong Kong and Macao (and their subdivisions).
    region4, belt3 : str or None
        NBS four regions and the three belts (provinces only; lower levels inherit from
        their province through :meth:`Registry.groups`).
    """

    code: str
    level: Level
    name_zh: str
    full_name_zh: str
    name_en: str = ""
    parent: str | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    successors: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    mainland: bool = True
    region4: str | None = None
    belt3: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", str(self.code).strip())
        if self.parent is not None:
            object.__setattr__(self, "parent", str(self.parent).strip())
        object.__setattr__(self, "successors", tuple(str(c) for c in self.successors))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        if not _CODE_RE.match(self.code):
            raise DataError(
                f"Region: code must be a six-digit GB/T 2260 code; got {self.code!r}. "
                "Pass the code as a string of six digits such as '110000'."
            )
        check_option(self.level, Level, param="level", caller="Region")

    def valid_in(self, year: int | None) -> bool:
        """Whether the code is in use in ``year`` (always true when ``year`` is None)."""
        if year is None:
            return True
        if self.valid_from is not None and year < self.valid_from:
            return False
        return self.valid_to is None or year < self.valid_to


def _norm_zh(text: str) -> str:
    """NFKC, drop all whitespace, case-fold (Chinese names and codes)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _norm_en(text: str) -> str:
    """NFKC, lower-case, drop spaces and punctuation (``'Nei Mongol'`` → ``'neimongol'``)."""
    return _EN_DROP_RE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _strip_suffix(key: str, suffixes: tuple[str, ...]) -> str:
    for suf in suffixes:
        if key.endswith(suf) and len(key) > len(suf):
            return key[: -len(suf)]
    return key


def _code_key(key: Any) -> str | None:
    """The six-digit code a key denotes, or None when the key is not code-like.

    Accepts ints, ``'110000'``, ``'110000.0'`` (Excel floats), 9/12-digit statistical codes
    ending in zeros, and two-digit province prefixes (``'11'`` → ``'110000'``).
    """
    if isinstance(key, (bool, np.bool_)):
        return None
    if isinstance(key, (int, np.integer)):
        text = str(int(key))
    elif isinstance(key, (float, np.floating)):
        if not np.isfinite(key) or not float(key).is_integer():
            return None
        text = str(int(key))
    else:
        text = unicodedata.normalize("NFKC", str(key)).strip()
        if text.endswith(".0"):
            text = text[:-2]
    if not text.isdigit() or not text.isascii():
        return None
    if len(text) == 6:
        return text
    m = _LONG_CODE_RE.match(text)
    if m and len(text) in (9, 12):
        return m.group(1)
    if len(text) == 2:
        return text + "0000"
    return None


@dataclass
class Registry:
    """A lookup table of administrative units keyed by GB/T 2260 code.

    Parameters
    ----------
    records : iterable of Region
        Initial records; :meth:`default` gives the registry of the 34 province-level units.

    Notes
    -----
    Lookup order in :meth:`resolve`: a code (int or str, six digits, two-digit prefix, or a
    9/12-digit statistical code ending in zeros); then an exact name (short, full, English,
    alias; case-insensitive, NFKC-normalised so full-width characters match); then the name
    with an administrative suffix removed (省, 市, 自治区, 壮族自治区 …, or ``Province``,
    ``Autonomous Region`` …). A name shared by several units raises a :class:`DataError`
    listing them unless ``level`` / ``year`` / ``parent`` make it unique.

    A code may hold several records with different validity periods (the MCA list reuses
    codes of abolished units); :meth:`get` returns the record in use (or the one valid in
    ``year``).
    """

    records: Iterable[Region] = ()
    _recs: list[Region | None] = field(default_factory=list, init=False, repr=False)
    _by_code: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)
    _by_name: dict[str, set[int]] = field(default_factory=dict, init=False, repr=False)
    _by_stripped: dict[str, set[int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        initial = tuple(self.records)
        self.records = ()
        self.add(initial)

    # ------------------------------------------------------------------ construction
    @classmethod
    def default(cls) -> "Registry":
        """The registry of the 31 mainland provinces plus Taiwan, Hong Kong and Macao."""
        return cls(
            Region(
                code=code,
                level="province",
                name_zh=short,
                full_name_zh=full,
                name_en=en,
                aliases=aliases,
                region4=r4,
                belt3=b3,
                valid_from=since,
                mainland=mainland,
            )
            for code, short, full, en, aliases, r4, b3, since, mainland in PROVINCES
        )

    def add(self, records: Iterable[Region]) -> "Registry":
        """Add records; returns ``self`` so calls can be chained.

        A record replaces an existing one with the same code and ``valid_from``; a record with
        the same code and another ``valid_from`` is kept beside it as another period.

        Parameters
        ----------
        records : iterable of Region
            New units, e.g. prefecture and county codes read from the MCA code list.

        Examples
        --------
        >>> from nqpf.data.regions import Registry, Region
        >>> reg = Registry.default().add([Region("320100", "prefecture", "南京市", "南京市",
        ...                                       name_en="Nanjing", parent="320000")])
        >>> reg.resolve("南京", level="prefecture"), reg.province_of("320100")
        ('320100', '320000')
        """
        new = list(records)
        for rec in new:
            if not isinstance(rec, Region):
                raise DataError(
                    f"Registry.add: every record must be a Region; got {type(rec).__name__} {rec!r}. "
                    "Build records with nqpf.data.regions.Region(code, level, name_zh, full_name_zh, ...)."
                )
        for rec in new:
            slots = self._by_code.setdefault(rec.code, [])
            for i in [i for i in slots if self._recs[i].valid_from == rec.valid_from]:  # type: ignore[union-attr]
                self._unindex(i)
                slots.remove(i)
                self._recs[i] = None
            self._recs.append(rec)
            slots.append(len(self._recs) - 1)
            self._index(len(self._recs) - 1)
        self.records = tuple(r for r in self._recs if r is not None)
        return self

    def _names_of(self, rec: Region) -> tuple[list[str], list[str]]:
        exact = {_norm_zh(rec.name_zh), _norm_zh(rec.full_name_zh)}
        exact |= {_norm_en(n) for n in (rec.name_en, *rec.aliases) if n}
        exact |= {_norm_zh(n) for n in rec.aliases if n}
        stripped = {_strip_suffix(_norm_zh(n), SUFFIXES_ZH) for n in (rec.name_zh, rec.full_name_zh)}
        stripped |= {_strip_suffix(_norm_en(n), SUFFIXES_EN) for n in (rec.name_en, *rec.aliases) if n}
        return sorted(k for k in exact if k), sorted(k for k in stripped if k)

    def _index(self, i: int) -> None:
        exact, stripped = self._names_of(self._recs[i])  # type: ignore[arg-type]
        for k in exact:
            self._by_name.setdefault(k, set()).add(i)
        for k in stripped:
            self._by_stripped.setdefault(k, set()).add(i)

    def _unindex(self, i: int) -> None:
        exact, stripped = self._names_of(self._recs[i])  # type: ignore[arg-type]
        for table, keys in ((self._by_name, exact), (self._by_stripped, stripped)):
            for k in keys:
                table.get(k, set()).discard(i)
                if not table.get(k):
                    table.pop(k, None)

    def _periods(self, code: str) -> list[Region]:
        return [self._recs[i] for i in self._by_code.get(code, ())]  # type: ignore[misc]

    def _current(self, code: str, year: int | None = None) -> Region | None:
        """The record of a code valid in ``year``, or (no year) the one in use / the latest one."""
        periods = self._periods(code)
        if year is not None:
            periods = [r for r in periods if r.valid_in(year)]
        if not periods:
            return None
        in_use = [r for r in periods if r.valid_to is None]
        return max(in_use or periods, key=lambda r: (r.valid_from or 0))

    # ------------------------------------------------------------------ lookup
    def __len__(self) -> int:
        """Number of records (a code reused over time counts once per period)."""
        return len(self.records)  # type: ignore[arg-type]

    def __contains__(self, code: object) -> bool:
        key = _code_key(code)
        return key is not None and bool(self._by_code.get(key))

    def get(self, code: Any, *, year: int | None = None) -> Region:
        """The :class:`Region` of a code (int or str): the record in use, or the one valid in ``year``.

        Raises
        ------
        DataError
            When the code is unknown (or not in use in ``year``).
        """
        key = _code_key(code)
        rec = None if key is None else self._current(key, year)
        if rec is None:
            when = f" in {year}" if year is not None and key is not None and self._by_code.get(key) else ""
            raise DataError(
                f"Registry.get: unknown GB/T 2260 code{when}; got {code!r}. "
                "Use a six-digit code of the registry (see Registry.provinces()) or resolve() a name."
            )
        return rec

    def _candidates(self, key: Any) -> tuple[list[list[int]], str]:
        """Candidate record lists in order of preference and how the key was read ('code' or 'name').

        For a name: the exact matches first, then the matches after removing an
        administrative suffix (省, 市, 自治区 …, ``Province`` …).
        """
        code = _code_key(key)
        if code is not None:
            return [list(self._by_code.get(code, ()))], "code"
        text = str(key)
        zh, en = _norm_zh(text), _norm_en(text)
        exact = self._by_name.get(zh, set()) | self._by_name.get(en, set())
        stripped = self._by_stripped.get(_strip_suffix(zh, SUFFIXES_ZH), set())
        stripped = stripped | self._by_stripped.get(_strip_suffix(en, SUFFIXES_EN), set())
        return [sorted(exact), sorted(stripped - exact)], "name"

    def suggest(self, key: Any, *, n: int = 3, level: Level | None = None) -> list[str]:
        """Up to ``n`` known names closest to ``key`` (difflib ratio ≥ 0.5), best first.

        Examples
        --------
        >>> from nqpf.data import registry
        >>> registry.suggest("北平")
        ['北京', '河北', '湖北']
        """
        recs = [r for r in self.records if level is None or r.level == level]  # type: ignore[union-attr]
        names: list[str] = []
        for r in recs:
            for nm in (r.name_zh, r.full_name_zh, r.name_en, *r.aliases):
                if nm and nm not in names:
                    names.append(nm)
        text = unicodedata.normalize("NFKC", str(key)).strip().casefold()
        scored = []
        for nm in names:
            cand = nm.casefold()
            sm = difflib.SequenceMatcher(None, text, cand)
            if sm.real_quick_ratio() < 0.5 or sm.quick_ratio() < 0.5:
                continue
            ratio = sm.ratio()
            if ratio >= 0.5:
                prefix = len(os.path.commonprefix([text, cand]))
                scored.append((-(ratio + 0.1 * prefix), nm))
        return [nm for _, nm in sorted(scored)[:n]]

    def resolve(
        self,
        key: Any,
        *,
        level: Level | None = None,
        year: int | None = None,
        parent: str | None = None,
        allow_sar: bool = False,
        _suggest: bool = True,
    ) -> str:
        """The six-digit code of a unit given as code or name.

        Parameters
        ----------
        key : int or str
            A code (``110000``, ``"110000"``, ``"11"``) or any name form: short (``"广西"``), full
            (``"广西壮族自治区"``), with or without the suffix (``"广西省"`` is tolerated),
            English or pinyin (``"Guangxi"``, ``"Nei Mongol"``; case-insensitive).
        level : {'province', 'prefecture', 'county'}, optional
            Only consider units of this level.
        year : int, optional
            Only consider codes in use in this year.
        parent : str, optional
            Only consider units whose code starts with this code's prefix (e.g. a province
            code to disambiguate county names).
        allow_sar : bool, default False
            Accept Taiwan, Hong Kong and Macao; otherwise they raise.

        Returns
        -------
        str
            The six-digit code.

        Raises
        ------
        UnknownRegionError
            (a :class:`DataError`) Unknown key (with close matches), ambiguous name, non-mainland
            unit, no unit under the level / parent filters, or a code not in use in ``year``; its
            ``reason``, ``code``, ``name`` and ``candidates`` say which.

        Examples
        --------
        >>> from nqpf.data import registry
        >>> registry.resolve("宁夏回族自治区"), registry.resolve(" ningxia "), registry.resolve(64)
        ('640000', '640000', '640000')
        """
        if level is not None:
            check_option(level, Level, param="level", caller="resolve")
        tiers, how = self._candidates(key)
        where = f"resolve({key!r})"
        if not any(tiers):
            sugg = self.suggest(key, level=level) if _suggest else []
            hint = f" Did you mean {', '.join(repr(s) for s in sugg)}?" if sugg else ""
            raise UnknownRegionError(
                f"{where}: unknown region {how}; got {key!r}.{hint} "
                "Use a GB/T 2260 code or a province name such as '北京', '北京市' or 'Beijing'.",
                key=key, reason="unknown",
            )
        prefix = pcode = None
        if parent is not None:
            pcode = _code_key(parent) or self.resolve(parent, allow_sar=True)
            prefix = pcode.rstrip("0")
            if len(prefix) % 2:
                prefix += "0"
        recs: list[Region] = []
        stale: list[Region] = []
        for tier in tiers:
            cand: list[Region] = [self._recs[i] for i in tier]  # type: ignore[misc]
            cand = [r for r in cand if level is None or r.level == level]
            if prefix is not None:
                cand = [r for r in cand if r.code.startswith(prefix) and r.code != pcode]
            if year is not None:
                stale += [r for r in cand if not r.valid_in(year)]
                cand = [r for r in cand if r.valid_in(year)]
            if cand:
                recs = cand
                break
        if not recs and stale:
            rec = stale[0]
            succ = ", ".join(rec.successors) or "none recorded"
            raise UnknownRegionError(
                f"{where}: code {rec.code} ({rec.full_name_zh}) is not in use in {year}; got a unit valid "
                f"{rec.valid_from or '?'}–{rec.valid_to or 'now'} (successors: {succ}). "
                "Map the unit to the code in use that year or remove the year filter.",
                key=key, reason="not_in_use", code=rec.code, name=rec.full_name_zh,
            )
        if not recs:
            raise UnknownRegionError(
                f"{where}: no {level or 'unit'} matches{f' under {parent!r}' if parent else ''}; got {key!r}. "
                "Check the level / parent filters or use the code.",
                key=key, reason="no_match",
            )
        by_code: dict[str, Region] = {}
        for r in sorted(recs, key=lambda r: (r.code, r.valid_to is None, r.valid_from or 0)):
            by_code[r.code] = r  # keeps the period in use (else the latest) of each code
        if len(by_code) > 1:
            # a name shared across levels: prefer the unique highest level when no level was asked
            top_rank = min(_LEVEL_RANK[r.level] for r in by_code.values())
            top = [r for r in by_code.values() if _LEVEL_RANK[r.level] == top_rank]
            if level is None and len(top) == 1 and how == "name":
                by_code = {top[0].code: top[0]}
            else:
                listing = ", ".join(f"{r.code} {r.full_name_zh} ({r.level})" for r in list(by_code.values())[:10])
                raise UnknownRegionError(
                    f"{where}: ambiguous region name; got {len(by_code)} matches: {listing}. "
                    "Use the code, or pass level=, parent= or year= to choose one.",
                    key=key, reason="ambiguous", candidates=tuple(by_code),
                )
        rec = next(iter(by_code.values()))
        if not rec.mainland and not allow_sar:
            raise UnknownRegionError(
                f"{where}: {rec.full_name_zh} ({rec.code}) is not in the 31 mainland provinces; got {key!r}. "
                "Remove these rows, or pass allow_sar=True to keep Taiwan, Hong Kong and Macao.",
                key=key, reason="non_mainland", code=rec.code, name=rec.full_name_zh,
            )
        return rec.code

    def resolve_many(
        self,
        keys: Iterable[Any],
        *,
        level: Level | None = None,
        year: int | None = None,
        allow_sar: bool = False,
    ) -> tuple[pd.Series, list[Any]]:
        """Resolve many keys at once (each distinct key is looked up once).

        Parameters
        ----------
        keys : iterable or pandas.Series
            Codes or names.
        level, year, allow_sar
            As in :meth:`resolve`.

        Returns
        -------
        codes : pandas.Series of str (object dtype)
            Codes aligned with ``keys`` (same index when ``keys`` is a Series); ``None`` where a
            key did not resolve.
        unresolved : list
            The distinct keys that did not resolve, in order of first appearance.

        Examples
        --------
        >>> from nqpf.data import registry
        >>> codes, bad = registry.resolve_many(["北京市", "Tianjin", "北平"])
        >>> codes.tolist(), bad
        (['110000', '120000', None], ['北平'])
        """
        ser = keys if isinstance(keys, pd.Series) else pd.Series(list(keys), dtype=object)
        mapping: dict[Any, str | None] = {}
        unresolved: list[Any] = []
        for k in pd.unique(ser.astype(object).to_numpy()):
            try:
                mapping[k] = self.resolve(k, level=level, year=year, allow_sar=allow_sar, _suggest=False)
            except DataError:
                mapping[k] = None
                unresolved.append(k)
        codes = pd.Series([mapping[k] for k in ser.astype(object).to_numpy()], index=ser.index, dtype=object)
        return codes, unresolved

    # ------------------------------------------------------------------ tables and groups
    def province_of(self, code: Any) -> str:
        """The province code of any code, from its first two digits.

        Examples
        --------
        >>> from nqpf.data import registry
        >>> registry.province_of("320102")
        '320000'
        """
        key = _code_key(code)
        prov = None if key is None else key[:2] + "0000"
        if prov is None or not self._by_code.get(prov):
            raise DataError(
                f"province_of({code!r}): the first two digits are not a known province; got {code!r}. "
                "Use a six-digit GB/T 2260 code whose first two digits are a province (11–82)."
            )
        return prov

    def name(self, code: Any, *, lang: GroupLang = "zh", full: bool = False) -> str:
        """Display name of a code: short or full Chinese name, or the English name."""
        check_option(lang, GroupLang, param="lang", caller="name")
        rec = self.get(code)
        if lang == "en":
            return rec.name_en
        return rec.full_name_zh if full else rec.name_zh

    def full_name(self, code: Any) -> str:
        """Official Chinese name of a code (``'110000'`` → ``'北京市'``)."""
        return self.get(code).full_name_zh

    def provinces(self, *, include_sar: bool = False) -> pd.DataFrame:
        """Table of the provinces: ``unit, name_zh, full_name_zh, name_en, region4, region4_zh, belt3, belt3_zh``.

        Examples
        --------
        >>> from nqpf.data import registry
        >>> t = registry.provinces()
        >>> len(t), t["region4"].value_counts().to_dict()
        (31, {'west': 12, 'east': 10, 'central': 6, 'northeast': 3})
        """
        rows = [
            {
                "unit": r.code,
                "name_zh": r.name_zh,
                "full_name_zh": r.full_name_zh,
                "name_en": r.name_en,
                "region4": r.region4,
                "region4_zh": REGION4_ZH.get(r.region4 or "", None),
                "belt3": r.belt3,
                "belt3_zh": BELT3_ZH.get(r.belt3 or "", None),
            }
            for r in sorted((self.get(c) for c in self._by_code if self._by_code[c]), key=lambda r: r.code)
            if r.level == "province" and (r.mainland or include_sar)
        ]
        return pd.DataFrame(rows, columns=["unit", "name_zh", "full_name_zh", "name_en", "region4", "region4_zh",
                                           "belt3", "belt3_zh"])

    def groups(self, codes: Iterable[Any], *, by: GroupBy = "region4", lang: GroupLang = "en") -> pd.Series:
        """Group label of each code (a prefecture or county takes its province's group).

        Parameters
        ----------
        codes : iterable or pandas.Series
            Codes (int or str).
        by : {'region4', 'belt3'}
            NBS four regions (east/central/west/northeast) or the three belts (east/central/west),
            methods-reference §13.
        lang : {'en', 'zh'}
            ``'east'`` … or ``'东部'`` ….

        Returns
        -------
        pandas.Series
            Labels aligned with ``codes`` (same index when a Series is given), named ``by``.

        Raises
        ------
        DataError
            A code whose province has no group (Taiwan, Hong Kong, Macao) or is unknown.
        """
        check_option(by, GroupBy, param="by", caller="groups")
        check_option(lang, GroupLang, param="lang", caller="groups")
        ser = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
        labels = REGION4_ZH if by == "region4" else BELT3_ZH
        cache: dict[Any, str] = {}
        out = []
        for c in ser.astype(object).to_numpy():
            if c not in cache:
                rec = self.get(self.province_of(c))
                g = getattr(rec, by)
                if g is None:
                    raise DataError(
                        f"groups(by={by!r}): {rec.full_name_zh} ({rec.code}) belongs to no {by} group; got {c!r}. "
                        "The groupings cover the 31 mainland provinces only; remove these units."
                    )
                cache[c] = labels[g] if lang == "zh" else g
            out.append(cache[c])
        return pd.Series(out, index=ser.index, name=by, dtype=object)


#: the default registry (31 mainland provinces + Taiwan, Hong Kong, Macao)
registry: Registry = Registry.default()


def resolve_unit(key: Any, **kwargs: Any) -> str:
    """Resolve a unit key with the default :data:`registry` (see :meth:`Registry.resolve`).

    Examples
    --------
    >>> resolve_unit("新疆维吾尔自治区")
    '650000'
    """
    return registry.resolve(key, **kwargs)


def province_of(code: Any) -> str:
    """Province code of any GB/T 2260 code with the default :data:`registry`."""
    return registry.province_of(code)
