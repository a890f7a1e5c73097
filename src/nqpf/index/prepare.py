"""Prepared inputs of a build: declared indicators activated, raw series screened, indicators derived.

One routine used by :func:`nqpf.build`, the sensitivity runs and ``nqpf validate``, so that every path
through the package screens and derives the same way.

Order of the steps (each recorded):

1. **activate** — a declared indicator (``data = "missing"`` in the framework) becomes a computed one when
   the data supply every raw series of its derivation (:func:`nqpf.framework.model.activate_declared`);
2. **quality** — the data-quality screen (:func:`nqpf.index.quality.screen`) on the raw series behind the
   framework's indicators, for the configured units and the configured years plus the year before the
   first (growth rates see it); cells it sets missing are change records ``step = "quality"``;
3. **decision** — on the bundled data, the published cells of known source defects are set missing
   (:func:`nqpf.datasets.run_decisions`; change records ``step = "decision"``, each with its reason);
4. **derive** — indicators from the screened raw series (:func:`nqpf.index.build.derive_filtered`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from ..framework.model import Framework, activate_declared
from .config import RunConfig
from .quality import CHANGE_COLUMNS, QualityResult, derivations_from_framework, screen

__all__ = ["PreparedInputs", "prepare_inputs", "series_used"]


@dataclass
class PreparedInputs:
    """What :func:`prepare_inputs` returns.

    Attributes
    ----------
    raw : DataFrame ``unit, year, indicator, value`` after the quality screen (the configured units).
    framework : the framework with declared indicators activated where the data allow.
    wide : derived indicators, index (unit, year), one column per indicator (configured years only).
    derive_log : change records of cells the derivation left undefined.
    quality : the screen's result (``None`` when ``[quality] preset = "off"``).
    activated : ids of declared indicators activated by the data.
    decisions : change records (step ``decision``) of the bundled data's run decisions
        (:func:`nqpf.datasets.run_decisions`): published cells of known source defects set missing.
    """

    raw: pd.DataFrame
    framework: Framework
    wide: pd.DataFrame
    derive_log: pd.DataFrame
    quality: QualityResult | None = None
    activated: list[str] = field(default_factory=list)
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)


def series_used(framework: Framework) -> list[str]:
    """Raw series named by the framework's derivations (in first-use order)."""
    seen: dict[str, None] = {}
    for args in derivations_from_framework(framework).values():
        for a in args:
            seen.setdefault(a, None)
    return list(seen)


def prepare_inputs(raw: pd.DataFrame, framework: Framework, cfg: RunConfig) -> PreparedInputs:
    """Activate declared indicators, screen the raw series, apply recorded decisions, derive (module doc)."""
    from .build import _filter, derive_filtered

    available = raw.loc[raw["value"].notna(), "indicator"].unique()
    fw = activate_declared(framework, available) if getattr(framework, "declared", None) else framework
    declared_before = set(framework.indicators)
    activated = [i for i in fw.indicators if i not in declared_before]
    derivations = derivations_from_framework(fw)
    used = set(series_used(fw))
    qres = None
    removed: list[pd.DataFrame] = []
    if cfg.quality.preset != "off":
        # every raw series of the configured units and years (and the year before: growth rates see it) is
        # screened, so the findings describe the whole input; cells are set missing only in series the
        # framework uses
        part = _filter(raw, cfg, years=False)
        if cfg.data.years is not None:
            lo, hi = cfg.data.years
            part = part[(part["year"] >= lo - 1) & (part["year"] <= hi)]
        # the configured actions (set missing, refuse) apply to the series the framework uses (and, through
        # ratio findings, to the indicators derived from them); the other series are screened flag-only
        in_use = part["indicator"].isin(used)
        qres = screen(part[in_use], cfg.quality, derivations=derivations, series_col="indicator")
        flag_only = cfg.quality.model_copy(update={"actions": {"high": "flag", "medium": "flag", "low": "flag"}})
        idle = screen(part[~in_use], flag_only, series_col="indicator")
        findings = pd.concat([qres.findings.assign(used=True), idle.findings.assign(used=False)], ignore_index=True)
        qres = dataclasses.replace(qres, findings=findings)
        if len(qres.changes):
            removed.append(qres.changes)
    decided = _run_decisions(raw, used, already=removed) if cfg.data.bundled == "province" else pd.DataFrame(columns=CHANGE_COLUMNS)
    if len(decided):
        removed.append(decided)
    if removed:
        key = ["unit", "year", "indicator"]
        gone = pd.concat([r[key] for r in removed], ignore_index=True).drop_duplicates().assign(_gone=True)
        raw = raw.merge(gone, on=key, how="left")
        raw.loc[raw["_gone"].eq(True), "value"] = float("nan")
        raw = raw.drop(columns="_gone")
    wide, log = derive_filtered(raw, fw, cfg)
    return PreparedInputs(raw=raw, framework=fw, wide=wide, derive_log=log, quality=qres, activated=activated,
                          decisions=decided)


def _run_decisions(raw: pd.DataFrame, used: set[str], *, already: list[pd.DataFrame]) -> pd.DataFrame:
    """Change records (step ``decision``) for the bundle's run decisions on cells present, non-missing, in a
    series the framework uses and not already set missing by the quality screen."""
    from ..datasets import run_decisions

    d = run_decisions().rename(columns={"series": "indicator"})
    d = d[d["indicator"].isin(used)]
    if d.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    cells = raw[raw["value"].notna()].merge(d, on=["unit", "year", "indicator"], how="inner")
    if already:
        prev = pd.concat([a[["unit", "year", "indicator"]] for a in already], ignore_index=True).assign(_q=True)
        cells = cells.merge(prev, on=["unit", "year", "indicator"], how="left")
        cells = cells[~cells["_q"].eq(True)]
    return pd.DataFrame({"step": "decision", "unit": cells["unit"].to_numpy(), "year": cells["year"].to_numpy(),
                         "indicator": cells["indicator"].to_numpy(), "old": cells["value"].to_numpy(dtype=float),
                         "new": float("nan"), "reason": cells["reason"].to_numpy()}, columns=CHANGE_COLUMNS)
