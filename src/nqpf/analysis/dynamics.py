"""Distribution dynamics: classic Markov chains (Quah 1993) and spatial Markov chains (Rey 2001).

Methods-reference §8. States are k classes of the value (or of the relative value x_ti / x̄_t):
quantiles pooled over all (t, i), quantiles within each year, or user cut-offs. Transitions are
counted between consecutive years of the panel; probabilities p_ij = n_ij / n_i; the steady
state solves π = πP, Σπ = 1; first-passage times follow Kemeny & Snell (1976). The spatial
Markov chain conditions each transition on the class of the unit's spatial lag at the start
year and tests homogeneity with Q and LR (Bickenbach & Bode 2003), with the degrees of freedom
Σ_i (b_i − 1)(A_i − 1) that handle empty cells (§8) — the same rule as giddy's
``Homogeneity_Results``, against which the tests check.

Quantile classes follow mapclassify / giddy: cut-offs at the 100 c/k percentiles (linear
interpolation) and class c for cut_{c−1} < x ≤ cut_c.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError
from .._results import Result, Summary
from .._validation import Interval, Options, validate_params
from ._input import as_panel
from ..spatial.weights import SpatialWeights, as_weights

__all__ = [
    "StateRule",
    "quantile_cutoffs",
    "classify",
    "transition_counts",
    "transition_probabilities",
    "steady_state",
    "first_passage_times",
    "is_irreducible",
    "passage_certain",
    "passage_notes",
    "homogeneity_test",
    "markov",
    "spatial_markov",
    "MarkovResult",
    "SpatialMarkovResult",
    "state_labels",
]

StateRule = Literal["pooled", "per_year", "fixed"]

_LABELS4 = ("low", "lower-middle", "upper-middle", "high")
_LABELS4_ZH = ("低水平", "中低水平", "中高水平", "高水平")


def state_labels(k: int) -> list[str]:
    """State names: ``low, lower-middle, upper-middle, high`` for k = 4, else ``S1 … Sk``."""
    return list(_LABELS4) if k == 4 else [f"S{c + 1}" for c in range(k)]


# --------------------------------------------------------------------------- pure formulas
def quantile_cutoffs(values: Any, k: int) -> np.ndarray:
    """The k − 1 inner quantile cut-offs (100 c/k percentiles, linear interpolation), as in mapclassify.

    Examples
    --------
    >>> quantile_cutoffs([1, 2, 3, 4, 5], 4).tolist()
    [2.0, 3.0, 4.0]
    """
    y = np.asarray(values, dtype=float)
    y = y[~np.isnan(y)]
    return np.percentile(y, 100.0 * np.arange(1, k) / k)


def classify(values: Any, cutoffs: Any) -> np.ndarray:
    """Class 0 … k−1 of each value for inner cut-offs c_1 < … < c_{k−1}: class c if c_c < x ≤ c_{c+1}.

    Examples
    --------
    >>> classify([1, 2, 2.5, 5], [2, 3, 4]).tolist()
    [0, 0, 1, 3]
    """
    return np.searchsorted(np.asarray(cutoffs, dtype=float), np.asarray(values, dtype=float), side="left")


def transition_counts(states: np.ndarray, k: int, *, condition: np.ndarray | None = None, m: int = 1) -> np.ndarray:
    """Transition counts n_ij (methods-reference §8) from a units × periods state matrix.

    ``states`` holds 0 … k−1 or −1 (missing); a transition t → t+1 is counted when both ends are
    observed. With ``condition`` (units × periods, 0 … m−1) the counts are split by the condition at
    the start period: the result has shape (m, k, k); otherwise (k, k).
    """
    a, b = states[:, :-1].ravel(), states[:, 1:].ravel()
    ok = (a >= 0) & (b >= 0)
    if condition is None:
        out = np.zeros((k, k))
        np.add.at(out, (a[ok], b[ok]), 1.0)
        return out
    c = condition[:, :-1].ravel()
    ok &= c >= 0
    out = np.zeros((m, k, k))
    np.add.at(out, (c[ok], a[ok], b[ok]), 1.0)
    return out


def transition_probabilities(counts: np.ndarray) -> np.ndarray:
    """p_ij = n_ij / n_i (rows without transitions stay 0), methods-reference §8."""
    n_i = counts.sum(axis=-1, keepdims=True)
    return np.divide(counts, n_i, out=np.zeros_like(counts, dtype=float), where=n_i > 0)


def steady_state(P: np.ndarray) -> np.ndarray:
    """Ergodic distribution π with π = πP and Σ π = 1 (least-squares solution of the stacked system).

    Examples
    --------
    >>> steady_state(np.array([[0.9, 0.1], [0.5, 0.5]])).round(4).tolist()
    [0.8333, 0.1667]
    """
    k = P.shape[0]
    A = np.vstack([P.T - np.eye(k), np.ones((1, k))])
    b = np.zeros(k + 1)
    b[-1] = 1.0
    pi, *_ = np.linalg.lstsq(A, b, rcond=None)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def _reach(adj: np.ndarray) -> np.ndarray:
    """Reachability in ≥ 0 steps: R[i, j] is True when j can be reached from i along edges of ``adj``."""
    R = np.eye(adj.shape[0], dtype=bool) | adj
    for _ in range(max(int(np.ceil(np.log2(max(adj.shape[0], 2)))) + 1, 1)):
        R = R | ((R.astype(int) @ R.astype(int)) > 0)
    return R


def is_irreducible(P: np.ndarray, *, tol: float = 1e-12) -> bool:
    """True when P is a stochastic matrix (every row sums to 1) whose states all communicate.

    Irreducible: for every i, j some power of P has (P^n)_ij > 0 (one communicating class).

    Examples
    --------
    >>> is_irreducible(np.array([[0.9, 0.1], [0.5, 0.5]])), is_irreducible(np.array([[0.5, 0.5], [0.0, 1.0]]))
    (True, False)
    """
    P = np.asarray(P, dtype=float)
    if not np.allclose(P.sum(axis=1), 1.0, atol=1e-9):
        return False
    return bool(_reach(P > tol).all())


def passage_certain(P: np.ndarray, *, tol: float = 1e-12) -> np.ndarray:
    """Boolean k × k: C[i, j] is True when a chain started in i enters j (i = j: returns to j) with probability 1.

    For target j, a state k ≠ j is *bad* when it cannot reach j or has a row of P summing to
    less than 1 (no observed transitions out: the chain's future there is unknown). j is reached
    from i ≠ j with probability 1 iff no bad state is reachable from i along transitions p > 0
    that avoid j; j is returned to with probability 1 iff its row sums to 1 and every successor
    k ≠ j of j is such a state (for a finite chain: j is recurrent).

    Examples
    --------
    >>> passage_certain(np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.0, 1.0]])).astype(int).tolist()
    [[0, 1, 1], [0, 0, 1], [0, 0, 1]]
    """
    P = np.asarray(P, dtype=float)
    k = P.shape[0]
    edge = P > tol
    full = np.isclose(P.sum(axis=1), 1.0, atol=1e-9)
    C = np.zeros((k, k), dtype=bool)
    for j in range(k):
        others = np.array([i for i in range(k) if i != j], dtype=int)
        into = edge.copy()
        into[j, :] = False  # the passage stops at j
        reaches_j = _reach(into)[:, j]
        sub = edge[np.ix_(others, others)]
        bad = ~reaches_j[others] | ~full[others]
        R = _reach(sub)
        ok = ~(R & bad[None, :]).any(axis=1)
        C[others, j] = ok
        succ = [i for i in np.flatnonzero(edge[j]) if i != j]
        C[j, j] = bool(full[j]) and all(C[i, j] for i in succ)
    return C


def _first_passage_reducible(P: np.ndarray, certain: np.ndarray) -> np.ndarray:
    """m_ij = 1 + Σ_{k≠j} p_ik m_kj on the states that reach j with probability 1; NaN elsewhere."""
    k = P.shape[0]
    M = np.full((k, k), np.nan)
    for j in range(k):
        B = np.array([i for i in range(k) if i != j and certain[i, j]], dtype=int)
        if B.size:
            Q = P[np.ix_(B, B)]
            M[B, j] = np.linalg.solve(np.eye(B.size) - Q, np.ones(B.size))
        if certain[j, j]:
            M[j, j] = 1.0 + float(P[j, B] @ M[B, j]) if B.size else 1.0
    return M


def first_passage_times(P: np.ndarray, pi: np.ndarray | None = None) -> np.ndarray:
    """Mean first-passage times m_ij (i ≠ j) and mean recurrence times m_jj; NaN where undefined.

    Irreducible (ergodic) chain, Kemeny & Snell (1976): Z = (I − P + 1πᵀ)⁻¹,
    M = (I − Z + E Z_dg) D with D = diag(1/π), i.e. m_ij = (z_jj − z_ij) / π_j, m_jj = 1/π_j.
    Otherwise (an absorbing state, several closed classes, a state with no observed
    transitions out): m_ij is finite only when j is entered from i with probability 1
    (:func:`passage_certain`), from m_ij = 1 + Σ_{k≠j} p_ik m_kj solved on those states, and
    NaN elsewhere (the expected passage time is infinite or undefined). ``pi`` is used for
    irreducible chains only.

    Examples
    --------
    >>> first_passage_times(np.array([[0.9, 0.1], [0.5, 0.5]])).round(3).tolist()
    [[1.2, 10.0], [2.0, 6.0]]
    >>> first_passage_times(np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.0, 1.0]])).tolist()
    [[nan, 2.0, 8.0], [nan, nan, 6.0], [nan, nan, 1.0]]
    """
    P = np.asarray(P, dtype=float)
    k = P.shape[0]
    if not is_irreducible(P):
        return _first_passage_reducible(P, passage_certain(P))
    pi = steady_state(P) if pi is None else np.asarray(pi, dtype=float)
    Z = np.linalg.inv(np.eye(k) - P + np.outer(np.ones(k), pi))
    M = (np.diag(Z)[None, :] - Z) / pi[None, :]
    np.fill_diagonal(M, 1.0 / pi)
    return M


def passage_notes(P: np.ndarray, M: np.ndarray, labels: list[str]) -> list[str]:
    """One note per from-state explaining its NaN first-passage times ("" when every entry is finite).

    Examples
    --------
    >>> P = np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.0, 1.0]])
    >>> passage_notes(P, first_passage_times(P), ["a", "b", "c"])[2]
    'NaN to a, b: not reached from c with probability 1; the chain is not irreducible'
    """
    P = np.asarray(P, dtype=float)
    out = []
    for i, lab in enumerate(labels):
        if P[i].sum() == 0:
            out.append(f"NaN: no transitions observed out of {lab}, so passage times from it are undefined")
            continue
        bad = [labels[j] for j in range(len(labels)) if not np.isfinite(M[i, j])]
        back = f" (nor {lab} returned to)" if lab in bad else ""
        out.append(f"NaN to {', '.join(bad)}: not reached from {lab} with probability 1{back}; the chain is not "
                   "irreducible" if bad else "")
    return out


def homogeneity_test(conditional_counts: np.ndarray) -> dict[str, Any]:
    """Q and LR tests of P(l) = P for all l, with empty-cell degrees of freedom (methods-reference §8).

    Q = Σ_l Σ_i Σ_j n_i(l) [p_ij(l) − p_ij]² / p_ij (cells with p_ij > 0);
    LR = 2 Σ_l Σ_i Σ_j n_ij(l) ln(p_ij(l) / p_ij) (cells with n_ij(l) > 0);
    df = Σ_i (b_i − 1)(A_i − 1), b_i = lag classes with transitions out of i, A_i = non-zero
    entries in row i of the pooled matrix (Bickenbach & Bode 2003).
    """
    from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
    T = np.asarray(conditional_counts, dtype=float)
    pooled = T.sum(axis=0)
    p = transition_probabilities(pooled)
    pl = transition_probabilities(T)
    n_il = T.sum(axis=2)
    pos = p > 0
    Q = float(np.sum(n_il[:, :, None] * np.where(pos, (pl - p) ** 2 / np.where(pos, p, 1.0), 0.0)))
    cell = (T > 0) & pos[None]
    LR = float(2.0 * np.sum(np.where(cell, T * np.log(np.where(cell, pl, 1.0) / np.where(pos, p, 1.0)), 0.0)))
    b_i = (n_il > 0).sum(axis=0)
    A_i = (pooled > 0).sum(axis=1)
    dof = int(np.sum((b_i - 1) * (A_i - 1)))
    full = int((T.shape[0] - 1) * T.shape[1] * (T.shape[1] - 1))
    return {"Q": Q, "LR": LR, "dof": dof, "dof_full": full,
            "Q_p": float(stats.chi2.sf(Q, dof)) if dof > 0 else np.nan,
            "LR_p": float(stats.chi2.sf(LR, dof)) if dof > 0 else np.nan}


# --------------------------------------------------------------------------- helpers
def _wide(panel: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    wide = panel.pivot(index="unit", columns="year", values="value").sort_index(axis=1)
    return wide, [int(c) for c in wide.columns]


def _state_matrix(wide: pd.DataFrame, *, k: int, states: str, cutoffs: Any, where: str) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    x = wide.to_numpy(dtype=float)
    notes: list[str] = []
    S = np.full(x.shape, -1, dtype=int)
    obs = ~np.isnan(x)
    if states == "fixed":
        if cutoffs is None:
            raise MethodError(f"{where}: states='fixed' needs cutoffs; got cutoffs=None. Pass k − 1 increasing "
                              "cut-offs, e.g. cutoffs=[0.8, 1.0, 1.2] for k = 4 relative classes.")
        cut = np.asarray(cutoffs, dtype=float)
        if cut.size != k - 1 or np.any(np.diff(cut) <= 0):
            raise MethodError(f"{where}: cutoffs must be {k - 1} strictly increasing numbers for k = {k}; got "
                              f"{list(cut)}. Pass k − 1 increasing cut-offs or change k.")
        S[obs] = classify(x[obs], cut)
        rows = [{"year": "all", **{f"cut{c + 1}": v for c, v in enumerate(cut)}}]
    elif states == "pooled":
        cut = quantile_cutoffs(x[obs], k)
        if np.any(np.diff(cut) <= 0):
            raise MethodError(f"{where}: pooled quantile cut-offs are not distinct; got {list(np.round(cut, 6))}. "
                              "Use fewer states (k) or fixed cut-offs.")
        S[obs] = classify(x[obs], cut)
        rows = [{"year": "all", **{f"cut{c + 1}": v for c, v in enumerate(cut)}}]
    else:
        rows = []
        for t in range(x.shape[1]):
            col = x[:, t]
            o = ~np.isnan(col)
            cut = quantile_cutoffs(col[o], k)
            if np.any(np.diff(cut) <= 0):
                notes.append(f"Year {wide.columns[t]}: tied quantile cut-offs {list(np.round(cut, 6))}.")
            S[o, t] = classify(col[o], cut)
            rows.append({"year": int(wide.columns[t]), **{f"cut{c + 1}": v for c, v in enumerate(cut)}})
    return S, pd.DataFrame(rows), notes


def _prepare(data: Any, *, node, value, unit, year, relative: bool, where: str) -> tuple[pd.DataFrame, list[str]]:
    panel = as_panel(data, node=node, value=value, unit=unit, year=year)
    notes: list[str] = []
    if relative:
        means = panel.groupby("year")["value"].transform("mean")
        if (means <= 0).any():
            raise MethodError(f"{where}: relative=True divides by the yearly mean, which is ≤ 0 in some year; got "
                              f"min mean {float(means.min()):g}. Use relative=False.")
        panel = panel.assign(value=panel["value"] / means)
        notes.append("States classify the relative value x_ti / x̄_t (x̄_t the cross-section mean of year t).")
    years = sorted(panel["year"].unique())
    if len(years) < 2:
        raise DataError(f"{where}: needs at least two years for transitions; got {years}. Use a panel.")
    gaps = [b for a, b in zip(years, years[1:]) if b - a != 1]
    if gaps:
        notes.append(f"Years are not consecutive (gap before {gaps}); transitions link each observed year to the "
                     "next observed year.")
    return panel, notes


def _n_unit_eigenvalues(P: np.ndarray) -> int:
    return int(np.sum(np.abs(np.linalg.eigvals(P) - 1.0) < 1e-10))


def _matrix_frame(M: np.ndarray, labels: list[str], *, index_name: str = "from_state") -> pd.DataFrame:
    return pd.DataFrame(M, index=pd.Index(labels, name=index_name), columns=labels)


# --------------------------------------------------------------------------- classic Markov
@dataclass(frozen=True)
class MarkovResult(Result):
    """Classic Markov chain of the distribution (传统马尔可夫链).

    Attributes
    ----------
    counts : DataFrame (k × k)
        Transition counts n_ij (rows: state at t, columns: state at t + 1).
    probabilities : DataFrame (k × k)
        p_ij = n_ij / n_i.
    steady_state : Series
        Ergodic distribution π.
    mfpt : DataFrame (k × k)
        Mean first-passage times (diagonal: mean recurrence times); NaN where the target is not
        reached with probability 1 (chains that are not irreducible; :func:`first_passage_times`).
    cutoffs : DataFrame
        Cut-offs used (one row, or one per year for per-year quantiles).
    classes : DataFrame
        ``unit, year, value, state`` (state label) for every observation.
    k : int
    states : str
        ``pooled``, ``per_year`` or ``fixed``.
    relative : bool
    notes : list of str
    """

    counts: pd.DataFrame
    probabilities: pd.DataFrame
    steady_state: pd.Series
    mfpt: pd.DataFrame
    cutoffs: pd.DataFrame
    classes: pd.DataFrame
    k: int
    states: str
    relative: bool
    value: str = "value"
    notes: list[str] = field(default_factory=list)
    kind: str = "markov"

    @property
    def labels(self) -> list[str]:
        return list(self.probabilities.columns)

    def step(self, d: int) -> pd.DataFrame:
        """d-step transition probabilities P^d."""
        return _matrix_frame(np.linalg.matrix_power(self.probabilities.to_numpy(), int(d)), self.labels)

    def distribution(self) -> pd.DataFrame:
        """Share of units in each state, first and last year, and the steady state."""
        c = self.classes
        first, last = c["year"].min(), c["year"].max()
        f = c[c["year"] == first]["state"].value_counts(normalize=True).reindex(self.labels, fill_value=0.0)
        l_ = c[c["year"] == last]["state"].value_counts(normalize=True).reindex(self.labels, fill_value=0.0)
        return pd.DataFrame({"state": self.labels, f"share_{first}": f.to_numpy(), f"share_{last}": l_.to_numpy(),
                             "steady_state": self.steady_state.to_numpy()})

    def tables(self) -> dict[str, pd.DataFrame]:
        n = self.counts.sum(axis=1).rename("n")
        prob = pd.concat([n, self.probabilities], axis=1).reset_index()
        return {"probabilities": prob, "counts": self.counts.reset_index(), "steady_state": self.distribution(),
                "mfpt": self.mfpt_table(), "cutoffs": self.cutoffs, "classes": self.classes}

    def mfpt_table(self) -> pd.DataFrame:
        """First-passage times with a ``note`` column explaining each row's NaN entries ("" if none)."""
        notes = passage_notes(self.probabilities.to_numpy(), self.mfpt.to_numpy(), self.labels)
        return self.mfpt.reset_index().assign(note=notes)

    def summary(self) -> Summary:
        P = self.probabilities
        rows = [("value", self.value), ("states (k)", self.k), ("state rule", self.states),
                ("relative to yearly mean", self.relative), ("transitions", int(self.counts.to_numpy().sum())),
                ("mean diagonal p_ii (persistence)", float(np.mean(np.diag(P.to_numpy()))))]
        n = self.counts.sum(axis=1).rename("n")
        return Summary(title="Markov transition probabilities (马尔可夫转移概率矩阵)", rows=rows,
                       tables={"P (rows t, columns t+1)": pd.concat([n, P], axis=1),
                               "distribution": self.distribution().set_index("state")},
                       notes=list(self.notes) + ["p_ij = n_ij / n_i over all units and consecutive years; steady "
                                                 "state π = πP (Quah 1993; methods-reference §8)."])


@validate_params({
    "k": [Interval(numbers.Integral, 2, None)],
    "states": [Options.of(StateRule)],
    "relative": [bool],
})
def markov(
    data: Any,
    *,
    k: int = 4,
    states: StateRule = "pooled",
    cutoffs: Any = None,
    relative: bool = False,
    node: str | None = None,
    value: str = "value",
    unit: str = "unit",
    year: str = "year",
) -> MarkovResult:
    """Classic Markov chain of a panel (传统马尔可夫链).

    Parameters
    ----------
    data : IndexResult or DataFrame
    k : int ≥ 2
        Number of states (usually 4: low, lower-middle, upper-middle, high).
    states : {'pooled', 'per_year', 'fixed'}
        Quantiles over all (t, i), quantiles within each year, or the given ``cutoffs``.
    cutoffs : sequence of float, optional
        k − 1 increasing inner cut-offs for ``states='fixed'``.
    relative : bool
        Classify x_ti / x̄_t instead of x_ti.

    Returns
    -------
    MarkovResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abcdabcd"), "year": [1] * 4 + [2] * 4,
    ...                    "value": [1, 2, 3, 4, 2, 1, 3, 4]})
    >>> markov(df, k=2).probabilities.values.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    panel, notes = _prepare(data, node=node, value=value, unit=unit, year=year, relative=relative, where="markov")
    wide, years = _wide(panel)
    S, cut, n2 = _state_matrix(wide, k=k, states=states, cutoffs=cutoffs, where="markov")
    notes += n2
    labels = state_labels(k)
    counts = transition_counts(S, k)
    P = transition_probabilities(counts)
    empty = [labels[i] for i in range(k) if counts[i].sum() == 0]
    if empty:
        notes.append(f"No transitions out of state(s) {empty}: their rows of P are 0 and the steady state and "
                     "first-passage times are not defined for them.")
    pi = steady_state(P)
    if _n_unit_eigenvalues(P) > 1:
        notes.append("The chain has several closed classes (eigenvalue 1 repeated): the steady state is not unique "
                     "(one solution shown).")
    M = first_passage_times(P, pi)
    if not is_irreducible(P):
        absorbing = [labels[i] for i in range(k) if P[i, i] == 1.0]
        why = f"absorbing state(s) {absorbing}" if absorbing else "not every state reaches every other"
        notes.append(f"The chain is not irreducible ({why}): first-passage times are given only where the target "
                     "state is reached with probability 1 (m_ij = 1 + Σ_k≠j p_ik m_kj) and are NaN elsewhere "
                     f"({int(np.isnan(M).sum())} of {k * k}); see the note column of the mfpt table.")
    obs = S >= 0
    uu, tt = np.nonzero(obs)
    classes = pd.DataFrame({"unit": wide.index.to_numpy()[uu], "year": np.asarray(years)[tt],
                            "value": wide.to_numpy()[uu, tt], "state": np.asarray(labels, dtype=object)[S[uu, tt]]})
    return MarkovResult(counts=_matrix_frame(counts, labels), probabilities=_matrix_frame(P, labels),
                        steady_state=pd.Series(pi, index=labels, name="steady_state"),
                        mfpt=_matrix_frame(M, labels), cutoffs=cut,
                        classes=classes.sort_values(["year", "unit"]).reset_index(drop=True), k=k, states=states,
                        relative=relative, value=node or value, notes=notes)


# --------------------------------------------------------------------------- spatial Markov
@dataclass(frozen=True)
class SpatialMarkovResult(Result):
    """Spatial Markov chain (空间马尔可夫链, Rey 2001) with homogeneity tests.

    Attributes
    ----------
    conditional : DataFrame
        ``lag_class, from_state, n`` and one column per state: p_ij(l) for each lag class l.
    conditional_counts : ndarray of shape (m, k, k)
        n_ij(l).
    pooled : DataFrame (k × k)
        P ignoring the lag.
    Q, LR : float
        Homogeneity statistics; ``Q_p``, ``LR_p`` their χ² p-values with ``dof`` degrees of
        freedom (``dof_full`` = (m − 1) k (k − 1), the value with no empty cell).
    steady_states : DataFrame
        π for the pooled chain and for each lag class.
    cutoffs, lag_cutoffs : DataFrame
    """

    conditional: pd.DataFrame
    conditional_counts: np.ndarray
    pooled: pd.DataFrame
    pooled_counts: pd.DataFrame
    Q: float
    LR: float
    dof: int
    dof_full: int
    Q_p: float
    LR_p: float
    steady_states: pd.DataFrame
    cutoffs: pd.DataFrame
    lag_cutoffs: pd.DataFrame
    k: int
    m: int
    weights: str
    value: str = "value"
    notes: list[str] = field(default_factory=list)
    kind: str = "spatial_markov"

    def tests(self) -> pd.DataFrame:
        return pd.DataFrame([{"Q": self.Q, "Q_p": self.Q_p, "LR": self.LR, "LR_p": self.LR_p, "dof": self.dof,
                              "dof_full": self.dof_full, "k": self.k, "m": self.m}])

    def tables(self) -> dict[str, pd.DataFrame]:
        n = self.pooled_counts.sum(axis=1).rename("n")
        return {"conditional": self.conditional, "tests": self.tests(),
                "pooled": pd.concat([n, self.pooled], axis=1).reset_index(), "steady_states": self.steady_states,
                "cutoffs": self.cutoffs, "lag_cutoffs": self.lag_cutoffs}

    def summary(self) -> Summary:
        rows = [("value", self.value), ("states (k)", self.k), ("lag classes (m)", self.m),
                ("Q", self.Q), ("LR", self.LR), ("dof", self.dof), ("dof if no empty cell", self.dof_full),
                ("p (Q)", self.Q_p), ("p (LR)", self.LR_p)]
        return Summary(title="Spatial Markov chain (空间马尔可夫链)", rows=rows,
                       tables={"P(l) by lag class": self.conditional.set_index(["lag_class", "from_state"])},
                       notes=list(self.notes) + [self.weights,
                                                 "Q and LR test P(l) = P for every lag class (Bickenbach & Bode "
                                                 "2003); dof = Σ_i (b_i − 1)(A_i − 1) handles empty cells "
                                                 "(methods-reference §8)."])


@validate_params({
    "k": [Interval(numbers.Integral, 2, None)],
    "m": [Interval(numbers.Integral, 2, None), None],
    "states": [Options.of(StateRule)],
    "lag_states": [Options.of(StateRule)],
    "relative": [bool],
})
def spatial_markov(
    data: Any,
    w: Any = "queen",
    *,
    k: int = 4,
    m: int | None = None,
    states: StateRule = "pooled",
    lag_states: StateRule = "pooled",
    cutoffs: Any = None,
    lag_cutoffs: Any = None,
    relative: bool = False,
    node: str | None = None,
    value: str = "value",
    unit: str = "unit",
    year: str = "year",
) -> SpatialMarkovResult:
    """Spatial Markov chain (Rey 2001) with Q / LR homogeneity tests (空间马尔可夫链).

    Parameters
    ----------
    data : IndexResult or DataFrame
        A balanced panel: every unit of the weights in every year.
    w : SpatialWeights, libpysal W, kind name or file
        Spatial weights (row-standardised by default); provinces default to queen contiguity.
    k, m : int
        States of the value and classes of the spatial lag (``m`` defaults to ``k``).
    states, lag_states : {'pooled', 'per_year', 'fixed'}
        How the value and the lag are classified (``cutoffs`` / ``lag_cutoffs`` for ``'fixed'``).
    relative : bool
        Use x_ti / x̄_t (the lag is then the lag of the relative value).

    Notes
    -----
    L_ti = Σ_j w_ij x_tj; P(l) from transitions whose start-year lag class is l; tests of
    methods-reference §8 by :func:`homogeneity_test`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from nqpf.spatial.weights import province_units
    >>> rng = np.random.default_rng(0)
    >>> units = province_units()
    >>> df = pd.DataFrame({"unit": np.tile(units, 6), "year": np.repeat(np.arange(2015, 2021), 31),
    ...                    "value": rng.lognormal(size=186)})
    >>> r = spatial_markov(df, k=3)
    >>> r.dof <= r.dof_full
    True
    """
    m = k if m is None else m
    panel, notes = _prepare(data, node=node, value=value, unit=unit, year=year, relative=relative,
                            where="spatial_markov")
    wide, years = _wide(panel)
    if wide.isna().any().any():
        miss = wide.isna().stack()
        first = [tuple(map(str, i)) for i in miss[miss].index[:3]]
        raise DataError(f"spatial_markov: the panel must be balanced (spatial lags need every unit each year); got "
                        f"{int(miss.sum())} missing unit-years such as {first}. Impute or drop these units.")
    sw: SpatialWeights = as_weights(w, units=list(wide.index))
    ids = sw.ids
    unknown = [u for u in wide.index if u not in set(ids)]
    if unknown:
        raise DataError(f"spatial_markov: units not in the spatial weights; got {unknown[:5]}. Use weights covering "
                        "every unit of the data.")
    if len(ids) != len(wide.index):
        from .spatial import _subset

        sw = _subset(sw, list(wide.index))
        ids = sw.ids
    wide = wide.loc[ids]
    x = wide.to_numpy(dtype=float)
    lag = np.asarray(sw.w.sparse @ x)
    S, cut, n1 = _state_matrix(wide, k=k, states=states, cutoffs=cutoffs, where="spatial_markov")
    L, lcut, n2 = _state_matrix(pd.DataFrame(lag, index=wide.index, columns=wide.columns), k=m, states=lag_states,
                                cutoffs=lag_cutoffs, where="spatial_markov (lag)")
    notes += n1 + n2
    labels = state_labels(k)
    lag_labels = [f"L{c + 1}" for c in range(m)]
    T = transition_counts(S, k, condition=L, m=m)
    P_l = transition_probabilities(T)
    pooled_counts = T.sum(axis=0)
    P = transition_probabilities(pooled_counts)
    test = homogeneity_test(T)
    if test["dof"] < test["dof_full"]:
        notes.append(f"Empty cells: dof reduced from {test['dof_full']} to {test['dof']} (Bickenbach & Bode 2003).")
    rows = []
    for li in range(m):
        for i in range(k):
            rows.append({"lag_class": lag_labels[li], "from_state": labels[i], "n": int(T[li, i].sum()),
                         **{labels[j]: P_l[li, i, j] for j in range(k)}})
    ss_rows = [{"chain": "pooled", **dict(zip(labels, steady_state(P)))}]
    for li in range(m):
        if (T[li].sum(axis=1) > 0).all():
            ss_rows.append({"chain": lag_labels[li], **dict(zip(labels, steady_state(P_l[li])))})
        else:
            ss_rows.append({"chain": lag_labels[li], **{lab: np.nan for lab in labels}})
    return SpatialMarkovResult(
        conditional=pd.DataFrame(rows), conditional_counts=T, pooled=_matrix_frame(P, labels),
        pooled_counts=_matrix_frame(pooled_counts, labels), Q=test["Q"], LR=test["LR"], dof=test["dof"],
        dof_full=test["dof_full"], Q_p=test["Q_p"], LR_p=test["LR_p"], steady_states=pd.DataFrame(ss_rows),
        cutoffs=cut, lag_cutoffs=lcut, k=k, m=m, weights=sw.describe(), value=node or value, notes=notes)
