"""Model specification and the regression frame (panel of unit-years × variables).

A regression in :mod:`nqpf.explain` is written in terms of *variables* of a wide
panel frame (one row per unit-year). :func:`regression_frame` builds that frame
from an :class:`~nqpf.index.result.IndexResult` (every node score as a column, raw
indicators as ``raw:<id>``, normalised indicators as ``norm:<id>``, unit groups such
as ``region4``), from a long panel (``unit, year, indicator, value``) or from a
wide table, and merges user columns.

Each regressor is a *term*: a column name or a transformation written in a small,
safe grammar (no ``eval``)::

    name                   a column (node id, 'driver:数据', 'raw:gdp', user column)
    log(term)  ln(term)    natural logarithm (values must be > 0)
    log1p(term)            log(1 + x) (values must be > -1)
    sq(term)               square
    std(term)              z-score over the estimation frame
    lag(term[, k])         value of the same unit in year t - k (k = 1 by default)
    diff(term)             x_t - x_{t-1} of the same unit
    inter(term, term)      product (interaction); the main effects are not added

A :class:`ModelSpec` states one model (dependent variable, key regressors,
controls, interactions, estimator, fixed effects, clustering and sample) and is
what the run config's ``[[explain.models]]`` tables hold.
"""
from __future__ import annotations

import re
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .._errors import ConfigError, DataError

__all__ = [
    "Estimator",
    "FixedEffects",
    "ClusterBy",
    "SmallSample",
    "ModelSpec",
    "make_spec",
    "regression_frame",
    "evaluate_term",
    "design_matrix",
    "parse_term",
]

#: estimators of :func:`nqpf.explain.fit_panel`
Estimator = Literal["fe", "re", "pooled"]
#: fixed effects absorbed by the ``fe`` estimator
FixedEffects = Literal["twoway", "unit", "year", "none"]
#: cluster-robust standard errors by unit, by unit and year (two-way), or heteroskedasticity-robust only
ClusterBy = Literal["unit", "twoway", "year", "none"]
#: small-sample correction of the cluster-robust covariance (see :func:`nqpf.explain.fit_panel`)
SmallSample = Literal["stata", "full", "none"]

_FUNCS = {"log": 1, "ln": 1, "log1p": 1, "sq": 1, "std": 1, "lag": (1, 2), "diff": 1, "inter": 2}
_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$", re.S)


class ModelSpec(BaseModel):
    """One panel regression, as stated in the run config or in Python.

    Parameters
    ----------
    name : column title of the model in tables (default ``"(1)"``).
    y : dependent variable (a term: a node score such as ``"NQPF"``, ``"raw:gdp"``, a user or derived
        column such as ``"real_gdp_growth"``, ``"log(x)"``). It must not be built from the regressors'
        indicators (the explain stage refuses ``NQPF`` on ``driver:数据``; see ``allow_overlap``).
    x : key regressors (terms), e.g. ``["lag(NQPF)"]`` or the lagged AI-driver sub-indices
        ``["lag(driver:数据)", "lag(driver:算法)"]``.
    controls : control variables (terms).
    interactions : pairs ``[a, b]`` adding the term ``inter(a, b)``.
    estimator : ``"fe"`` (within, absorbed fixed effects), ``"re"`` (random effects, GLS) or ``"pooled"``.
    fe : fixed effects of the ``fe`` estimator: ``"twoway"`` (unit and year), ``"unit"``, ``"year"``, ``"none"``.
        ``re`` and ``pooled`` add year dummies when ``fe`` is ``"twoway"`` or ``"year"``.
    cluster : cluster-robust standard errors by ``"unit"``, ``"twoway"`` (unit and year), ``"year"``,
        or ``"none"`` (heteroskedasticity-robust HC1).
    ssc : small-sample correction (``"stata"``, ``"full"`` or ``"none"``).
    years : optional inclusive ``[first, last]`` year window.
    drop_units : unit codes excluded from the sample (e.g. the four municipalities).
    allow_overlap : run the model even when a regressor and the dependent variable are built from
        the same index indicators (see :func:`nqpf.explain.overlap.check_overlap`); the explain
        stage then records a warning in its notes. Default ``False``: such a model is refused.

    Examples
    --------
    >>> spec = ModelSpec(y="real_gdp_growth", x=["lag(NQPF)"], controls=["log(population)"])
    >>> spec.terms()
    ['lag(NQPF)', 'log(population)']
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "(1)"
    y: str
    x: list[str] = Field(min_length=1)
    controls: list[str] = Field(default_factory=list)
    interactions: list[tuple[str, str]] = Field(default_factory=list)
    estimator: Estimator = "fe"
    fe: FixedEffects = "twoway"
    cluster: ClusterBy = "unit"
    ssc: SmallSample = "stata"
    years: tuple[int, int] | None = None
    drop_units: list[str] = Field(default_factory=list)
    allow_overlap: bool = False

    @field_validator("y", "x", "controls")
    @classmethod
    def _parsable(cls, v: Any) -> Any:
        for term in [v] if isinstance(v, str) else v:
            parse_term(term)
        return v

    def key_terms(self) -> list[str]:
        """Key regressors followed by the interaction terms."""
        return list(self.x) + [f"inter({a}, {b})" for a, b in self.interactions]

    def terms(self) -> list[str]:
        """Every right-hand-side term: key regressors, interactions, controls (no duplicates)."""
        out: list[str] = []
        for t in self.key_terms() + list(self.controls):
            if t not in out:
                out.append(t)
        return out

    def variables(self) -> list[str]:
        """Column names the model reads from the frame (inside every term)."""
        out: list[str] = []
        for t in [self.y] + self.terms():
            for name in _names(parse_term(t)):
                if name not in out:
                    out.append(name)
        return out


def make_spec(**fields: Any) -> ModelSpec:
    """Build a :class:`ModelSpec`, turning pydantic validation errors into :class:`~nqpf.ConfigError`.

    Examples
    --------
    >>> make_spec(y="real_gdp_growth", x=["lag(NQPF)"]).fe
    'twoway'
    """
    from pydantic import ValidationError

    try:
        return ModelSpec(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, ConfigError):
            raise inner from None
        from .._config import format_validation_error

        raise ConfigError(format_validation_error(exc, where="ModelSpec", limit=1,
                                                  fix="See docs/explain.md for the model keys.")) from None


# ----------------------------------------------------------------------------- term grammar


def _split_args(s: str) -> list[str]:
    args, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    args.append("".join(cur).strip())
    return args


def parse_term(term: str) -> tuple:
    """Parse a term into a tree ``("col", name)`` or ``(func, arg, ...)``.

    Examples
    --------
    >>> parse_term("lag(log(raw:gdp), 2)")
    ('lag', ('log', ('col', 'raw:gdp')), 2)
    """
    if not isinstance(term, str) or not term.strip():
        raise ConfigError(f"Model term: a term must be a non-empty string; got {term!r}. Name a column such as 'NQPF'.")
    m = _CALL.match(term)
    if m is None:
        return ("col", term.strip())
    if m.group(1) not in _FUNCS:
        raise ConfigError(
            f"Model term {term!r}: unknown function {m.group(1)!r}; got {term!r}. "
            f"Use one of {', '.join(sorted(_FUNCS))} or a plain column name."
        )
    fn, inner = m.group(1), m.group(2)
    args = _split_args(inner)
    arity = _FUNCS[fn]
    allowed = arity if isinstance(arity, tuple) else (arity,)
    if len(args) not in allowed or any(a == "" for a in args):
        raise ConfigError(
            f"Model term {term!r}: {fn}() takes {' or '.join(map(str, allowed))} argument(s); got {len(args)}. "
            f"Write e.g. {fn}(x{', 1' if fn == 'lag' else ''}{', z' if fn == 'inter' else ''})."
        )
    if fn == "lag":
        k = 1
        if len(args) == 2:
            try:
                k = int(args[1])
            except ValueError:
                raise ConfigError(
                    f"Model term {term!r}: the lag order must be a positive integer; got {args[1]!r}. Write lag(x, 2)."
                ) from None
            if k < 1:
                raise ConfigError(
                    f"Model term {term!r}: the lag order must be a positive integer"
                    f"; got {k}. Write lag(x, 1)."
                )
        return ("lag", parse_term(args[0]), k)
    return (fn,) + tuple(parse_term(a) for a in args)


def _names(tree: tuple) -> list[str]:
    if tree[0] == "col":
        return [tree[1]]
    out: list[str] = []
    for a in tree[1:]:
        if isinstance(a, tuple):
            out += _names(a)
    return out


def _lag(frame: pd.DataFrame, values: pd.Series, k: int) -> pd.Series:
    """Value of the same unit in year t - k (NaN when that year is absent)."""
    src = pd.DataFrame({"unit": frame["unit"].to_numpy(), "year": frame["year"].to_numpy() + k, "v": values.to_numpy()})
    key = pd.MultiIndex.from_frame(frame[["unit", "year"]])
    lagged = src.set_index(["unit", "year"])["v"].reindex(key)
    return pd.Series(lagged.to_numpy(), index=frame.index)


def _eval(tree: tuple, frame: pd.DataFrame, term: str) -> pd.Series:
    fn = tree[0]
    if fn == "col":
        name = tree[1]
        if name not in frame.columns:
            near = [c for c in map(str, frame.columns) if name.lower() in c.lower() or c.lower() in name.lower()][:5]
            hint = f" Close names: {near}." if near else ""
            raise DataError(
                f"Model term {term!r}: column {name!r} is not in the regression frame; got {len(frame.columns)} columns."
                f"{hint} Use a node id, 'raw:<indicator>', 'norm:<indicator>' or a column passed in extra=."
            )
        s = pd.to_numeric(frame[name], errors="coerce").astype(float)
        return s
    if fn == "lag":
        return _lag(frame, _eval(tree[1], frame, term), tree[2])
    if fn == "diff":
        v = _eval(tree[1], frame, term)
        return v - _lag(frame, v, 1)
    if fn == "inter":
        return _eval(tree[1], frame, term) * _eval(tree[2], frame, term)
    v = _eval(tree[1], frame, term)
    if fn in ("log", "ln"):
        bad = int((v <= 0).sum())
        if bad:
            raise DataError(
                f"Model term {term!r}: the logarithm needs values > 0; got {bad} values <= 0. "
                "Use log1p(x) for shares with zeros, or a shifted column."
            )
        return np.log(v)
    if fn == "log1p":
        bad = int((v <= -1).sum())
        if bad:
            raise DataError(
                f"Model term {term!r}: log1p needs values > -1"
                f"; got {bad} values <= -1. Use another transform."
            )
        return np.log1p(v)
    if fn == "sq":
        return v * v
    if fn == "std":
        sd = v.std(ddof=1)
        if not np.isfinite(sd) or sd == 0:
            raise DataError(
                f"Model term {term!r}: cannot standardise a constant variable"
                f"; got standard deviation {sd}. Drop the term."
            )
        return (v - v.mean()) / sd
    raise ConfigError(
        f"Model term {term!r}: unknown function {fn!r}"
        f"; got {fn!r}. Use one of {', '.join(sorted(_FUNCS))}."
    )


def evaluate_term(frame: pd.DataFrame, term: str) -> pd.Series:
    """Evaluate one term on a regression frame (needs columns ``unit`` and ``year``).

    A column whose name equals the whole term is used as is (so a design returned by
    :func:`design_matrix` can be fitted again).

    Examples
    --------
    >>> f = pd.DataFrame({"unit": ["a", "a", "b"], "year": [2020, 2021, 2021], "x": [1.0, 2.0, 4.0]})
    >>> evaluate_term(f, "lag(x)").tolist()
    [nan, 1.0, nan]
    """
    if term in frame.columns:  # a column named like the term (e.g. a pre-evaluated design) wins
        return pd.to_numeric(frame[term], errors="coerce").astype(float).rename(term)
    return _eval(parse_term(term), frame, term).rename(term)


# ----------------------------------------------------------------------------- frame


def _is_index_result(obj: Any) -> bool:
    return hasattr(obj, "scores") and isinstance(getattr(obj, "scores"), pd.DataFrame)


def _pivot_long(long: pd.DataFrame, *, key: str, value: str, prefix: str, where: str) -> pd.DataFrame:
    need = {"unit", "year", key, value}
    missing = sorted(need - set(long.columns))
    if missing:
        raise DataError(
            f"{where}: missing columns {missing}; got {list(long.columns)}. "
            f"Pass a long table unit, year, {key}, {value}."
        )
    dup = long.duplicated(["unit", "year", key])
    if dup.any():
        ex = long.loc[dup, ["unit", "year", key]].head(3).to_dict("records")
        raise DataError(
            f"{where}: duplicate (unit, year, {key}) rows"
            f"; got {int(dup.sum())}, e.g. {ex}. Keep one row per key."
        )
    wide = long.pivot(index=["unit", "year"], columns=key, values=value)
    wide.columns = [f"{prefix}{c}" for c in wide.columns]
    return wide


def regression_frame(data: Any, *, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Build the wide regression frame (one row per unit-year) from an index result or a panel.

    Parameters
    ----------
    data
        * an :class:`~nqpf.index.result.IndexResult` (any object with a ``scores`` long table
          ``unit, year, node, score``; optional ``raw`` and ``normalised`` long tables
          ``unit, year, indicator, value`` and a ``units`` table with group columns);
        * a long panel ``unit, year, indicator, value`` (one column per indicator);
        * a wide table with ``unit`` and ``year`` columns (used as is).
    extra
        user columns merged on ``unit, year`` (or on ``unit`` alone when it has no ``year``
        column, e.g. time-invariant groups).

    Returns
    -------
    DataFrame with ``unit`` (str), ``year`` (int) and one column per variable: node scores
    under the node id (``NQPF``, ``driver:数据`` …), raw indicators as ``raw:<id>``,
    normalised indicators as ``norm:<id>``, unit group columns (``unit_name``, ``region4`` …)
    and the ``extra`` columns. Sorted by unit and year.

    Examples
    --------
    >>> long = pd.DataFrame({"unit": ["a", "a", "b", "b"], "year": [2020, 2021] * 2,
    ...                      "indicator": "gdp", "value": [1.0, 2.0, 3.0, 4.0]})
    >>> regression_frame(long).columns.tolist()
    ['unit', 'year', 'gdp']
    """
    where = "regression_frame"
    if _is_index_result(data):
        parts = [_pivot_long(data.scores.rename(columns={"score": "value"}), key="node", value="value", prefix="", where=f"{where}: scores")]
        for attr, prefix in (("raw", "raw:"), ("normalised", "norm:")):
            tab = getattr(data, attr, None)
            if isinstance(tab, pd.DataFrame) and len(tab):
                parts.append(_pivot_long(tab, key="indicator", value="value", prefix=prefix, where=f"{where}: {attr}"))
        frame = pd.concat(parts, axis=1).reset_index()
        units = getattr(data, "units", None)
        if isinstance(units, pd.DataFrame) and "unit" in units.columns:
            u = units.copy()
            u["unit"] = u["unit"].astype(str)
            frame["unit"] = frame["unit"].astype(str)
            frame = frame.merge(u.drop_duplicates("unit"), on="unit", how="left")
    elif isinstance(data, pd.DataFrame):
        if {"indicator", "value"} <= set(data.columns) and {"unit", "year"} <= set(data.columns):
            wide = _pivot_long(data, key="indicator", value="value", prefix="", where=where)
            frame = wide.reset_index()
            others = [c for c in data.columns if c not in ("unit", "year", "indicator", "value")]
            if others:
                groups = data[["unit", "year"] + others].drop_duplicates(["unit", "year"])
                frame = frame.merge(groups, on=["unit", "year"], how="left")
        elif {"unit", "year"} <= set(data.columns):
            frame = data.copy()
        else:
            raise DataError(
                f"{where}: the data need columns 'unit' and 'year'; got {list(data.columns)[:10]}. "
                "Pass an IndexResult, a long panel (unit, year, indicator, value) or a wide table with unit and year."
            )
    else:
        raise DataError(
            f"{where}: cannot build a regression frame from this object; got {type(data).__name__}. "
            "Pass an IndexResult or a pandas DataFrame."
        )
    frame = frame.copy()
    frame["unit"] = frame["unit"].astype(str)
    try:
        frame["year"] = pd.to_numeric(frame["year"], errors="raise").astype(int)
    except (ValueError, TypeError):
        raise DataError(
            f"{where}: column 'year' must hold integers"
            f"; got {frame['year'].head(3).tolist()}. Convert years to int."
        ) from None
    dup = frame.duplicated(["unit", "year"])
    if dup.any():
        ex = frame.loc[dup, ["unit", "year"]].head(3).to_dict("records")
        raise DataError(
            f"{where}: duplicate (unit, year) rows"
            f"; got {int(dup.sum())}, e.g. {ex}. Keep one row per unit-year."
        )
    if extra is not None:
        if not isinstance(extra, pd.DataFrame) or "unit" not in extra.columns:
            raise DataError(
                f"{where}: extra must be a DataFrame with a 'unit' column"
                f"; got {type(extra).__name__}. Add the unit codes."
            )
        ex = extra.copy()
        ex["unit"] = ex["unit"].astype(str)
        on = ["unit", "year"] if "year" in ex.columns else ["unit"]
        if "year" in ex.columns:
            ex["year"] = pd.to_numeric(ex["year"]).astype(int)
        clash = sorted(set(ex.columns) - set(on) & set(frame.columns))
        if clash:
            raise DataError(f"{where}: extra columns already in the frame; got {clash}. Rename them before merging.")
        if ex.duplicated(on).any():
            raise DataError(
                f"{where}: extra has duplicate {tuple(on)} keys"
                f"; got {int(ex.duplicated(on).sum())}. Keep one row per key."
            )
        frame = frame.merge(ex, on=on, how="left")
    return frame.sort_values(["unit", "year"], kind="mergesort").reset_index(drop=True)


def design_matrix(
    frame: pd.DataFrame,
    *,
    y: str,
    terms: list[str],
    years: tuple[int, int] | None = None,
    drop_units: list[str] | tuple[str, ...] = (),
    keep: list[str] | tuple[str, ...] = (),
) -> tuple[pd.DataFrame, int]:
    """Evaluate ``y`` and ``terms`` and return the complete-case estimation frame.

    Lags are taken on the full frame before the sample restrictions, so the first
    sample year keeps its lagged values when earlier years are in the frame.

    Returns
    -------
    (design, n_dropped): ``design`` has ``unit, year``, the ``keep`` columns, ``y`` and
    one column per term (named by the term); ``n_dropped`` counts the unit-years of the
    sample window dropped for a missing value.

    Examples
    --------
    >>> f = pd.DataFrame({"unit": ["a"] * 3, "year": [2020, 2021, 2022], "y": [1.0, 2, 3], "x": [1.0, 2, 4]})
    >>> d, dropped = design_matrix(f, y="y", terms=["lag(log(x))"])
    >>> d.columns.tolist(), dropped
    (['unit', 'year', 'y', 'lag(log(x))'], 1)
    """
    frame = regression_frame(frame) if not {"unit", "year"} <= set(frame.columns) else frame
    frame = frame.sort_values(["unit", "year"], kind="mergesort").reset_index(drop=True)
    cols = {"unit": frame["unit"].astype(str), "year": frame["year"].astype(int)}
    for k in keep:
        if k not in frame.columns:
            raise DataError(
                f"design_matrix: column {k!r} is not in the frame"
                f"; got {list(frame.columns)[:10]}. Add it with extra=."
            )
        cols[k] = frame[k]
    out = pd.DataFrame(cols)
    for t in [y] + [t for t in terms if t != y]:
        out[t] = evaluate_term(frame, t).to_numpy()
    mask = pd.Series(True, index=out.index)
    if years is not None:
        mask &= out["year"].between(int(years[0]), int(years[1]))
    if drop_units:
        mask &= ~out["unit"].isin([str(u) for u in drop_units])
    out = out[mask]
    num = out[[y] + list(terms)].to_numpy(dtype=float)
    ok = np.isfinite(num).all(axis=1)
    return out[ok].reset_index(drop=True), int((~ok).sum())
