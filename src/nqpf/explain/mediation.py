"""Mechanism (mediation) analysis: the stepwise three-equation approach and a bootstrap test.

Equations (Baron & Kenny 1986; 温忠麟、张雷、侯杰泰、刘红云 2004, 心理学报 36(5)), each a
fixed-effects panel regression with the same controls, fixed effects and clustering:

    (1)  Y = c  X           + controls + FE     total effect c
    (2)  M = a  X           + controls + FE     effect of X on the mediator
    (3)  Y = c' X + b M     + controls + FE     direct effect c', mediator effect b

Indirect effect ``a·b`` (= c − c' exactly in OLS with the same sample), share mediated
``a·b / c``. Tests of ``a·b``: Sobel (1982) ``z = a b / √(b² s_a² + a² s_b²)`` and a
cluster (unit) bootstrap: units resampled with replacement, duplicated units kept as
distinct units, percentile confidence interval (Preacher & Hayes 2008).

Assumptions (stated in every result): X is as good as random given controls and fixed
effects; no unmeasured confounder of M → Y (sequential ignorability, Imai, Keele &
Tingley 2010), which the stepwise approach cannot test; no X × M interaction;
linear effects. 江艇 (2022, 中国工业经济 (5)) recommends reporting equation (2) with
a theory-based argument for M → Y rather than relying on equation (3).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .._errors import DataError
from .._results import Result, Summary
from .._validation import Interval, check_option, validate_params
from .fe import PanelRegression, _fit_frame
from .spec import ClusterBy, FixedEffects, ModelSpec, SmallSample, design_matrix, regression_frame

__all__ = ["MediationResult", "mediation", "sobel_test", "ASSUMPTIONS"]

ASSUMPTIONS = (
    "X is as good as randomly assigned given the controls and fixed effects (no omitted confounder of X → Y and X → M).",
    "No unmeasured confounder of M → Y (sequential ignorability, Imai, Keele & Tingley 2010); the stepwise approach cannot test this.",
    "No X × M interaction and linear effects; the indirect effect a·b is then identified.",
    "江艇 (2022) advises arguing M → Y from theory and reporting equation (2) rather than reading equation (3) causally.",
)


def sobel_test(a: float, se_a: float, b: float, se_b: float) -> tuple[float, float]:
    """Sobel (1982) test of the indirect effect: ``z = a b / √(b² s_a² + a² s_b²)``; two-sided p.

    Examples
    --------
    >>> z, p = sobel_test(0.5, 0.1, 0.4, 0.1)
    >>> round(z, 4)
    3.1235
    """
    from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
    se = float(np.sqrt(b * b * se_a * se_a + a * a * se_b * se_b))
    z = a * b / se if se > 0 else float("nan")
    return float(z), float(2 * stats.norm.sf(abs(z)))


def _demean(values: np.ndarray, unit: np.ndarray, year: np.ndarray, fe: str) -> np.ndarray:
    from pyfixest.estimation import demean

    cols = {"twoway": [unit, year], "unit": [unit], "year": [year]}.get(fe, [])
    if not cols:
        return values - values.mean(axis=0)
    flist = np.column_stack(cols).astype(np.uint64)
    out, _ = demean(np.ascontiguousarray(values, dtype=float), flist, np.ones(len(values)), tol=1e-10)
    return out


def _ab(Z: np.ndarray) -> float:
    """a·b from within-transformed columns [Y, M, X, controls...]."""
    Yd, Md, rest = Z[:, 0], Z[:, 1], Z[:, 2:]
    a = np.linalg.lstsq(rest, Md, rcond=None)[0][0]
    b = np.linalg.lstsq(np.column_stack([rest[:, :1], Md, rest[:, 1:]]), Yd, rcond=None)[0][1]
    return float(a * b)


@dataclass(frozen=True, eq=False)
class MediationResult(Result):
    """Stepwise mediation analysis with a bootstrap test of the indirect effect.

    Attributes
    ----------
    total, first_stage, outcome : PanelRegression of equations (1), (2), (3).
    effects : DataFrame ``effect, estimate, std_error, p_value, ci_lower, ci_upper`` for
        ``total (c)``, ``a``, ``b``, ``direct (c')``, ``indirect (a·b)``.
    share_mediated : a·b / c.
    sobel_z, sobel_p : Sobel test. boot : bootstrap draws of a·b. reps, seed, level.
    assumptions : the identifying assumptions (also in the notes).
    """

    kind = "mediation"

    x: str
    mediator: str
    y: str
    total: PanelRegression
    first_stage: PanelRegression
    outcome: PanelRegression
    effects: pd.DataFrame
    share_mediated: float
    sobel_z: float
    sobel_p: float
    reps: int
    seed: int | None
    level: float
    boot: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    notes: tuple[str, ...] = ()

    @property
    def models(self) -> list[PanelRegression]:
        """The three equations, for :func:`~nqpf.explain.tables.regression_table`."""
        return [self.total, self.first_stage, self.outcome]

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"effects": self.effects}
        for key, m in (("eq1_total", self.total), ("eq2_mediator", self.first_stage), ("eq3_outcome", self.outcome)):
            out[key] = m.tables()["coefficients"]
        return out

    def summary(self) -> Summary:
        rows = [("x", self.x), ("mediator", self.mediator), ("y", self.y), ("share mediated", self.share_mediated),
                ("Sobel z", self.sobel_z), ("Sobel p", self.sobel_p), ("bootstrap reps", self.reps), ("seed", self.seed)]
        return Summary(title="Mediation analysis (stepwise + bootstrap)", rows=rows,
                       tables={"effects": self.effects.set_index("effect")}, notes=list(self.notes))


@validate_params({"reps": [Interval(numbers.Integral, 0, None)], "level": [Interval(numbers.Real, 0.5, 1.0, closed="neither")]})
def mediation(
    data: Any,
    *,
    y: str,
    x: str,
    mediator: str,
    controls: Sequence[str] = (),
    fe: FixedEffects = "twoway",
    cluster: ClusterBy = "unit",
    ssc: SmallSample = "stata",
    reps: int = 500,
    level: float = 0.95,
    seed: int | None = 0,
    years: tuple[int, int] | None = None,
    drop_units: Sequence[str] = (),
    extra: pd.DataFrame | None = None,
) -> MediationResult:
    """Mechanism test (中介效应检验): stepwise three equations and a cluster bootstrap of a·b.

    Parameters
    ----------
    y, x, mediator, controls
        Outcome (e.g. real GDP growth), treatment (e.g. ``"lag(NQPF)"``), mediator (e.g. an
        industrial-upgrading measure outside the index) and controls (terms). None of them may be
        built from another's indicators (NQPF on ``driver:数据`` is an identity); the explain stage
        refuses such equations (:func:`nqpf.explain.overlap.check_overlap`).
    fe, cluster, ssc
        As in :func:`~nqpf.explain.fe.fit_panel` (all three equations use them).
    reps
        Bootstrap replications (0: none); units are resampled with replacement.
    level
        Confidence level of the percentile interval.
    seed
        Seed of the bootstrap.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n, T = 30, 6
    >>> unit = np.repeat(np.arange(n), T); year = np.tile(np.arange(T), n)
    >>> xv = rng.normal(size=n * T); mv = 0.8 * xv + rng.normal(size=n * T)
    >>> yv = 0.5 * mv + 0.2 * xv + rng.normal(size=n * T)
    >>> d = pd.DataFrame({"unit": unit.astype(str), "year": year, "y": yv, "x": xv, "m": mv})
    >>> res = mediation(d, y="y", x="x", mediator="m", reps=200, seed=1)
    >>> bool(res.effects.set_index("effect").loc["indirect (a·b)", "ci_lower"] > 0)
    True
    """
    from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
    for v, lit, p in ((fe, FixedEffects, "fe"), (cluster, ClusterBy, "cluster"), (ssc, SmallSample, "ssc")):
        check_option(v, lit, param=p, caller="mediation")
    if mediator in (x, y) or x == y:
        raise DataError(
            "mediation: y, x and mediator must differ"
            f"; got y={y!r}, x={x!r}, mediator={mediator!r}. Name three different variables."
        )
    controls = [c for c in controls if c not in (x, mediator, y)]
    frame = regression_frame(data, extra=extra)
    # one common complete-case sample for the three equations
    design, n_drop = design_matrix(frame, y=y, terms=[mediator, x] + controls, years=years, drop_units=[str(u) for u in drop_units])
    if len(design) < len(controls) + 4:
        raise DataError(
            f"mediation: too few complete unit-years; got {len(design)}. "
            f"Check missing values in {[y, mediator, x] + controls}."
        )
    common = dict(fe=fe, cluster=cluster, ssc=ssc)
    eq1 = _fit_frame(design, ModelSpec(name="(1) " + y, y=y, x=[x], controls=controls, **common))
    eq2 = _fit_frame(design, ModelSpec(name="(2) " + mediator, y=mediator, x=[x], controls=controls, **common))
    eq3 = _fit_frame(design, ModelSpec(name="(3) " + y, y=y, x=[x, mediator], controls=controls, **common))
    c, se_c, p_c = eq1.params[x], eq1.std_errors[x], eq1.pvalues[x]
    a, se_a, p_a = eq2.params[x], eq2.std_errors[x], eq2.pvalues[x]
    b, se_b, p_b = eq3.params[mediator], eq3.std_errors[mediator], eq3.pvalues[mediator]
    cp, se_cp, p_cp = eq3.params[x], eq3.std_errors[x], eq3.pvalues[x]
    z, pz = sobel_test(a, se_a, b, se_b)
    ab = float(a * b)
    rng = np.random.default_rng(seed)
    units = pd.factorize(design["unit"], sort=True)[0]
    years_c = pd.factorize(design["year"], sort=True)[0]
    cols = design[[y, mediator, x] + controls].to_numpy(float)
    rows_of = [np.flatnonzero(units == u) for u in range(units.max() + 1)]
    boot = np.empty(reps)
    for r in range(reps):
        pick = rng.integers(0, len(rows_of), len(rows_of))
        idx = np.concatenate([rows_of[u] for u in pick])
        new_unit = np.concatenate([np.full(len(rows_of[u]), i) for i, u in enumerate(pick)])
        Z = _demean(cols[idx], new_unit, years_c[idx], fe)
        boot[r] = _ab(Z)
    alpha = 1 - level
    if reps > 1:
        lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
        se_ab = float(np.std(boot, ddof=1))
        p_boot = float(min(1.0, 2 * min(np.mean(boot <= 0), np.mean(boot >= 0))))
    else:
        lo = hi = se_ab = p_boot = float("nan")
    qn = stats.norm.ppf(1 - alpha / 2)

    def row(name, est, se, p, lo_=None, hi_=None):
        return {"effect": name, "estimate": float(est), "std_error": float(se), "p_value": float(p),
                "ci_lower": float(est - qn * se) if lo_ is None else float(lo_), "ci_upper": float(est + qn * se) if hi_ is None else float(hi_)}

    ci1, ci2, ci3 = eq1.conf_int(level), eq2.conf_int(level), eq3.conf_int(level)
    effects = pd.DataFrame([
        row("total (c)", c, se_c, p_c, *ci1.loc[x]), row("a (X → M)", a, se_a, p_a, *ci2.loc[x]),
        row("b (M → Y | X)", b, se_b, p_b, *ci3.loc[mediator]), row("direct (c')", cp, se_cp, p_cp, *ci3.loc[x]),
        row("indirect (a·b)", ab, se_ab, p_boot, lo, hi),
    ])
    notes = [f"Assumption: {s}" for s in ASSUMPTIONS]
    notes.append(
        f"Indirect effect: percentile {level:.0%} interval from {reps} unit-cluster bootstrap replications (seed {seed}); "
        "its p-value is twice the smaller tail share of the draws at zero."
    )
    if n_drop:
        notes.append(f"{n_drop} unit-years dropped so that the three equations share one sample.")
    share = ab / c if c != 0 else float("nan")
    if np.sign(ab) != np.sign(cp) and cp != 0:
        notes.append("a·b and c' have opposite signs (suppression / inconsistent mediation, 遮掩效应); the share mediated is not a proportion.")
    return MediationResult(x=x, mediator=mediator, y=y, total=eq1, first_stage=eq2, outcome=eq3, effects=effects,
                           share_mediated=float(share), sobel_z=z, sobel_p=pz, reps=reps, seed=seed, level=level,
                           boot=boot, notes=tuple(notes))
