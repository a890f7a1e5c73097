"""Re-expressing a city panel on the boundaries of one year: :meth:`~nqpf.levels.admin.AdminRegistry.harmonise`
(a base class of :class:`~nqpf.levels.admin.AdminRegistry`) and the two aggregation rules of merged units.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError
from .._validation import check_option
from .admin_codes import Apply, OnSplit
from .admin_results import HarmonisedPanel


def _sum_members(values: np.ndarray) -> float:
    """Exact sum of the members' additive series, :math:`\\sum_i x_i` (all members present)."""
    return float(np.sum(values))


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean :math:`\\sum_i w_i x_i / \\sum_i w_i` of a ratio series over merged members."""
    return float(np.sum(weights * values) / np.sum(weights))


class _Harmoniser:
    """Boundary harmonisation of :class:`~nqpf.levels.admin.AdminRegistry`."""

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
        >>> from nqpf.levels.admin import admin_registry
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
