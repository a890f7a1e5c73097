"""Weighting methods — methods-reference §2.

Objective methods are pure functions of a 2-D block ``z`` (rows = units of the
reference set: one year, or all years pooled; columns = indicators) that return
a weight vector summing to 1. Missing values are ignored column by column.
Subjective (AHP) and combination rules work on weight vectors.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

import numpy as np

from .._errors import MethodError, MethodWarning
from .._validation import check_option

__all__ = [
    "check_ahp_matrices",
    "WeightMethod",
    "EntropyK",
    "EntropyZeros",
    "entropy_weights",
    "EntropyParts",
    "entropy_parts",
    "critic_weights",
    "CriticParts",
    "critic_parts",
    "cv_weights",
    "pca_weights",
    "equal_weights",
    "AHPResult",
    "ahp_weights",
    "SAATY_RI",
    "combine_linear",
    "combine_multiplicative",
    "combine_mdi",
    "combine_game",
    "objective_weights",
]

WeightMethod = Literal["equal", "given", "entropy", "critic", "cv", "pca", "ahp", "combined"]
EntropyK = Literal["ln_n", "ln_nonzero"]
EntropyZeros = Literal["keep", "shift", "replace", "e_zero"]

#: Saaty's random consistency index RI for m = 1 … 15
SAATY_RI = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)


def _normalise_vector(v: np.ndarray, what: str, names: Sequence[str] | None = None) -> np.ndarray:
    s = float(np.sum(v))
    if not np.isfinite(s) or s <= 0:
        got = f"indicators {list(names)[:20]}" if names is not None else f"{len(v)} indicators"
        raise MethodError(
            f"{what}: the weights sum to {s:g}; at least one indicator must carry information; got {got}, every one "
            "constant or missing. Check the data or use given/equal weights."
        )
    return v / s


def equal_weights(m: int) -> np.ndarray:
    """``w_j = 1/m``."""
    return np.full(m, 1.0 / m)


@dataclass(frozen=True)
class EntropyParts:
    """The intermediate quantities of the entropy method, per indicator: ``e`` 信息熵, ``d`` 信息效用值
    (``1 − e``), ``w`` 权重 (``d / Σ d``) — the columns of the weights table in published papers."""

    e: np.ndarray
    d: np.ndarray
    w: np.ndarray


def entropy_parts(
    z: np.ndarray,
    *,
    k: str = "ln_n",
    zeros: str = "keep",
    shift: float = 0.0001,
    names: Sequence[str] | None = None,
) -> EntropyParts:
    """Entropy e_j, utility d_j and weight w_j of :func:`entropy_weights` (same arguments, same formulas).

    A column with fewer than two values or a zero sum carries no information: d_j = 0, e_j = 1.

    Examples
    --------
    >>> import numpy as np
    >>> p = entropy_parts(np.array([[0.0, 1.0], [1.0, 1.0], [0.5, 0.0]]))
    >>> np.round(p.e, 4).tolist(), np.round(p.w, 4).tolist()
    ([0.5794, 0.6309], [0.5326, 0.4674])
    >>> bool(np.allclose(p.w, entropy_weights(np.array([[0.0, 1.0], [1.0, 1.0], [0.5, 0.0]]))))
    True
    """
    check_option(k, EntropyK, param="k", caller="entropy_weights")
    check_option(zeros, EntropyZeros, param="zeros", caller="entropy_weights")
    z = np.asarray(z, dtype=float)
    if z.size and np.nanmin(z) < 0:
        j = int(np.nanargmin(np.nanmin(z, axis=0)))
        which = f"indicator {names[j]!r}" if names is not None and len(names) == z.shape[1] else f"column {j}"
        raise MethodError(
            f"entropy_weights, {which}: the entropy method needs non-negative values; got a minimum of "
            f"{np.nanmin(z[:, j]):.6g}. Use min–max normalisation (or shift the values) before the entropy method, "
            "or weight on normalised data."
        )
    if zeros == "shift":
        z = z + shift
    elif zeros == "replace":
        z = np.where(z == 0, shift, z)
    m = z.shape[1]
    d = np.zeros(m)
    for j in range(m):
        col = z[:, j]
        col = col[~np.isnan(col)]
        n = col.size
        tot = col.sum()
        if n < 2 or tot <= 0:
            d[j] = 0.0
            continue
        p = col / tot
        nz = p > 0
        plogp = np.zeros_like(p)
        plogp[nz] = p[nz] * np.log(p[nz])
        if k == "ln_n":
            kk = 1.0 / np.log(n)
        else:
            nnz = int(nz.sum())
            kk = 1.0 / np.log(nnz) if nnz > 1 else 0.0
        e = -kk * plogp.sum()
        if zeros == "e_zero" and not nz.all():
            e = 0.0
        d[j] = 1.0 - e
    d = np.where(np.abs(d) < 1e-15, 0.0, d)
    return EntropyParts(e=1.0 - d, d=d, w=_normalise_vector(d, "entropy_weights", names))


def entropy_weights(
    z: np.ndarray,
    *,
    k: str = "ln_n",
    zeros: str = "keep",
    shift: float = 0.0001,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """Entropy weight method (熵值法): methods-reference §2.1.

    ``p_ij = z_ij / Σ_i z_ij``, ``e_j = −k Σ_i p_ij ln p_ij`` (0·ln 0 = 0), ``d_j = 1 − e_j``,
    ``w_j = d_j / Σ d``. With a pooled block (rows = all unit-years) this is the panel
    entropy method of Yang & Sun (2015) with ``n`` replaced by ``nT``.

    Parameters
    ----------
    z
        Non-negative normalised data, shape (rows, m).
    k
        ``"ln_n"``: k = 1/ln n (n = non-missing rows of the column); ``"ln_nonzero"``: k = 1/ln(number
        of non-zero proportions) — a variant found in published code.
    zeros
        ``"keep"``: 0·ln 0 = 0 (no change); ``"shift"``: add ``shift`` to every value first;
        ``"replace"``: replace exact zeros by ``shift``; ``"e_zero"``: a column with any zero
        proportion gets e_j = 0 (the behaviour of pymcdm, reproduced for comparability).

    Notes
    -----
    A constant column has p_ij = 1/n, e_j = 1 and weight 0 (no NaN).
    """
    return entropy_parts(z, k=k, zeros=zeros, shift=shift, names=names).w


@dataclass(frozen=True)
class CriticParts:
    """The intermediate quantities of CRITIC, per indicator: ``sd`` 标准差 (contrast σ_j, or σ_j / mean_j),
    ``conflict`` 冲突性 ``Σ_k (1 − r_jk)``, ``information`` 信息量 ``C_j = sd · conflict``, ``w`` 权重 ``C_j / Σ C``."""

    sd: np.ndarray
    conflict: np.ndarray
    information: np.ndarray
    w: np.ndarray


def critic_parts(z: np.ndarray, *, ddof: int = 1, correlation: Literal["signed", "abs"] = "signed",
                 contrast: Literal["sd", "cv"] = "sd") -> CriticParts:
    """Contrast, conflict, information and weight of :func:`critic_weights` (same arguments, same formulas).

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([[0.0, 1.0, 0.2], [1.0, 0.0, 0.4], [0.5, 0.5, 1.0], [0.2, 0.9, 0.0]])
    >>> p = critic_parts(z)
    >>> bool(np.allclose(p.information, p.sd * p.conflict)), bool(np.allclose(p.w, critic_weights(z)))
    (True, True)
    """
    z = np.asarray(z, dtype=float)
    ok = ~np.isnan(z).any(axis=1)
    zc = z[ok]
    if zc.shape[0] < 3:
        raise MethodError(f"critic_weights needs at least 3 complete rows; got {zc.shape[0]}. Impute missing values first.")
    sd = zc.std(axis=0, ddof=ddof)
    if contrast == "cv":
        sd = sd / zc.mean(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = np.corrcoef(zc, rowvar=False)
    r = np.atleast_2d(r)
    r = np.where(np.isnan(r), 0.0, r)  # a constant column has sd = 0, so C_j = 0 whatever r is
    np.fill_diagonal(r, 1.0)
    if correlation == "abs":
        r = np.abs(r)
    conflict = (1.0 - r).sum(axis=1)
    c = sd * conflict
    return CriticParts(sd=sd, conflict=conflict, information=c, w=_normalise_vector(c, "critic_weights"))


def critic_weights(z: np.ndarray, *, ddof: int = 1, correlation: Literal["signed", "abs"] = "signed",
                   contrast: Literal["sd", "cv"] = "sd") -> np.ndarray:
    """CRITIC (Diakoulaki et al. 1995): ``C_j = σ_j Σ_k (1 − r_jk)``, ``w_j = C_j / Σ C``.

    ``correlation="abs"`` uses |r_jk|; ``contrast="cv"`` uses σ_j / mean_j in place of σ_j.
    Rows with any missing value are dropped for the correlations (complete cases).
    Intermediate quantities: :func:`critic_parts`.
    """
    return critic_parts(z, ddof=ddof, correlation=correlation, contrast=contrast).w


def cv_weights(x: np.ndarray, *, ddof: int = 1) -> np.ndarray:
    """Coefficient-of-variation weights (变异系数法): ``V_j = s_j / x̄_j``, ``w_j = V_j / Σ V``."""
    x = np.asarray(x, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=0)
        sd = np.nanstd(x, axis=0, ddof=ddof)
    if np.any(mean <= 0):
        raise MethodError(
            "cv_weights requires positive column means; got non-positive means for columns "
            f"{list(np.where(mean <= 0)[0])}. Apply it to positive raw data or min–max data with a shift."
        )
    return _normalise_vector(sd / mean, "cv_weights")


def pca_weights(z: np.ndarray, *, retain: Literal["kaiser", "variance"] = "kaiser", variance: float = 0.85) -> np.ndarray:
    """PCA weights (主成分分析赋权), as commonly used in Chinese evaluation studies.

    On the correlation matrix R of z: eigenpairs (λ_k, a_k); retained components: λ_k > 1
    (``"kaiser"``) or the smallest set explaining ``variance`` of the total. Indicator
    coefficient in component k: ``a_jk / sqrt(λ_k)``; combined coefficient
    ``c_j = Σ_k λ_k c_jk / Σ_k λ_k`` over retained k; ``w_j = |c_j| / Σ |c|``.
    """
    z = np.asarray(z, dtype=float)
    zc = z[~np.isnan(z).any(axis=1)]
    if zc.shape[0] < zc.shape[1] + 1:
        raise MethodError(f"pca_weights needs more complete rows than indicators; got {zc.shape[0]} rows for {zc.shape[1]} indicators.")
    sd = zc.std(axis=0, ddof=1)
    if np.any(sd == 0):
        raise MethodError(f"pca_weights: constant indicators (columns {list(np.where(sd == 0)[0])}) have no correlation; drop them or use entropy weights.")
    R = np.corrcoef(zc, rowvar=False)
    lam, vec = np.linalg.eigh(R)
    order = np.argsort(lam)[::-1]
    lam, vec = lam[order], vec[:, order]
    # sign convention: each loading vector sums to a positive number
    vec = vec * np.where(vec.sum(axis=0) < 0, -1.0, 1.0)
    if retain == "kaiser":
        keep = max(1, int(np.sum(lam > 1.0)))
    else:
        keep = int(np.searchsorted(np.cumsum(lam) / lam.sum(), variance) + 1)
    coef = vec[:, :keep] / np.sqrt(lam[:keep])
    c = (coef * lam[:keep]).sum(axis=1) / lam[:keep].sum()
    return _normalise_vector(np.abs(c), "pca_weights")


@dataclass(frozen=True)
class AHPResult:
    """AHP result: weights, λmax, CI, RI, CR."""

    weights: np.ndarray
    lambda_max: float
    CI: float
    RI: float
    CR: float


def ahp_weights(A: np.ndarray, *, max_cr: float = 0.10, allow_inconsistent: bool = False,
                node: str | None = None, children: Sequence[str] | None = None) -> AHPResult:
    """AHP (Saaty 1980): normalised principal eigenvector of the pairwise matrix A.

    ``CI = (λmax − m)/(m − 1)``, ``CR = CI/RI`` with Saaty's RI; refuses CR > ``max_cr``
    unless ``allow_inconsistent=True``. ``node`` and ``children`` (the framework node whose
    components the matrix compares) are named in every error.
    """
    where = f"ahp_weights (node {node!r})" if node is not None else "ahp_weights"
    try:
        A = np.asarray(A, dtype=float)
    except (TypeError, ValueError):
        raise MethodError(f"{where}: the pairwise matrix must be a square table of positive numbers; got {A!r}. "
                          "Write it as [[1, 3], [1/3, 1]].") from None
    m = A.shape[0] if A.ndim else 0
    if A.ndim != 2 or A.shape[1] != m:
        raise MethodError(f"{where}: needs a square pairwise matrix; got shape {A.shape}. Give one row and one column "
                          "per component.")
    label = (lambda i: repr(children[i])) if children is not None and len(children) == m else (lambda i: f"#{i}")
    if np.any(~np.isfinite(A)) or np.any(A <= 0):
        i, j = map(int, np.argwhere(~np.isfinite(A) | (A <= 0))[0])
        raise MethodError(f"{where}: pairwise judgements must be positive; got {A[i, j]:g} at row {i + 1}, column {j + 1} "
                          f"({label(i)} vs {label(j)}). Use values such as 1/9 … 9.")
    if not np.allclose(A * A.T, 1.0, rtol=1e-6):
        bad = [f"({label(i)}, {label(j)})" for i in range(m) for j in range(m)
               if not np.isclose(A[i, j] * A[j, i], 1.0, rtol=1e-6)][:5]
        raise MethodError(f"{where}: the matrix must be reciprocal (a_ji = 1/a_ij); got violations at {', '.join(bad)}. "
                          "Fill the lower triangle with reciprocals.")
    vals, vecs = np.linalg.eig(A)
    i = int(np.argmax(vals.real))
    lam = float(vals[i].real)
    w = np.abs(vecs[:, i].real)
    w = w / w.sum()
    ci = (lam - m) / (m - 1) if m > 2 else 0.0
    ri = SAATY_RI[m - 1] if m <= len(SAATY_RI) else SAATY_RI[-1]
    cr = ci / ri if ri > 0 else 0.0
    if cr > max_cr and not allow_inconsistent:
        raise MethodError(
            f"{where}: the pairwise matrix is inconsistent; got CR = {cr:.4f} > {max_cr} "
            f"(λmax = {lam:.4f}, CI = {ci:.4f}, RI = {ri}). Revise the judgements or pass allow_inconsistent=True."
        )
    return AHPResult(w, lam, ci, ri, cr)


def check_ahp_matrices(matrices: Mapping[str, Any], *, children: Mapping[str, Sequence[str]] | None = None,
                       max_cr: float = 0.10, allow_inconsistent: bool = False) -> dict[str, AHPResult]:
    """Validate every AHP pairwise matrix without building (the checks of ``nqpf build``, for ``nqpf validate``).

    Parameters
    ----------
    matrices
        ``{node id: pairwise matrix}`` (the ``[weight.ahp]`` table of a run config).
    children
        ``{node id: [component ids]}`` from the framework: the matrix must be k×k for the k
        components, and errors name them.
    max_cr, allow_inconsistent
        As in :func:`ahp_weights`.

    Returns
    -------
    dict
        ``{node: AHPResult}`` for every matrix.

    Raises
    ------
    MethodError
        The first invalid matrix, naming its node (unknown node, wrong shape, non-positive or
        non-reciprocal entries, CR above ``max_cr``).

    Examples
    --------
    >>> r = check_ahp_matrices({"root": [[1, 2], [0.5, 1]]}, children={"root": ["a", "b"]})
    >>> [round(float(w), 3) for w in r["root"].weights]
    [0.667, 0.333]
    """
    out: dict[str, AHPResult] = {}
    for node, A in matrices.items():
        kids = None
        if children is not None:
            if node not in children:
                raise MethodError(f"[weight.ahp] {node}: no such node with components in the framework; got node "
                                  f"{node!r}, nodes {sorted(children)[:20]}. Use a node id of the framework.")
            kids = list(children[node])
            shape = np.shape(A)
            if shape != (len(kids), len(kids)):
                raise MethodError(f"[weight.ahp] {node}: the matrix must be {len(kids)}×{len(kids)} (components {kids}); "
                                  f"got shape {shape}. Give one row and one column per component.")
        out[node] = ahp_weights(A, max_cr=max_cr, allow_inconsistent=allow_inconsistent, node=node, children=kids)
    return out


def combine_linear(a: np.ndarray, b: np.ndarray, *, alpha: float = 0.5) -> np.ndarray:
    """``w = α a + (1 − α) b``."""
    return _normalise_vector(alpha * np.asarray(a) + (1 - alpha) * np.asarray(b), "combine_linear")


def combine_multiplicative(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """乘法合成: ``w_j = a_j b_j / Σ a_k b_k``."""
    return _normalise_vector(np.asarray(a) * np.asarray(b), "combine_multiplicative")


def combine_mdi(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minimum discrimination information (最小相对信息熵): ``w_j = sqrt(a_j b_j) / Σ sqrt(a_k b_k)``."""
    return _normalise_vector(np.sqrt(np.asarray(a) * np.asarray(b)), "combine_mdi")


def combine_game(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """Game-theoretic combination (博弈论组合赋权), methods-reference §2.5.

    Solve ``Σ_k α_k (u_l · u_k) = u_l · u_l`` for α, normalise ``α*_k = |α_k| / Σ |α_h|``,
    ``w = Σ α*_k u_k``.
    """
    U = np.vstack([np.asarray(v, dtype=float) for v in vectors])
    G = U @ U.T
    rhs = np.diag(G).copy()
    try:
        alpha = np.linalg.solve(G, rhs)
    except np.linalg.LinAlgError:
        raise MethodError("combine_game: the weight vectors are linearly dependent (e.g. identical); combine distinct vectors.") from None
    a = np.abs(alpha) / np.abs(alpha).sum()
    return _normalise_vector(a @ U, "combine_game")


def objective_weights(block: np.ndarray, method: str, params: dict | None = None, *,
                      names: Sequence[str] | None = None) -> np.ndarray:
    """Dispatch an objective method on one block (rows × m); ``names`` (indicator ids) are named in errors."""
    p = dict(params or {})
    if method == "equal":
        return equal_weights(block.shape[1])
    if method == "entropy":
        return entropy_weights(block, k=p.get("k", "ln_n"), zeros=p.get("zeros", "keep"), shift=p.get("shift", 0.0001),
                               names=names)
    if method == "critic":
        return critic_weights(block, ddof=p.get("ddof", 1), correlation=p.get("correlation", "signed"),
                              contrast=p.get("contrast", "sd"))
    if method == "cv":
        return cv_weights(block, ddof=p.get("ddof", 1))
    if method == "pca":
        return pca_weights(block, retain=p.get("retain", "kaiser"), variance=p.get("variance", 0.85))
    raise MethodError(f"objective_weights: {method!r} is not an objective weighting method; got it for a block. Use equal, entropy, critic, cv or pca.")


def warn_zero_weights(names: Sequence[str], w: np.ndarray, where: str) -> None:
    zero = [names[j] for j in np.where(w == 0)[0]]
    if zero:
        warnings.warn(f"{where}: indicators {zero} get weight 0 (no dispersion).", MethodWarning, stacklevel=3)
