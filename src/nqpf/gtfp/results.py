"""Results objects of the GTFP engine (frozen dataclasses deriving from :class:`nqpf._results.Result`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._results import Result, Summary, json_safe

__all__ = ["EfficiencyResult", "ProductivityResult"]


def _examples(keys: pd.DataFrame) -> str:
    """The first five rows of a two-column key table as ``"a 2019, b 2020 …"`` (``…`` when there are more)."""
    ex = ", ".join(f"{a} {b}" for a, b in keys.head(5).itertuples(index=False))
    return f"{ex}{' …' if len(keys) > 5 else ''}"


def _result_dict(result: Any, name_field: str) -> dict[str, Any]:
    """JSON-safe ``to_dict`` of a GTFP result: kind, its name field, params and every table."""
    return {"kind": result.kind, name_field: getattr(result, name_field), "params": json_safe(result.params),
            "tables": {k: json_safe(v) for k, v in result.tables().items()}}


def _status_notes(scores: pd.DataFrame, excluded: pd.DataFrame, zeros: pd.DataFrame) -> list[str]:
    notes = []
    if "status" in scores:
        bad = scores[scores["status"] != "optimal"]
        for st, grp in bad.groupby("status"):
            notes.append(f"{len(grp)} LPs are {st} (no score): {_examples(grp[['unit', 'year']])}.")
    if len(excluded):
        notes.append(f"{len(excluded)} unit-years left out (missing values); see the 'excluded' table.")
    if len(zeros):
        vs = ", ".join(sorted(set(zeros["variable"])))
        notes.append(
            f"{len(zeros)} zero values ({vs}); SBM terms with a zero own value are deleted (Tone 2001), see 'zeros'."
        )
    return notes


@dataclass(frozen=True)
class EfficiencyResult(Result):
    """Efficiency scores of a DEA model (radial, SBM, super-SBM, directional distance).

    Attributes
    ----------
    model : str
        ``"ccr"``, ``"bcc"``, ``"sbm"``, ``"super_sbm"`` or ``"ddf"`` (+ returns to scale in ``params``).
    scores : DataFrame
        ``unit, year, frontier, efficiency, status`` plus model columns (``theta``/``eta`` for
        radial models, ``sbm``/``super_sbm`` for SBM, ``beta`` for DDF). ``efficiency`` is in
        (0, 1] (≥ 1 for super-efficient units); ``status`` is ``optimal``, ``infeasible``,
        ``unbounded`` or ``numerical``; a non-optimal LP has NaN scores.
    slacks : DataFrame
        ``unit, year, slack_<var>..., target_<var>...`` in the data's units.
    peers : DataFrame
        ``unit, year, peer_unit, peer_year, lambda`` (non-zero intensity weights).
    excluded : DataFrame
        ``unit, year, reason`` — unit-years left out of the analysis.
    zeros : DataFrame
        ``unit, year, variable`` — zero values kept in the data.
    params : dict
        Every option of the call.
    """

    kind: ClassVar[str] = "efficiency"

    model: str
    scores: pd.DataFrame
    slacks: pd.DataFrame
    peers: pd.DataFrame
    excluded: pd.DataFrame
    zeros: pd.DataFrame
    params: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "scores": self.scores,
            "slacks": self.slacks,
            "peers": self.peers,
            "excluded": self.excluded,
            "zeros": self.zeros,
        }

    @property
    def efficiency(self) -> pd.Series:
        """Efficiency indexed by (unit, year)."""
        return self.scores.set_index(["unit", "year"])["efficiency"]

    def summary(self) -> Summary:
        eff = self.scores["efficiency"]
        by_year = self.scores.groupby("year")["efficiency"].agg(["mean", "min", "max", "count"])
        rows = [
            ("model", self.model),
            ("returns to scale", self.params.get("rts", "")),
            ("frontier", self.params.get("frontier", "")),
            ("unit-years", len(self.scores)),
            ("mean efficiency", float(eff.mean())),
            ("share efficient (≥ 1 − 1e-9)", float((eff >= 1 - 1e-9).mean()) if eff.notna().any() else float("nan")),
        ]
        return Summary(
            title=f"DEA efficiency ({self.model})", rows=rows, tables={"by year": by_year},
            notes=_status_notes(self.scores, self.excluded, self.zeros),
        )

    def to_dict(self) -> dict[str, Any]:
        return _result_dict(self, "model")


@dataclass(frozen=True)
class ProductivityResult(Result):
    """Malmquist or Malmquist–Luenberger productivity index with its decomposition.

    Attributes
    ----------
    index_name : str
        ``"malmquist"`` or ``"malmquist_luenberger"``.
    index : DataFrame
        ``unit, period, year_from, year_to, index, EC, TC`` (+ ``PEC, SEC`` for the VRS
        decomposition of the radial Malmquist index) and ``status`` (``ok`` or the reason the
        index is missing, e.g. an infeasible cross-period LP).
    distances : DataFrame
        ``unit, year, frontier, score, status`` — every efficiency-equivalent score used
        (``frontier`` = ``"own"``, ``"t-1"``, ``"t+1"``, ``"global"``, ``"biennial"`` …; for
        directional distances ``score`` = 1/(1 + β) and ``beta`` is given too).
    cumulative : DataFrame
        ``unit, year, value`` — cumulative index (GTFP), base year = 1, chained from ``index``.
    excluded, zeros : DataFrame
        As in :class:`EfficiencyResult`.
    params : dict
        Every option of the call.
    """

    kind: ClassVar[str] = "productivity"

    index_name: str
    index: pd.DataFrame
    distances: pd.DataFrame
    cumulative: pd.DataFrame
    excluded: pd.DataFrame
    zeros: pd.DataFrame
    params: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "index": self.index,
            "cumulative": self.cumulative,
            "distances": self.distances,
            "excluded": self.excluded,
            "zeros": self.zeros,
        }

    def summary(self) -> Summary:
        cols = [c for c in ("index", "EC", "TC", "PEC", "SEC") if c in self.index]
        by_period = self.index.groupby("period")[cols].agg(lambda s: float(np.exp(np.log(s.dropna()).mean())) if s.notna().any() else np.nan)
        rows = [
            ("index", self.index_name),
            ("model", self.params.get("model", "")),
            ("frontier", self.params.get("frontier", "")),
            ("returns to scale", self.params.get("rts", "")),
            ("unit-periods", len(self.index)),
            ("missing indices", int(self.index["index"].isna().sum())),
        ]
        notes = []
        miss = self.index[self.index["status"] != "ok"]
        if len(miss):
            notes.append(f"{len(miss)} indices are missing (infeasible or absent LPs): {_examples(miss[['unit', 'period']])}.")
        notes += _status_notes(pd.DataFrame(), self.excluded, self.zeros)
        notes.append("Period means in the table are geometric means over units.")
        return Summary(title=f"{self.index_name} index", rows=rows, tables={"by period": by_period}, notes=notes)

    def to_dict(self) -> dict[str, Any]:
        return _result_dict(self, "index_name")
