"""City and county registry with history: codes 1981–2024, year-by-year mapping, merges and splits.

The bundled MCA code list (``areacodes.csv``, CC0, see ``data/PROVENANCE.md``) holds every
province-, prefecture- and county-level code since 1981 with the years it was in use and the
codes of its successors. :class:`AdminRegistry` turns it into

* a :class:`nqpf.data.regions.Registry` (built with ``Registry.default().add(records)``, the
  shared default registry is never changed) that resolves codes and historical names in the
  year they were used (巢湖 2010 → ``341400``, 莱芜 2015 → ``371200``, 襄樊 2009 → ``420600``);
* a table of **changes** at the city level (``rename``, ``recode``, ``merge``, ``split``,
  ``abolish``, ``transfer``) derived from the successor links of the member counties;
* :meth:`AdminRegistry.map_units` — map a panel keyed by codes or names to the codes in use
  each year, with a report of every historical name and every change touching the units;
* :meth:`AdminRegistry.harmonise` — re-express a city panel on the boundaries of one year:
  merged units are summed (additive series) or averaged with explicit weights, a split is
  refused unless asked otherwise, county transfers between cities are reported.

"City level" (``level="city"``) means what the China City Statistical Yearbook reports on: the
prefecture-level units, the four municipalities (codes ``110000, 120000, 310000, 500000``) and
the county-level units administered directly by a province (code digits 3–4 = ``90``, e.g.
济源 ``419001``, 仙桃 ``429004``).

Examples
--------
>>> from nqpf.levels.admin import admin_registry
>>> reg = admin_registry()
>>> reg.resolve("巢湖", year=2010), reg.resolve("莱芜市", year=2015), reg.resolve("襄樊", year=2009)
('341400', '371200', '420600')
>>> reg.lineage("371200", year=2015, to_year=2019)
('merge', ('370100',))
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError, UnknownRegionError
from .._results import Result, Summary
from .._validation import check_option
from ..data.regions import Region, Registry

__all__ = [
    "AdminLevel",
    "CityLevel",
    "OnSplit",
    "Apply",
    "ChangeKind",
    "MUNICIPALITIES",
    "load_admin_codes",
    "AdminRegistry",
    "admin_registry",
    "UnitMapping",
    "HarmonisedPanel",
    "is_city_level",
]

AdminLevel = Literal["province", "prefecture", "county"]
#: ``city`` = prefectures + municipalities + province-administered county-level units
CityLevel = Literal["city", "prefecture", "county", "province"]
#: the changes :meth:`AdminRegistry.harmonise` can apply (splits are governed by ``OnSplit``)
Apply = Literal["rename", "recode", "merge"]
#: what :meth:`AdminRegistry.harmonise` does with a unit that was split: refuse, drop its rows, keep it as is
OnSplit = Literal["raise", "drop", "keep"]
ChangeKind = Literal["rename", "recode", "merge", "split", "abolish", "transfer"]

#: the four municipalities (直辖市), city-level units in city panels
MUNICIPALITIES: tuple[str, ...] = ("110000", "120000", "310000", "500000")

_LEVELS_ZH = {"省级": "province", "地级": "prefecture", "县级": "county"}
_STATUS_ZH = {"在用": "in_use", "弃用": "abolished", "变更": "changed"}
_SUCC_RE = re.compile(r"^(\d{6})(?:\[(\d{4})\])?$")
#: frequent variant spellings in published panels (typo → official name)
_VARIANTS = {"毫州": "亳州"}
_CHANGE_COLUMNS = ["year", "code", "name", "kind", "targets", "target_names", "counties", "note"]


def _data_path() -> Path:
    return Path(str(resources.files("nqpf.levels").joinpath("data", "areacodes.csv")))


def parse_successors(text: Any) -> tuple[tuple[str, int | None], ...]:
    """Parse the 新代码 field: ``"420602[1984];420603"`` → ``(("420602", 1984), ("420603", None))``.

    A code followed by ``[year]`` names a change in that year; a bare code a change in the year
    the record ends (areacodes CSV convention).

    >>> parse_successors("371203[2006];370116")
    (('371203', 2006), ('370116', None))
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return ()
    out = []
    for part in str(text).split(";"):
        m = _SUCC_RE.match(part.strip())
        if not m:
            raise DataError(
                f"areacodes 新代码: unreadable successor; got {part!r} in {text!r}. "
                "Use six-digit codes separated by ';', each optionally followed by [year]."
            )
        out.append((m.group(1), int(m.group(2)) if m.group(2) else None))
    return tuple(out)


def load_admin_codes(path: str | Path | None = None) -> pd.DataFrame:
    """Read the MCA code list (areacodes ``result.csv`` layout) into a tidy table.

    Parameters
    ----------
    path : str or Path, optional
        A file with the columns 代码, 一级行政区, 二级行政区, 名称, 级别, 状态, 启用时间,
        变更/弃用时间, 新代码. Default: the bundled copy (CC0, 1981–2024).

    Returns
    -------
    pandas.DataFrame
        ``code, name, level, status, valid_from, valid_to, province_name, parent_name, parent,
        successors`` — ``level`` in province / prefecture / county, ``status`` in in_use /
        abolished / changed, ``valid_to`` exclusive (``<NA>`` while in use), ``parent`` the code of
        the prefecture (or the province for units directly under it), ``successors`` the raw
        新代码 text.

    Examples
    --------
    >>> t = load_admin_codes()
    >>> len(t), t["level"].value_counts().to_dict()
    (6823, {'county': 6245, 'prefecture': 544, 'province': 34})
    """
    src = Path(path) if path is not None else _data_path()
    if not src.exists():
        raise DataError(f"load_admin_codes: file not found; got {str(src)!r}. Give the path of areacodes result.csv.")
    raw = pd.read_csv(src, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    need = ["代码", "一级行政区", "二级行政区", "名称", "级别", "状态", "启用时间", "变更/弃用时间", "新代码"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(
            f"load_admin_codes({src.name}): missing columns {missing}; got {list(raw.columns)}. "
            "Use the areacodes result.csv layout (yescallop/areacodes)."
        )
    bad_level = sorted(set(raw["级别"]) - set(_LEVELS_ZH))
    if bad_level:
        raise DataError(f"load_admin_codes({src.name}): unknown 级别 values; got {bad_level}. Use 省级, 地级 or 县级.")
    out = pd.DataFrame({
        "code": raw["代码"].str.strip(),
        "name": raw["名称"].str.strip(),
        "level": raw["级别"].map(_LEVELS_ZH),
        "status": raw["状态"].map(_STATUS_ZH).fillna(raw["状态"]),
        "valid_from": pd.to_numeric(raw["启用时间"], errors="raise").astype(int),
        "valid_to": pd.to_numeric(raw["变更/弃用时间"].replace("", None), errors="raise").astype("Int64"),
        "province_name": raw["一级行政区"].str.strip(),
        "parent_name": raw["二级行政区"].str.strip(),
        "successors": raw["新代码"].str.strip(),
    })
    prefectures = set(out.loc[out["level"] == "prefecture", "code"])
    pref_of = out["code"].str[:4] + "00"
    prov_of = out["code"].str[:2] + "0000"
    out["parent"] = np.where(out["level"] == "province", "",
                             np.where((out["level"] == "county") & pref_of.isin(prefectures), pref_of, prov_of))
    return out


def is_city_level(code: str, level: str) -> bool:
    """Whether a record is a city-level unit: prefecture, municipality or province-administered county-level unit.

    >>> is_city_level("419001", "county"), is_city_level("110000", "province"), is_city_level("110101", "county")
    (True, True, False)
    """
    if level == "prefecture":
        return True
    if level == "province":
        return code in MUNICIPALITIES
    return code[2:4] == "90"


# ----------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class UnitMapping(Result):
    """How the unit keys of a panel map to the codes in use each year.

    Attributes
    ----------
    mapping : DataFrame
        ``key, parent_key, year, code, name, how`` — one row per distinct key (and parent key)
        and year; ``how`` is ``code`` (a code in use that year), ``name`` (the name in use that
        year), ``parent_mismatch`` (resolved after ignoring a wrong parent), ``non_mainland`` (Hong
        Kong, Macao, Taiwan), ``historical_name`` (a name the code carried in another period: the code is kept and
        the current name given), ``out_of_period`` (a code given for a year outside its validity:
        kept, flagged) or ``unresolved``.
    changes : DataFrame
        The city-level changes (``year, code, name, kind, targets, target_names, counties, note``)
        that touch the mapped units within the years of the panel.
    codes : Series
        The code of every input row (aligned with the input index; None where unresolved).
    """

    mapping: pd.DataFrame
    changes: pd.DataFrame
    codes: pd.Series = field(repr=False)
    kind: str = "unit_mapping"

    @property
    def unresolved(self) -> pd.DataFrame:
        """The keys that did not resolve."""
        return self.mapping[self.mapping["how"] == "unresolved"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"mapping": self.mapping, "changes": self.changes}

    def summary(self) -> Summary:
        how = self.mapping["how"].value_counts().to_dict()
        kinds = self.changes["kind"].value_counts().to_dict() if len(self.changes) else {}
        notes = []
        if how.get("unresolved"):
            notes.append(f"{how['unresolved']} key-years did not resolve: {self.unresolved['key'].unique()[:8].tolist()}.")
        if how.get("out_of_period"):
            notes.append(f"{how['out_of_period']} key-years give a code outside its years of use (kept, flagged).")
        for _, r in self.changes.iterrows():
            notes.append(f"{r['year']}: {r['name']} ({r['code']}) {r['kind']} → {r['target_names'] or '—'}")
        return Summary(
            title="Unit mapping (行政区划代码逐年匹配)",
            rows=[("key-years", len(self.mapping)), ("codes", int(self.mapping["code"].nunique())),
                  *[(f"how: {k}", v) for k, v in how.items()], *[(f"changes: {k}", v) for k, v in kinds.items()]],
            notes=notes,
        )


@dataclass(frozen=True)
class HarmonisedPanel(Result):
    """A panel re-expressed on the boundaries of ``to_year`` (:meth:`AdminRegistry.harmonise`).

    Attributes
    ----------
    panel : DataFrame
        ``unit, unit_name, year, indicator, value`` on ``to_year`` boundaries.
    mapping : DataFrame
        ``unit, year, target, kind`` — where every source unit-year went (``same``, ``rename``,
        ``recode``, ``merge``, ``split``, ``abolish``, ``partial``).
    report : DataFrame
        ``target, year, indicator, members, status, note`` — every aggregated cell (``summed``,
        ``weighted``), every cell set to missing (``incomplete``, ``not_additive``) and every
        dropped or kept split unit.
    changes : DataFrame
        The changes between the panel's years and ``to_year`` touching its units, including
        county ``transfer`` events that city totals cannot be corrected for.
    to_year : int
    """

    panel: pd.DataFrame
    mapping: pd.DataFrame
    report: pd.DataFrame
    changes: pd.DataFrame
    to_year: int
    kind: str = "harmonised_panel"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"panel": self.panel, "mapping": self.mapping, "report": self.report, "changes": self.changes}

    def summary(self) -> Summary:
        st = self.report["status"].value_counts().to_dict() if len(self.report) else {}
        notes = [f"{r['year']}: {r['name']} ({r['code']}) {r['kind']} → {r['target_names'] or '—'}"
                 for _, r in self.changes.iterrows()]
        if (self.changes["kind"] == "transfer").any() if len(self.changes) else False:
            notes.append("County transfers between cities change city totals without a code change; they cannot be "
                         "corrected from city data (use county data or treat the years before the transfer with care).")
        return Summary(title=f"Panel harmonised to {self.to_year} boundaries (统一{self.to_year}年行政区划)",
                       rows=[("rows", len(self.panel)), ("units", int(self.panel["unit"].nunique())),
                             *[(f"cells {k}", v) for k, v in st.items()]], notes=notes)


# ----------------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class AdminRegistry:
    """Province, city and county codes with their history (see the module docstring).

    Build one with :meth:`from_codes` (or the cached :func:`admin_registry`).

    Attributes
    ----------
    codes : DataFrame
        The code list (:func:`load_admin_codes`).
    registry : Registry
        Name and code lookup over every period of every code (provinces from
        :meth:`Registry.default`, prefectures and counties added from the code list).
    changes : DataFrame
        City-level changes ``year, code, name, kind, targets, target_names, counties, note``:
        ``rename`` (same code, new name), ``recode`` (one unit gets a new code, e.g. 地区 → 市),
        ``merge`` (absorbed by an existing unit), ``split`` (its counties went to several units),
        ``abolish`` (no successor recorded), ``transfer`` (counties moved between two units that
        both continue; ``code`` loses, ``targets`` gains).
    """

    codes: pd.DataFrame = field(repr=False)
    registry: Registry = field(repr=False)
    changes: pd.DataFrame = field(repr=False)
    _periods: dict = field(repr=False, default_factory=dict)
    _cache: dict = field(repr=False, default_factory=dict, compare=False)

    @classmethod
    def from_codes(cls, codes: pd.DataFrame | str | Path | None = None, *,
                   aliases: Mapping[str, str] | None = None) -> "AdminRegistry":
        """Build the registry from a code list (default: the bundled one).

        Parameters
        ----------
        codes : DataFrame, str or Path, optional
            Output of :func:`load_admin_codes`, or a path to an areacodes CSV.
        aliases : mapping, optional
            Extra names ``{alias: code}`` (e.g. spellings used in your panel); the bundled list
            already knows ``毫州`` → 亳州.
        """
        table = codes if isinstance(codes, pd.DataFrame) else load_admin_codes(codes)
        extra: dict[str, list[str]] = {}
        for alias, name in _VARIANTS.items():
            for code in table.loc[table["name"].str.startswith(name), "code"]:
                extra.setdefault(code, []).append(alias + table.loc[table["code"] == code, "name"].iloc[0][len(name):])
        for alias, code in (aliases or {}).items():
            extra.setdefault(str(code), []).append(str(alias))
        records = []
        for r in table.itertuples(index=False):
            if r.level == "province":
                continue
            vt = None if pd.isna(r.valid_to) else int(r.valid_to)
            records.append(Region(
                code=r.code, level=r.level, name_zh=r.name, full_name_zh=r.name, parent=r.parent or None,
                valid_from=int(r.valid_from), valid_to=vt,
                successors=tuple(c for c, _ in parse_successors(r.successors)),
                aliases=tuple(extra.get(r.code, ())),
            ))
        reg = Registry.default().add(records)
        periods: dict[str, list[tuple[int, int | None, str, str, tuple]]] = {}
        for r in table.itertuples(index=False):
            vt = None if pd.isna(r.valid_to) else int(r.valid_to)
            periods.setdefault(r.code, []).append((int(r.valid_from), vt, r.name, r.level, parse_successors(r.successors)))
        obj = cls(codes=table, registry=reg, changes=pd.DataFrame(columns=_CHANGE_COLUMNS), _periods=periods)
        object.__setattr__(obj, "changes", obj._derive_changes())
        return obj

    # ------------------------------------------------------------------ periods
    @property
    def latest_year(self) -> int:
        """The last year of the code list (its latest ``valid_from``)."""
        return int(self.codes["valid_from"].max())

    def _valid(self, code: str, year: int) -> tuple | None:
        for p in self._periods.get(code, ()):
            if p[0] <= year and (p[1] is None or year < p[1]):
                return p
        return None

    def last_year(self, code: str) -> int:
        """The last year a code was in use (the latest year of the list while in use).

        >>> admin_registry().last_year("371200"), admin_registry().last_year("370100")
        (2017, 2024)
        """
        periods = self._periods.get(str(code))
        if not periods:
            raise DataError(f"last_year: unknown code; got {code!r}. Use a code of the MCA list (load_admin_codes()).")
        return max(((p[1] - 1) if p[1] is not None else self.latest_year) for p in periods)

    def name_in(self, code: str, year: int | None = None) -> str:
        """The name of a code in ``year`` (default: in use now, else its last name).

        >>> admin_registry().name_in("420600", 2009), admin_registry().name_in("420600")
        ('襄樊市', '襄阳市')
        """
        code = str(code)
        periods = self._periods.get(code)
        if not periods:
            raise DataError(f"name_in: unknown code; got {code!r}. Use a code of the MCA list (load_admin_codes()).")
        if year is not None:
            p = self._valid(code, year)
            if p is not None:
                return p[2]
        return max(periods, key=lambda p: (p[1] is None, p[1] or 0, p[0]))[2]

    def city_of(self, code: str, year: int) -> str:
        """The city-level unit a code belongs to in ``year`` (itself for a city-level unit).

        >>> admin_registry().city_of("370116", 2020), admin_registry().city_of("110101", 2020)
        ('370100', '110000')
        """
        code = str(code)
        p = self._valid(code, year)
        if p is not None and is_city_level(code, p[3]):
            return code
        if code[2:4] == "90":
            return code
        pref = code[:4] + "00"
        q = self._valid(pref, year)
        if q is not None and q[3] == "prefecture":
            return pref
        return code[:2] + "0000"

    def units_in(self, year: int, *, level: CityLevel = "city") -> pd.DataFrame:
        """The units in use in ``year``: ``unit, name, level, parent``.

        >>> u = admin_registry().units_in(2019)
        >>> len(u), int((u["level"] == "prefecture").sum())
        (367, 333)
        """
        check_option(level, CityLevel, param="level", caller="units_in")
        t = self.codes
        ok = (t["valid_from"] <= year) & (t["valid_to"].isna() | (t["valid_to"] > year))
        t = t[ok.to_numpy(dtype=bool)]
        if level == "city":
            keep = [is_city_level(c, lv) for c, lv in zip(t["code"], t["level"])]
            t = t[np.asarray(keep, dtype=bool)]
        else:
            t = t[t["level"] == level]
        return t.rename(columns={"code": "unit"})[["unit", "name", "level", "parent"]].sort_values("unit").reset_index(drop=True)

    def _units_cached(self, year: int) -> list[str]:
        memo = self._cache.setdefault("units", {})
        if year not in memo:
            memo[year] = self.units_in(year)["unit"].tolist()
        return memo[year]

    # ------------------------------------------------------------------ changes
    def _targets_at(self, codes: Iterable[tuple[str, int | None]], year: int) -> list[str]:
        out = []
        for c, y in codes:
            if y is None or y == year:
                out.append(self.city_of(c, year))
        return out

    def _derive_changes(self) -> pd.DataFrame:
        t = self.codes
        rows: list[dict[str, Any]] = []
        city_rows = [r for r in t.itertuples(index=False) if is_city_level(r.code, r.level) and r.level != "province"]
        county = t[t["level"] == "county"]
        county_by_pref: dict[str, list] = {}
        for r in county.itertuples(index=False):
            county_by_pref.setdefault(r.code[:4], []).append(r)
        for r in city_rows:
            if pd.isna(r.valid_to):
                continue
            end = int(r.valid_to)
            if self._valid(r.code, end) is not None:
                new = self.name_in(r.code, end)
                rows.append({"year": end, "code": r.code, "name": r.name, "kind": "rename", "targets": r.code,
                             "target_names": new, "counties": "", "note": f"{r.name} → {new} (same code)"})
                continue
            targets: list[str] = self._targets_at(parse_successors(r.successors), end)
            members = []
            if r.level == "prefecture":
                for m in county_by_pref.get(r.code[:4], ()):
                    if m.code[2:4] == "90" or not (m.valid_from <= end - 1 and (pd.isna(m.valid_to) or end - 1 < m.valid_to)):
                        continue
                    members.append(m.name)
                    if pd.isna(m.valid_to) or int(m.valid_to) != end:
                        targets.append(self.city_of(m.code, end))
                    else:
                        targets.extend(self._targets_at(parse_successors(m.successors), end))
            uniq = sorted(set(targets) - {r.code})
            if not uniq:
                kind = "abolish"
            elif len(uniq) == 1:
                kind = "merge" if self._valid(uniq[0], end - 1) is not None else "recode"
            else:
                kind = "split"
            rows.append({"year": end, "code": r.code, "name": r.name, "kind": kind, "targets": ";".join(uniq),
                         "target_names": ";".join(self.name_in(u, end) for u in uniq), "counties": ";".join(members),
                         "note": ""})
        # county transfers between two continuing city-level units
        moves: dict[tuple[int, str, str], list[str]] = {}
        for r in county.itertuples(index=False):
            if pd.isna(r.valid_to) and not r.successors:
                continue
            for c, y in parse_successors(r.successors):
                yr = y if y is not None else (None if pd.isna(r.valid_to) else int(r.valid_to))
                if yr is None:
                    continue
                src = self.city_of(r.code, yr - 1)
                dst = self.city_of(c, yr)
                if src == dst or self._valid(src, yr) is None or self._valid(dst, yr - 1) is None:
                    continue
                if not (r.valid_from <= yr - 1):
                    continue
                moves.setdefault((yr, src, dst), []).append(r.name)
        for (yr, src, dst), names in sorted(moves.items()):
            rows.append({"year": yr, "code": src, "name": self.name_in(src, yr - 1), "kind": "transfer", "targets": dst,
                         "target_names": self.name_in(dst, yr), "counties": ";".join(sorted(set(names))),
                         "note": "county-level area moved between two continuing units (city totals not comparable)"})
        out = pd.DataFrame(rows, columns=_CHANGE_COLUMNS)
        return out.sort_values(["year", "code", "kind"]).reset_index(drop=True)

    def lineage(self, code: str, *, year: int, to_year: int) -> tuple[str, tuple[str, ...]]:
        """Where the unit ``code`` of ``year`` is on the boundaries of ``to_year``.

        Returns ``(kind, targets)``: ``same`` (unchanged), ``rename``, ``recode`` or ``merge``
        (one target), ``split`` (several), ``abolish`` (none), ``partial`` (going back in time, the
        unit holds parts of several earlier units or only part of one).

        Examples
        --------
        >>> reg = admin_registry()
        >>> reg.lineage("341400", year=2010, to_year=2019)
        ('split', ('340100', '340200', '340500'))
        >>> reg.lineage("520500", year=2015, to_year=2010)
        ('recode', ('522400',))
        """
        key = (str(code), int(year), int(to_year))
        memo = self._cache.setdefault("lineage", {})
        if key not in memo:
            memo[key] = self._lineage(*key)
        return memo[key]

    def _event_index(self) -> tuple[dict, dict]:
        idx = self._cache.get("events")
        if idx is None:
            by_code: dict[str, list] = {}
            by_target: dict[str, list] = {}
            ev = self.changes[self.changes["kind"] != "transfer"].sort_values("year")
            for r in ev.itertuples(index=False):
                tg = tuple(x for x in str(r.targets).split(";") if x)
                by_code.setdefault(r.code, []).append((int(r.year), r.kind, tg))
                for t in tg:
                    by_target.setdefault(t, []).append((int(r.year), r.kind, r.code))
            idx = (by_code, by_target)
            self._cache["events"] = idx
        return idx

    def _lineage(self, code: str, year: int, to_year: int) -> tuple[str, tuple[str, ...]]:
        by_code, by_target = self._event_index()
        rank = {"same": 0, "rename": 1, "recode": 2, "merge": 3, "split": 4, "abolish": 4, "partial": 4}
        kind = "same"
        if to_year >= year:
            current, after = {code}, {code: year}
            done: set[str] = set()
            while True:
                step = None
                for c in sorted(current - done):
                    nxt = [e for e in by_code.get(c, ()) if after[c] < e[0] <= to_year and e[1] != "rename"]
                    ren = [e for e in by_code.get(c, ()) if after[c] < e[0] <= to_year and e[1] == "rename"]
                    if ren and rank["rename"] > rank[kind]:
                        kind = "rename"
                    if nxt:
                        step = (c, nxt[0])
                        break
                    done.add(c)
                if step is None:
                    break
                c, (yr, k, tg) = step
                current.discard(c)
                for t in tg:
                    current.add(t)
                    after[t] = max(after.get(t, yr), yr)
                    done.discard(t)
                k = "split" if len(tg) > 1 else k
                kind = k if rank[k] > rank[kind] else kind
            if not current:
                return "abolish", ()
            return ("split" if len(current) > 1 else kind), tuple(sorted(current))
        current, before = {code}, {code: year}
        done = set()
        while True:
            step = None
            for c in sorted(current - done):
                prv = [e for e in by_target.get(c, ()) if to_year < e[0] <= before[c] and e[1] != "rename"]
                if any(to_year < e[0] <= before[c] and e[1] == "rename" for e in by_target.get(c, ())):
                    kind = "rename" if rank["rename"] > rank[kind] else kind
                if prv:
                    step = (c, prv[-1])
                    break
                done.add(c)
            if step is None:
                break
            c, (yr, k, src) = step
            if k == "recode":
                current.discard(c)
                kind = "recode" if rank["recode"] > rank[kind] else kind
            else:  # a merge or split seen backwards: the later unit holds parts of several earlier ones
                kind = "partial"
                before[c] = yr - 1
            current.add(src)
            before[src] = yr - 1
            done.discard(src)
        return kind, tuple(sorted(current))

    # ------------------------------------------------------------------ resolution
    def _try_resolve(self, key: Any, **kw: Any) -> str | None:
        """:meth:`resolve`, or None when the key does not resolve with these arguments."""
        try:
            return self.resolve(key, **kw)
        except DataError:
            return None

    def resolve(self, key: Any, *, year: int | None = None, level: CityLevel = "city", parent: Any = None) -> str:
        """The code of a unit given by code or name, as used in ``year``.

        Parameters
        ----------
        key : str or int
            A code or a name (full ``巢湖市`` or short ``巢湖``; historical names are known in the
            years they were used).
        year : int, optional
            The year of the observation; strongly recommended (names are reused over time).
        level : {'city', 'prefecture', 'county', 'province'}
            ``city`` = prefectures, municipalities and province-administered county-level units.
        parent : str, optional
            A province (or prefecture) code or name, to choose between units of the same name.

        Raises
        ------
        UnknownRegionError
            (a :class:`DataError`) Unknown or ambiguous key, or a unit of another level; ``reason``
            says which.

        Examples
        --------
        >>> reg = admin_registry()
        >>> reg.resolve("北京市", year=2015), reg.resolve("济源", year=2015), reg.resolve("朝阳", year=2015, parent="辽宁")
        ('110000', '419001', '211300')
        """
        check_option(level, CityLevel, param="level", caller="AdminRegistry.resolve")
        if isinstance(key, str):
            for typo, right in _VARIANTS.items():
                key = key.replace(typo, right)
        if year is None:  # prefer the unit in use now, then any period
            current = self._try_resolve(key, year=self.latest_year, level=level, parent=parent)
            if current is not None:
                return current
        if level in ("prefecture", "county", "province"):
            return self.registry.resolve(key, level=level, year=year, parent=parent)  # type: ignore[arg-type]
        try:
            return self.registry.resolve(key, level="prefecture", year=year, parent=parent)
        except DataError as first:
            for lv in ("province", "county"):
                try:
                    code = self.registry.resolve(key, level=lv, year=year,  # type: ignore[arg-type]
                                                 parent=None if lv == "province" else parent)
                except DataError:
                    continue
                if lv == "province" and parent is not None and self.registry.resolve(parent) != code:
                    continue
                if is_city_level(code, lv):
                    return code
            if isinstance(first, UnknownRegionError) and first.reason in ("ambiguous", "not_in_use"):
                raise
            raise UnknownRegionError(
                f"AdminRegistry.resolve({key!r}): no city-level unit (prefecture, municipality or province-administered "
                f"county-level unit){f' in {year}' if year is not None else ''}; got {key!r}. Check the name and year, "
                "pass parent= (the province), or level='county' for a county.",
                key=key, reason="no_match",
            ) from None

    def map_units(self, frame: pd.DataFrame, *, unit: str = "unit", year: str = "year", parent: str | None = None,
                  level: CityLevel = "city") -> UnitMapping:
        """Map the unit keys of a panel (codes or names) to the codes in use each year.

        Parameters
        ----------
        frame : DataFrame
            Any table with a unit key column and a year column (long or wide).
        unit, year : str
            Column names of the key and the year.
        parent : str, optional
            Column with the province (code or name) of each row, to tell apart units of the same name.
        level : {'city', 'prefecture', 'county', 'province'}

        Returns
        -------
        UnitMapping
            ``codes`` aligned with ``frame``; ``mapping`` (how each key-year resolved) and
            ``changes`` (every merge, split, recode, rename or transfer touching the units).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"city": ["巢湖", "莱芜", "襄樊", "襄阳", "济南"], "year": [2010, 2015, 2009, 2011, 2019]})
        >>> m = admin_registry().map_units(df, unit="city")
        >>> m.codes.tolist()
        ['341400', '371200', '420600', '420600', '370100']
        >>> sorted(m.changes["kind"].unique().tolist())
        ['merge', 'rename', 'split']
        """
        check_option(level, CityLevel, param="level", caller="map_units")
        missing = [c for c in (unit, year, parent) if c is not None and c not in frame.columns]
        if missing:
            raise DataError(f"map_units: columns {missing} not found; got {list(frame.columns)}. "
                            "Name the key, year and parent columns with unit=, year=, parent=.")
        keys = frame[unit].astype(object)
        years = pd.to_numeric(frame[year], errors="raise").astype(int)
        parents = frame[parent].astype(object) if parent is not None else pd.Series([None] * len(frame), index=frame.index)
        cache: dict[tuple, tuple[str | None, str]] = {}
        rows = []
        out = []
        for k, y, p in zip(keys.to_numpy(), years.to_numpy(), parents.to_numpy()):
            ck = (k, int(y), p)
            if ck not in cache:
                cache[ck] = self._map_one(k, int(y), p, level)
                code, how = cache[ck]
                rows.append({"key": k, "parent_key": p, "year": int(y), "code": code,
                             "name": self.name_in(code, int(y)) if code else None, "how": how})
            out.append(cache[ck][0])
        mapping = pd.DataFrame(rows, columns=["key", "parent_key", "year", "code", "name", "how"])
        if parent is None:
            mapping = mapping.drop(columns="parent_key")
        codes = pd.Series(out, index=frame.index, dtype=object, name="unit")
        mapped = mapping.dropna(subset=["code"])
        changes = self.changes_for(mapped["code"].unique().tolist(), years=(int(years.min()), int(years.max()))) \
            if len(mapped) else self.changes.iloc[0:0]
        return UnitMapping(mapping=mapping, changes=changes, codes=codes)

    def _map_one(self, key: Any, year: int, parent: Any, level: str) -> tuple[str | None, str]:
        p = None if parent is None or (isinstance(parent, float) and np.isnan(parent)) else parent
        if isinstance(key, str):
            key = _VARIANTS.get(key, key)
        is_code = bool(re.fullmatch(r"\d{6}", str(key).strip()))
        try:
            code = self.resolve(key, year=year, level=level, parent=p)  # type: ignore[arg-type]
            return code, "code" if is_code else "name"
        except UnknownRegionError as exc:
            if exc.reason == "not_in_use" and exc.code is not None:  # a unit that exists, but not in this year
                return exc.code, "out_of_period" if is_code else "historical_name"
        except DataError:
            pass
        try:
            code = self.resolve(key, level=level, parent=p)  # type: ignore[arg-type]
        except DataError:
            code = None
        if code is None and p is not None:  # a wrong parent in the source (e.g. a city filed under another province)
            try:
                code = self.resolve(key, year=year, level=level)  # type: ignore[arg-type]
                return code, "parent_mismatch"
            except DataError:
                return None, "unresolved"
        if code is None:
            try:  # Hong Kong, Macao (and Taiwan): kept under their province-level code, flagged
                return self.registry.resolve(key, level="province", allow_sar=True), "non_mainland"
            except DataError:
                return None, "unresolved"
        return code, "historical_name" if self._valid(code, year) is not None else "out_of_period"

    def changes_for(self, codes: Iterable[str], *, years: tuple[int, int] | None = None) -> pd.DataFrame:
        """The changes touching ``codes`` (as source or target) in ``years`` (first year exclusive).

        >>> admin_registry().changes_for(["370100"], years=(2011, 2019))[["year", "name", "kind"]].values.tolist()
        [[2018, '莱芜市', 'merge']]
        """
        cs = set(map(str, codes))
        ch = self.changes
        hit = ch["code"].isin(cs) | ch["targets"].apply(lambda t: bool(cs & set(str(t).split(";"))))
        if years is not None:
            hit &= (ch["year"] > years[0]) & (ch["year"] <= years[1])
        return ch[hit.to_numpy(dtype=bool)].reset_index(drop=True)

    # ------------------------------------------------------------------ harmonisation
    def harmonise(self, panel: pd.DataFrame, *, to_year: int, additive: Iterable[str] = (),
                  weighted: Mapping[str, str] | None = None, on_split: OnSplit = "raise",
                  apply: Iterable[Apply] = ("rename", "recode", "merge")) -> HarmonisedPanel:
        """Re-express a city panel on the boundaries of ``to_year``.

        Parameters
        ----------
        panel : DataFrame
            Long panel ``unit, year, indicator, value`` with ``unit`` the code in use in ``year``
            (map names first with :meth:`map_units`).
        to_year : int
            The boundary year (e.g. 2019).
        additive : iterable of str
            Indicators that add up over units (GDP, population, retail sales, emissions …): a merged
            unit is the exact sum of its members; if a member is missing that year the cell is set
            to missing and reported (``incomplete``), never summed partially.
        weighted : mapping, optional
            ``{indicator: weight_indicator}`` for ratios and shares: a merged unit takes the mean of
            its members weighted by the weight series (e.g. ``{"tertiary_share_gdp": "gdp"}``).
            Indicators neither additive nor weighted become missing for merged units
            (``not_additive``), never averaged silently.
        on_split : {'raise', 'drop', 'keep'}
            A unit split between several ``to_year`` units cannot be harmonised from its own
            totals: ``raise`` (default) refuses, ``drop`` removes its rows (reported), ``keep``
            keeps them under the old code (reported).
        apply : iterable of {'rename', 'recode', 'merge'}
            The one-to-one and many-to-one changes to apply. ``("rename", "recode")`` only moves
            renamed and recoded units to their ``to_year`` codes (儋州 469003 → 460400, 毕节地区 →
            毕节市) and keeps merged units under their own codes (reported as ``kept_merge``) —
            useful when a source lacks the absorbed unit (莱芜) in the years before the merge.

        Returns
        -------
        HarmonisedPanel

        Notes
        -----
        A merged unit's value is :math:`x_{Q,t} = \\sum_{i \\in M(Q,t)} x_{i,t}` for additive
        series and :math:`\\sum_i w_{i,t} x_{i,t} / \\sum_i w_{i,t}` for weighted ones, where
        :math:`M(Q,t)` are the city-level units in use in year t whose lineage ends in Q. County
        transfers between continuing cities (铜陵 gaining 枞阳 in 2016) cannot be corrected with
        city data; they are listed in ``changes`` with kind ``transfer``.

        Examples
        --------
        >>> import pandas as pd
        >>> p = pd.DataFrame({"unit": ["370100", "371200", "370100"], "year": [2015, 2015, 2019],
        ...                   "indicator": "gdp", "value": [6100.2, 702.8, 9443.0]})
        >>> h = admin_registry().harmonise(p, to_year=2019, additive=["gdp"])
        >>> h.panel[["unit", "year", "value"]].values.tolist()
        [['370100', 2015, 6803.0], ['370100', 2019, 9443.0]]
        """
        check_option(on_split, OnSplit, param="on_split", caller="harmonise")
        need = {"unit", "year", "indicator", "value"}
        if not need <= set(panel.columns):
            raise DataError(f"harmonise: the panel must have columns {sorted(need)}; got {list(panel.columns)}. "
                            "Pass a long panel (map names to codes first with map_units).")
        dup = sorted({c for c in panel.columns if list(panel.columns).count(c) > 1})
        if dup:
            raise DataError(f"harmonise: duplicate column names; got {dup}. Rename or drop the extra columns "
                            "(e.g. a measurement-unit column also called 'unit').")
        weighted = dict(weighted or {})
        additive = set(additive)
        both = sorted(additive & set(weighted))
        if both:
            raise DataError(f"harmonise: indicators both additive and weighted; got {both}. List each in one of them.")
        d = panel[["unit", "year", "indicator", "value"]].copy()
        d["unit"] = d["unit"].astype(str)
        d["year"] = d["year"].astype(int)
        pairs = d[["unit", "year"]].drop_duplicates()
        lin = {(u, y): self.lineage(u, year=int(y), to_year=to_year) for u, y in pairs.itertuples(index=False)}
        maprows = [{"unit": u, "year": y, "target": ";".join(t), "kind": k} for (u, y), (k, t) in lin.items()]
        mapping = pd.DataFrame(maprows, columns=["unit", "year", "target", "kind"]).sort_values(["unit", "year"])
        report: list[dict[str, Any]] = []
        bad = mapping[mapping["kind"].isin(["split", "abolish", "partial"])]
        if len(bad) and on_split == "raise":
            ex = bad.drop_duplicates("unit").head(6)
            listing = ", ".join(f"{u} {self.name_in(u, y)} {y} ({k} → {t or 'none'})" for u, y, t, k in ex.itertuples(index=False))
            raise DataError(
                f"harmonise(to_year={to_year}): {bad['unit'].nunique()} units cannot be mapped one-to-one onto {to_year} "
                f"boundaries; got {listing}. Pass on_split='drop' to remove their rows or 'keep' to keep them under "
                "their old codes (both are reported), or harmonise to another year."
            )
        apply_set = set(apply)
        bad_apply = sorted(apply_set - {"rename", "recode", "merge"})
        if bad_apply:
            raise DataError(f"harmonise: apply must name changes among 'rename', 'recode', 'merge'; got {bad_apply}. "
                            "Splits are governed by on_split.")
        target_of = {(u, y): (t[0] if len(t) == 1 and k not in ("split", "abolish", "partial") else None)
                     for (u, y), (k, t) in lin.items()}
        for (u, y), (k, t) in lin.items():
            if k in ("rename", "recode", "merge") and k not in apply_set:
                target_of[(u, y)] = u
                report.append({"target": u, "year": y, "indicator": "*", "members": u, "status": f"kept_{k}",
                               "note": f"{self.name_in(u, y)} {k} → {';'.join(t)} not applied (apply={sorted(apply_set)})"})
        for u, y, t, k in bad.itertuples(index=False):
            report.append({"target": u, "year": y, "indicator": "*", "members": u,
                           "status": "dropped" if on_split == "drop" else "kept_unharmonised",
                           "note": f"{self.name_in(u, y)} {k} → {t or 'no successor'}"})
            if on_split == "keep":
                target_of[(u, y)] = u
        d["target"] = [target_of[(u, y)] for u, y in zip(d["unit"], d["year"])]
        d = d[d["target"].notna()]
        # expected members of each target per year: city-level units in use that year mapping to it
        years = sorted(d["year"].unique())
        expected: dict[tuple[str, int], list[str]] = {}
        merged_targets = set(d.groupby(["target", "year"])["unit"].nunique().loc[lambda s: s > 1].index.get_level_values(0))
        for y in years:
            units = self._units_cached(int(y))
            for u in units:
                k, t = self.lineage(u, year=int(y), to_year=to_year)
                if len(t) == 1 and k not in ("split", "abolish", "partial"):
                    tgt = t[0] if k == "same" or k in apply_set else u
                    expected.setdefault((tgt, int(y)), []).append(u)
        multi = {key for key, mem in expected.items() if len(mem) > 1}
        merged_targets |= {t for t, _ in multi}
        out_rows = []
        simple = d[~d["target"].isin(merged_targets)]
        out_rows.append(simple.assign(unit=simple["target"])[["unit", "year", "indicator", "value"]])
        comp = d[d["target"].isin(merged_targets)]
        wide_w = {}
        for ind, wname in weighted.items():
            ws = d[d["indicator"] == wname]
            wide_w[ind] = ws.set_index(["unit", "year"])["value"]
        agg = []
        for (tgt, y, ind), g in comp.groupby(["target", "year", "indicator"], sort=True):
            members = sorted(expected.get((tgt, int(y)), g["unit"].unique().tolist()))
            got = g.dropna(subset=["value"]).drop_duplicates("unit")
            have = set(got["unit"])
            base = {"target": tgt, "year": int(y), "indicator": ind, "members": ";".join(members)}
            if len(members) <= 1:
                agg.append((tgt, int(y), ind, float(got["value"].iloc[0]) if len(got) else np.nan))
                continue
            if not set(members) <= have:
                miss = sorted(set(members) - have)
                report.append({**base, "status": "incomplete",
                               "note": f"missing for {', '.join(self.name_in(m, int(y)) for m in miss)}; set to missing"})
                agg.append((tgt, int(y), ind, np.nan))
                continue
            vals = got.set_index("unit").loc[members, "value"].to_numpy(dtype=float)
            if ind in additive:
                agg.append((tgt, int(y), ind, float(_sum_members(vals))))
                report.append({**base, "status": "summed", "note": ""})
            elif ind in weighted:
                w = wide_w[ind].reindex([(m, int(y)) for m in members]).to_numpy(dtype=float)
                if np.isnan(w).any():
                    report.append({**base, "status": "incomplete", "note": f"weight series {weighted[ind]!r} missing"})
                    agg.append((tgt, int(y), ind, np.nan))
                else:
                    agg.append((tgt, int(y), ind, float(_weighted_mean(vals, w))))
                    report.append({**base, "status": "weighted", "note": f"weights: {weighted[ind]}"})
            else:
                report.append({**base, "status": "not_additive",
                               "note": "neither additive nor weighted: set to missing (list it in additive= or weighted=)"})
                agg.append((tgt, int(y), ind, np.nan))
        out_rows.append(pd.DataFrame(agg, columns=["unit", "year", "indicator", "value"]))
        res = pd.concat(out_rows, ignore_index=True)
        res = res.groupby(["unit", "year", "indicator"], as_index=False, sort=True)["value"].first()
        res.insert(1, "unit_name", [self.name_in(u, to_year) if u in self._periods else u for u in res["unit"]])
        rep = pd.DataFrame(report, columns=["target", "year", "indicator", "members", "status", "note"])
        changes = self.changes_for(sorted(set(d["unit"]) | set(res["unit"])),
                                   years=(min(int(d["year"].min()), to_year) if len(d) else to_year,
                                          max(int(d["year"].max()), to_year) if len(d) else to_year))
        return HarmonisedPanel(panel=res, mapping=mapping.reset_index(drop=True), report=rep, changes=changes,
                               to_year=int(to_year))

    # ------------------------------------------------------------------ groups
    def groups(self, codes: Iterable[Any], *, year: int | None = None, tiers: Mapping[Any, str] | None = None,
               agglomerations: Mapping[str, Iterable[Any]] | None = None) -> pd.DataFrame:
        """Group columns of city or county codes: province, the four regions, three belts, user groups.

        Parameters
        ----------
        codes : iterable
            Six-digit codes.
        year : int, optional
            Year for the unit names (default: the name in use now).
        tiers : mapping, optional
            ``{city: tier}`` (codes or names, e.g. ``{"上海": "一线"}``); cities not listed get ``None``.
        agglomerations : mapping, optional
            ``{agglomeration: [cities]}`` (e.g. ``{"长三角": ["上海", "南京", ...]}``); a city in none
            gets ``None``, a city in two raises.

        Returns
        -------
        DataFrame
            ``unit, unit_name, province, province_name, region4, belt3`` (+ ``tier``, ``agglomeration``).

        Examples
        --------
        >>> g = admin_registry().groups(["320500", "510100"], tiers={"苏州": "新一线"})
        >>> g[["unit_name", "province_name", "region4", "tier"]].values.tolist()
        [['苏州市', '江苏', 'east', '新一线'], ['成都市', '四川', 'west', None]]
        """
        cs = [str(c) for c in codes]
        prov = [self.registry.province_of(c) for c in cs]
        out = pd.DataFrame({
            "unit": cs,
            "unit_name": [self.name_in(c, year) for c in cs],
            "province": prov,
            "province_name": [self.registry.name(p) for p in prov],
        })
        out["region4"] = self.registry.groups(out["unit"], by="region4").to_numpy()
        out["belt3"] = self.registry.groups(out["unit"], by="belt3").to_numpy()
        if tiers is not None:
            tmap = {self._user_key(k, "tiers"): v for k, v in tiers.items()}
            out["tier"] = pd.Series([tmap.get(c) for c in cs], index=out.index, dtype=object)
        if agglomerations is not None:
            amap: dict[str, str] = {}
            for name, members in agglomerations.items():
                for m in members:
                    c = self._user_key(m, "agglomerations")
                    if c in amap and amap[c] != name:
                        raise DataError(f"groups(agglomerations=...): {m!r} is in two agglomerations; got {amap[c]!r} and "
                                        f"{name!r}. Put every city in at most one agglomeration.")
                    amap[c] = name
            out["agglomeration"] = pd.Series([amap.get(c) for c in cs], index=out.index, dtype=object)
        return out

    def _user_key(self, key: Any, what: str) -> str:
        try:
            return self.resolve(key, year=None)
        except DataError as exc:
            raise DataError(f"groups({what}=...): {exc}") from None


def _sum_members(values: np.ndarray) -> float:
    """Exact sum of the members' additive series, :math:`\\sum_i x_i` (all members present)."""
    return float(np.sum(values))


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean :math:`\\sum_i w_i x_i / \\sum_i w_i` of a ratio series over merged members."""
    return float(np.sum(weights * values) / np.sum(weights))


@lru_cache(maxsize=1)
def admin_registry() -> AdminRegistry:
    """The registry built from the bundled code list (cached; treat as read-only).

    >>> len(admin_registry().codes)
    6823
    """
    return AdminRegistry.from_codes()
