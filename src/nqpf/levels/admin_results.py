"""The results of the city and county registry: :class:`UnitMapping` (a panel mapped to the codes in use each
year) and :class:`HarmonisedPanel` (a city panel re-expressed on the boundaries of one year).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .._results import Result, Summary


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
