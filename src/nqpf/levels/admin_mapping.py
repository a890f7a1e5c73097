"""Resolving codes and historical names and mapping a panel to the codes in use each year: the methods
:meth:`~nqpf.levels.admin.AdminRegistry.resolve`, :meth:`~nqpf.levels.admin.AdminRegistry.map_units` and
:meth:`~nqpf.levels.admin.AdminRegistry.changes_for` (a base class of :class:`~nqpf.levels.admin.AdminRegistry`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError, UnknownRegionError
from .._validation import check_option
from .admin_codes import CityLevel, _VARIANTS, is_city_level
from .admin_results import UnitMapping


class _UnitMapper:
    """Code and name resolution and panel mapping of :class:`~nqpf.levels.admin.AdminRegistry`."""

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
        >>> from nqpf.levels.admin import admin_registry
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
        >>> from nqpf.levels.admin import admin_registry
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

        >>> from nqpf.levels.admin import admin_registry
        >>> admin_registry().changes_for(["370100"], years=(2011, 2019))[["year", "name", "kind"]].values.tolist()
        [[2018, '莱芜市', 'merge']]
        """
        cs = set(map(str, codes))
        ch = self.changes
        hit = ch["code"].isin(cs) | ch["targets"].apply(lambda t: bool(cs & set(str(t).split(";"))))
        if years is not None:
            hit &= (ch["year"] > years[0]) & (ch["year"] <= years[1])
        return ch[hit.to_numpy(dtype=bool)].reset_index(drop=True)
