"""Batched DEA linear programmes: many small LPs solved as stacked block-diagonal LPs.

Every DEA model of :mod:`nqpf.gtfp` evaluates many decision-making units (DMUs) against a
reference set (the frontier). For DMU *o* the LP has the same shape for every *o*::

    min   c_o · z
    s.t.  diag(r_o) A[:, C_o] λ_C + E_o z  (= or ≤)  b_o          (R rows)
          λ ≥ 0,  lo_o ≤ z ≤ hi_o

where ``A`` (R × n_ref) holds the frontier data (one column per reference DMU, zero rows for
normalisation constraints), ``r_o`` is a per-DMU row scaling (usually 1 / the DMU's own value,
which makes the LP invariant to units of measurement), ``z`` are the few model-specific
variables (θ, β, t, slacks) and ``λ`` has cost 0 in every model.

Speed comes from two exact devices:

* **Stacking.** Blocks of DMUs are put into one sparse block-diagonal LP and solved by one
  call of :func:`scipy.optimize.linprog` (HiGHS dual simplex); the per-call overhead of SciPy
  is paid once per chunk instead of once per DMU.
* **Column generation (restricted master).** Each block starts with a small candidate set
  ``C_o`` of reference columns (ratio leaders, hints, the DMU itself). After a solve the
  reduced cost of *every* reference column is priced from the row duals,
  ``d_j = −(y_o ∘ r_o) · A[:, j]``; columns with ``d_j < −tol`` are added and the block is
  re-solved. When no column prices out the restricted solution is optimal for the full LP
  (LP duality), so results equal the one-LP-at-a-time solution up to solver tolerance.

Infeasible blocks make a stacked LP infeasible as a whole; they are identified exactly with a
phase-1 LP (artificial variables, also column-generated) and reported per DMU. Unbounded or
numerically failing stacks are split in halves until the failing DMU is isolated.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

__all__ = ["BlockLP", "BlockSolution", "solve_blocks", "STATUS_NAMES"]

#: per-DMU LP status codes → names used in result tables
STATUS_NAMES = {0: "optimal", 2: "infeasible", 3: "unbounded", 4: "numerical"}

_RC_TOL = 1e-9          # reduced-cost tolerance of the pricing step (rows are scaled to ~1)
_PHASE1_TOL = 1e-8      # phase-1 optimum above this → the DMU's LP is infeasible
_TARGET_NNZ = 200_000   # non-zeros per stacked LP
_ADD_PER_ROUND = 6      # columns added per block per pricing round
_MAX_ROUNDS = 200
_POOL_SIZE = 30         # most-used columns of earlier blocks added to each new block
_FIRST_CHUNK = 24       # a small first stack teaches the pool the frontier's active columns


@dataclass(frozen=True)
class BlockLP:
    """Data of a batch of same-shaped DEA LPs (see module docstring).

    Attributes
    ----------
    A : ndarray (R, n_ref) — reference data per row (λ coefficients before row scaling).
    row_scale : ndarray (n, R) — per-block row scaling r_o (sign included).
    eq : ndarray (R,) of bool — True for equality rows, False for ``≤`` rows.
    E : ndarray (n, R, k) — coefficients of the model variables z.
    b : ndarray (n, R) — right-hand sides.
    c : ndarray (n, k) — costs of z (λ costs are 0).
    lo, hi : ndarray (n, k) — bounds of z (±inf allowed).
    exclude : ndarray (n,) of int — reference column barred for each block (−1 = none).
    hint : ndarray of int — candidate reference columns (e.g. units efficient in earlier runs).
    own : ndarray (n,) of int — the evaluated point's own column in the reference set (−1 = none);
        it starts in the block's column set, which makes own-frontier LPs feasible from the start.
    """

    A: np.ndarray
    row_scale: np.ndarray
    eq: np.ndarray
    E: np.ndarray
    b: np.ndarray
    c: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    exclude: np.ndarray
    hint: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    own: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.b.shape[0]


@dataclass(frozen=True)
class BlockSolution:
    """Solutions of a :class:`BlockLP`.

    Attributes
    ----------
    status : ndarray (n,) int — 0 optimal, 2 infeasible, 3 unbounded, 4 numerical.
    objective : ndarray (n,) — optimal objective (NaN unless optimal).
    z : ndarray (n, k) — model variables (NaN unless optimal).
    lam : list of (cols, values) per block — the non-zero λ of the optimum.
    n_lp : int — number of stacked LPs solved (diagnostics).
    """

    status: np.ndarray
    objective: np.ndarray
    z: np.ndarray
    lam: list
    n_lp: int

    def lam_dense(self, n_ref: int) -> np.ndarray:
        """λ as a dense (n, n_ref) array (zeros for non-optimal blocks)."""
        out = np.zeros((len(self.lam), n_ref))
        for i, (cols, vals) in enumerate(self.lam):
            out[i, cols] = vals
        return out


def _initial_columns(A: np.ndarray, hint: np.ndarray) -> np.ndarray:
    """Seed columns: the hint plus the leader of every row (max and min of each row)."""
    seeds = [np.asarray(hint, dtype=int)]
    nz = np.any(A != 0, axis=1)
    if A.shape[1]:
        seeds.append(np.argmax(A[nz], axis=1))
        seeds.append(np.argmin(A[nz], axis=1))
        # ratio leaders: best ratio of each row to each other row (productivity leaders)
        pos = A[nz]
        k = pos.shape[0]
        if k > 1 and np.all(pos >= 0):
            with np.errstate(divide="ignore", invalid="ignore"):
                for i in range(k):
                    for j in range(k):
                        if i != j:
                            ratio = np.where(pos[j] > 0, pos[i] / pos[j], -np.inf)
                            seeds.append(np.array([int(np.argmax(ratio))]))
    return np.unique(np.concatenate(seeds)) if seeds else np.zeros(0, dtype=int)


class _Chunk:
    """One stacked LP over a subset of blocks with their current column sets."""

    def __init__(self, lp: BlockLP, blocks: np.ndarray, cols: list[np.ndarray], phase1: bool):
        self.lp, self.blocks, self.cols, self.phase1 = lp, blocks, cols, phase1

    def solve(self):
        lp, blocks, cols = self.lp, self.blocks, self.cols
        R = lp.A.shape[0]
        k = lp.E.shape[2]
        nb = len(blocks)
        ncols = np.array([len(c) for c in cols], dtype=int)
        n_eq = int(lp.eq.sum())
        n_ub = R - n_eq
        # artificial variables in phase 1: two per equality row, one per ≤ row
        n_art = (2 * n_eq + n_ub) if self.phase1 else 0
        nvar_b = ncols + k + n_art
        off = np.concatenate([[0], np.cumsum(nvar_b)])
        nvar = int(off[-1])
        # λ entries
        blk_of_col = np.repeat(np.arange(nb), ncols)
        cidx = np.concatenate(cols) if nb else np.zeros(0, dtype=int)
        starts = np.concatenate([[0], np.cumsum(ncols)[:-1]]) if nb else np.zeros(0, dtype=int)
        lam_var = off[blk_of_col] + np.arange(len(cidx)) - np.repeat(starts, ncols)
        vals = lp.row_scale[blocks][blk_of_col] * lp.A[:, cidx].T  # (ncol_total, R)
        rr, cc = np.nonzero(vals)
        rows_l = blk_of_col[rr] * R + cc
        cols_l = lam_var[rr]
        v_l = vals[rr, cc]
        # z entries
        Eb = lp.E[blocks]  # (nb, R, k)
        bb, r2, l2 = np.nonzero(Eb)
        rows_z = bb * R + r2
        cols_z = off[bb] + ncols[bb] + l2
        v_z = Eb[bb, r2, l2]
        parts_r, parts_c, parts_v = [rows_l, rows_z], [cols_l, cols_z], [v_l, v_z]
        cost = np.zeros(nvar)
        if self.phase1:
            eq_rows = np.flatnonzero(lp.eq)
            ub_rows = np.flatnonzero(~lp.eq)
            art_row = np.concatenate([eq_rows, eq_rows, ub_rows])
            art_sign = np.concatenate([np.ones(n_eq), -np.ones(n_eq), -np.ones(n_ub)])
            base = off[:-1] + ncols + k
            ab = np.repeat(np.arange(nb), n_art)
            aj = np.tile(np.arange(n_art), nb)
            parts_r.append(ab * R + art_row[aj])
            parts_c.append(base[ab] + aj)
            parts_v.append(art_sign[aj])
            cost[base[ab] + aj] = 1.0
        else:
            zc = off[:-1, None] + ncols[:, None] + np.arange(k)[None, :]
            cost[zc.ravel()] = lp.c[blocks].ravel()
        M = sp.csr_matrix(
            (np.concatenate(parts_v), (np.concatenate(parts_r), np.concatenate(parts_c))),
            shape=(nb * R, nvar),
        )
        rhs = lp.b[blocks].ravel()
        eq_all = np.tile(lp.eq, nb)
        bounds = np.zeros((nvar, 2))
        bounds[:, 1] = np.inf
        zc = off[:-1, None] + ncols[:, None] + np.arange(k)[None, :]
        bounds[zc.ravel(), 0] = lp.lo[blocks].ravel()
        bounds[zc.ravel(), 1] = lp.hi[blocks].ravel()
        A_eq = M[eq_all] if eq_all.any() else None
        A_ub = M[~eq_all] if (~eq_all).any() else None
        res = linprog(
            cost,
            A_ub=A_ub,
            b_ub=rhs[~eq_all] if A_ub is not None else None,
            A_eq=A_eq,
            b_eq=rhs[eq_all] if A_eq is not None else None,
            bounds=bounds,
            method="highs-ds",
            options={"presolve": False},
        )
        self.res = res
        self.off, self.ncols, self.k, self.R, self.eq_all = off, ncols, k, R, eq_all
        self.n_art = n_art
        return res

    def row_duals(self) -> np.ndarray:
        """Duals per block and row, shape (nb, R)."""
        y = np.zeros(len(self.eq_all))
        if self.eq_all.any():
            y[self.eq_all] = self.res.eqlin.marginals
        if (~self.eq_all).any():
            y[~self.eq_all] = self.res.ineqlin.marginals
        return y.reshape(len(self.blocks), self.R)

    def block_values(self):
        x = self.res.x
        z = np.empty((len(self.blocks), self.k))
        lam = []
        obj = np.empty(len(self.blocks))
        for i in range(len(self.blocks)):
            o = self.off[i]
            nc = self.ncols[i]
            lv = x[o : o + nc]
            keep = lv > 0
            lam.append((self.cols[i][keep], lv[keep]))
            z[i] = x[o + nc : o + nc + self.k]
            if self.phase1:
                obj[i] = x[o + nc + self.k : o + nc + self.k + self.n_art].sum()
            else:
                obj[i] = self.lp.c[self.blocks[i]] @ z[i]
        return obj, z, lam


class _Solver:
    def __init__(self, lp: BlockLP):
        self.lp = lp
        n = lp.n
        k = lp.E.shape[2]
        self.status = np.full(n, -1, dtype=int)
        self.objective = np.full(n, np.nan)
        self.z = np.full((n, k), np.nan)
        self.lam: list = [(np.zeros(0, dtype=int), np.zeros(0))] * n
        self.n_lp = 0
        self.seed = _initial_columns(lp.A, np.zeros(0, dtype=int))
        self.pool: dict[int, float] = {int(j): 0.0 for j in np.asarray(lp.hint, dtype=int)}
        self._base: np.ndarray | None = None
        n_ref = lp.A.shape[1]
        self.valid = np.ones(n_ref, dtype=bool)

    def _start_cols(self, o: int) -> np.ndarray:
        if self._base is None:
            pool = sorted(self.pool, key=self.pool.get, reverse=True)[:_POOL_SIZE]
            self._base = np.unique(np.concatenate([self.seed, np.asarray(pool, dtype=int)]))
        cols = self._base
        if self.lp.own is not None and self.lp.own[o] >= 0:
            cols = np.union1d(cols, [self.lp.own[o]])
        ex = self.lp.exclude[o]
        if ex >= 0:
            cols = cols[cols != ex]
        return cols

    def _price(self, chunk: _Chunk) -> list[np.ndarray]:
        """Columns with negative reduced cost, per block of ``chunk`` (at most ``_ADD_PER_ROUND`` each)."""
        lp = self.lp
        nb = len(chunk.blocks)
        y = chunk.row_duals() * lp.row_scale[chunk.blocks]
        rc = -(y @ lp.A)  # (nb, n_ref): reduced costs d_j = −(y ∘ r) · a_j
        ncols = np.array([len(c) for c in chunk.cols], dtype=int)
        rc[np.repeat(np.arange(nb), ncols), np.concatenate(chunk.cols)] = np.inf
        ex = lp.exclude[chunk.blocks]
        has = ex >= 0
        rc[np.flatnonzero(has), ex[has]] = np.inf
        k = min(_ADD_PER_ROUND, rc.shape[1])
        if k == 0:
            return [np.zeros(0, dtype=int)] * nb
        cand = np.argpartition(rc, k - 1, axis=1)[:, :k] if k < rc.shape[1] else np.tile(np.arange(rc.shape[1]), (nb, 1))
        vals = np.take_along_axis(rc, cand, axis=1)
        return [cand[i][vals[i] < -_RC_TOL] for i in range(nb)]

    def run(self, blocks: np.ndarray, cols: list[np.ndarray] | None = None, phase1: bool = False):
        """Column-generate blocks to optimality; return (status, obj, z, lam, cols) per block."""
        if cols is None:
            cols = [self._start_cols(o) for o in blocks]
        nb = len(blocks)
        obj = np.full(nb, np.nan)
        z = np.full((nb, self.lp.E.shape[2]), np.nan)
        lam: list = [None] * nb
        active = np.arange(nb)
        for _ in range(_MAX_ROUNDS):
            chunk = _Chunk(self.lp, blocks[active], [cols[i] for i in active], phase1)
            res = chunk.solve()
            self.n_lp += 1
            if res.status != 0:
                return res.status, active, cols, obj, z, lam
            o_, z_, l_ = chunk.block_values()
            obj[active], z[active] = o_, z_
            for a, i in enumerate(active):
                lam[i] = l_[a]
            add = self._price(chunk)
            still = []
            for a, i in enumerate(active):
                if len(add[a]):
                    cols[i] = np.union1d(cols[i], add[a])
                    still.append(i)
            if not still:
                return 0, active, cols, obj, z, lam
            active = np.asarray(still)
        return 4, active, cols, obj, z, lam

    def solve_group(self, blocks: np.ndarray):
        status, active, cols, obj, z, lam = self.run(blocks)
        if status == 0:
            self._store(blocks, obj, z, lam)
            return
        if status == 2:
            # phase 1: find the infeasible blocks exactly (column-generated as well)
            p_status, _, p_cols, p_obj, _, _ = self.run(blocks, cols=list(cols), phase1=True)
            if p_status != 0:
                self._split(blocks)
                return
            infeas = p_obj > _PHASE1_TOL
            self.status[blocks[infeas]] = 2
            feas = np.flatnonzero(~infeas)
            if len(feas) == 0:
                return
            status, _, _, obj, z, lam = self.run(blocks[feas], cols=[p_cols[i] for i in feas])
            if status == 0:
                self._store(blocks[feas], obj, z, lam)
            else:
                self._split(blocks[feas])
            return
        self._split(blocks, status)

    def _split(self, blocks: np.ndarray, status: int = 4):
        if len(blocks) == 1:
            self.status[blocks[0]] = status if status in (2, 3) else 4
            return
        half = len(blocks) // 2
        self.solve_group(blocks[:half])
        self.solve_group(blocks[half:])

    def _store(self, blocks, obj, z, lam):
        self._base = None  # the pool changes: recompute the start columns
        self.status[blocks] = 0
        self.objective[blocks] = obj
        self.z[blocks] = z
        for i, o in enumerate(blocks):
            self.lam[o] = lam[i]
            for j in lam[i][0]:
                self.pool[int(j)] = self.pool.get(int(j), 0.0) + 1.0


def solve_blocks(lp: BlockLP, *, chunk_blocks: int | None = None) -> BlockSolution:
    """Solve every block of ``lp`` exactly (stacked HiGHS LPs + column generation).

    Parameters
    ----------
    lp
        The batch (see :class:`BlockLP`).
    chunk_blocks
        Blocks per stacked LP; default from a non-zero budget (about 200,000 per LP, at most 600 blocks).

    Returns
    -------
    BlockSolution
        Per-block status, objective, model variables and non-zero λ.
    """
    n = lp.n
    solver = _Solver(lp)
    if n == 0:
        return BlockSolution(solver.status, solver.objective, solver.z, solver.lam, 0)
    R = lp.A.shape[0]
    per_block = max(1, (len(solver.seed) + _POOL_SIZE + 10) * R)
    size = chunk_blocks or int(np.clip(_TARGET_NNZ // per_block, 1, 600))
    order = np.arange(n)
    start = 0
    first = True
    while start < n:
        step = min(size, _FIRST_CHUNK) if first else size
        solver.solve_group(order[start : start + step])
        start += step
        first = False
    status = solver.status.copy()
    status[status < 0] = 4
    return BlockSolution(status, solver.objective, solver.z, list(solver.lam), solver.n_lp)
