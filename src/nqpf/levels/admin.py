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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError
from .._validation import check_option
from ..data.regions import Region, Registry
from .admin_codes import (
    AdminLevel,
    Apply,
    ChangeKind,
    CityLevel,
    MUNICIPALITIES,
    OnSplit,
    is_city_level,
    load_admin_codes,
    parse_successors,
    _CHANGE_COLUMNS,
    _VARIANTS,
)
from .admin_harmonise import _Harmoniser
from .admin_mapping import _UnitMapper
from .admin_results import HarmonisedPanel, UnitMapping

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


# ----------------------------------------------------------------------------------- results


# ----------------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class AdminRegistry(_UnitMapper, _Harmoniser):
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


    # ------------------------------------------------------------------ harmonisation

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


@lru_cache(maxsize=1)
def admin_registry() -> AdminRegistry:
    """The registry built from the bundled code list (cached; treat as read-only).

    >>> len(admin_registry().codes)
    6823
    """
    return AdminRegistry.from_codes()
