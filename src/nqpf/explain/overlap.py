"""Refuse tautological models: a regressor built from the same indicators as the outcome.

A composite index is a weighted mean of its indicators. Regressing the index on one of its
own sub-indices (``NQPF`` on ``driver:数据``), on an indicator under it, or the other way
round, fits an accounting identity: R² is near 1 by construction and the coefficients are
(rescaled) aggregation weights, not effects. :func:`check_overlap` finds such pairs from the
framework tree and its groupings and raises a :class:`~nqpf.ConfigError`, unless the model
sets ``allow_overlap = true`` (then it returns a warning note for the output).

What a column is built from (:func:`column_indicators`):

* a node id (index, dimension, sub-dimension, indicator) → the indicators under it;
* ``raw:<id>`` / ``norm:<id>`` → that indicator;
* a grouping node ``<grouping>:<value>`` (``driver:数据``) → the indicators with that tag;
* a coupling subsystem id → the indicators under its nodes;
* a derived series of ``[explain] series`` whose derivation equals an indicator's
  (same operation and series, any scale; ``ratio``, ``share`` and ``per_capita`` are one
  operation) → that indicator;
* anything else (user columns, raw series outside the index, unit groups) → nothing.

A term counts every column inside it, so ``lag(NQPF)`` is built from the same indicators as
``NQPF`` (a lagged dependent variable also needs ``allow_overlap``).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from .._errors import ConfigError
from .spec import _names, parse_term

__all__ = ["column_indicators", "term_indicators", "find_overlap", "check_overlap", "OVERLAP_FIX"]

#: the fix named by every refusal
OVERLAP_FIX = ("Use an outcome not built from the regressors, e.g. green TFP or GDP growth on lagged NQPF, "
               "or set allow_overlap = true in that model to force it.")

_SHOW = 5  # shared indicator ids named in a message


#: derive operations that compute the same quantity (a / b)
_SAME_OP = {"per_capita": "ratio", "share": "ratio"}


def _same_derivation(a: Any, b: Any) -> bool:
    """Same quantity up to a scale: ``share(x, gdp) * 100`` equals ``ratio(x, gdp)``."""
    if a is None or b is None:
        return False
    return _SAME_OP.get(a.op, a.op) == _SAME_OP.get(b.op, b.op) and tuple(a.args) == tuple(b.args)


def column_indicators(framework: Any, column: str, *, series: Mapping[str, Any] | None = None) -> list[str]:
    """Indicator ids a frame column is built from (empty when it is not built from the index).

    ``series`` maps derived-series names to their parsed derivations
    (:func:`nqpf.framework.derive.parse_derivation`).

    Examples
    --------
    >>> from nqpf.framework.model import Framework, Grouping, Node
    >>> fw = Framework(id="f", nodes=(Node("I", "aggregate"), Node("a", "indicator", parent="I", driver="数据"),
    ...                               Node("b", "indicator", parent="I", driver="算力")),
    ...                groupings=(Grouping("driver", "driver"),))
    >>> column_indicators(fw, "I"), column_indicators(fw, "driver:数据"), column_indicators(fw, "raw:b")
    (['a', 'b'], ['a'], ['b'])
    >>> column_indicators(fw, "population")
    []
    """
    if framework is None:
        return []
    by_id = framework.by_id
    if column in by_id:
        return framework.leaves_under(column)
    for prefix in ("raw:", "norm:"):
        if column.startswith(prefix) and column[len(prefix):] in by_id:
            return framework.leaves_under(column[len(prefix):])
    if ":" in column:
        gid, value = column.split(":", 1)
        for g in framework.groupings:
            if g.id == gid:
                return list(framework.grouping_members(g).get(value, []))
    for s in getattr(framework, "subsystems", ()):
        if s.id == column:
            out: list[str] = []
            for n in s.nodes:
                out += [i for i in framework.leaves_under(n) if i not in out]
            return out
    if series and column in series:
        from ..framework.derive import parse_derivation

        d = series[column]
        out = []
        for ind in framework.indicators:
            node = by_id[ind]
            if _same_derivation(d, parse_derivation(node.derive, indicator=ind)):
                out.append(ind)
        return out
    return []


def term_indicators(framework: Any, term: str, *, series: Mapping[str, Any] | None = None) -> list[str]:
    """Indicator ids of every column inside a term (``lag(log(NQPF))`` → the indicators of NQPF)."""
    out: list[str] = []
    for name in _names(parse_term(term)):
        for i in column_indicators(framework, name, series=series):
            if i not in out:
                out.append(i)
    return out


def find_overlap(framework: Any, outcome: str, regressors: Iterable[str], *,
                 series: Mapping[str, Any] | None = None) -> list[tuple[str, list[str], str]]:
    """``[(regressor, shared indicator ids, relation)]`` for every regressor sharing indicators with ``outcome``.

    ``relation`` is ``"is built from the same indicators as"`` (equal sets, e.g. a lagged outcome),
    ``"is a component of"`` (the regressor's indicators are all in the outcome),
    ``"contains"`` (the outcome is a component of the regressor) or ``"shares indicators with"``.
    """
    y_ind = term_indicators(framework, outcome, series=series)
    if not y_ind:
        return []
    y_set = set(y_ind)
    out = []
    for reg in regressors:
        r_ind = term_indicators(framework, reg, series=series)
        shared = [i for i in r_ind if i in y_set]
        if not shared:
            continue
        if set(r_ind) == y_set:
            rel = "is built from the same indicators as"
        elif set(r_ind) <= y_set:
            rel = "is a component of"
        elif y_set <= set(r_ind):
            rel = "contains"
        else:
            rel = "shares indicators with"
        out.append((reg, shared, rel))
    return out


def check_overlap(framework: Any, *, where: str, name: str, outcome: str, regressors: Sequence[str],
                  allow: bool = False, series: Mapping[str, Any] | None = None) -> list[str]:
    """Refuse a model whose regressor and outcome are built from the same indicators.

    Parameters
    ----------
    framework : the :class:`~nqpf.framework.model.Framework` of the index (``result.framework``);
        ``None`` skips the check (no framework, nothing to compare).
    where : config section, e.g. ``"[explain.models]"``.
    name : model name.
    outcome : dependent variable (term) of this equation.
    regressors : every right-hand-side term of this equation (key regressors, controls, q …).
    allow : the model's ``allow_overlap``: return warning notes instead of raising.
    series : derived series of the ``[explain] series`` table (name → derivation).

    Returns
    -------
    list of warning notes (empty when nothing overlaps).

    Raises
    ------
    ConfigError
        one line naming the model, the outcome, the overlapping regressor, the shared
        indicator ids (first few) and the fix.

    Examples
    --------
    >>> from nqpf.framework.model import Framework, Node
    >>> fw = Framework(id="f", nodes=(Node("I", "aggregate"), Node("D", "aggregate", parent="I"),
    ...                               Node("a", "indicator", parent="D"), Node("b", "indicator", parent="I")))
    >>> check_overlap(fw, where="[explain.models]", name="(1)", outcome="I", regressors=["pop", "D"], allow=True)[0][:71]
    "[explain.models] '(1)': the regressor 'D' is a component of the outcome"
    >>> check_overlap(fw, where="[explain.models]", name="(1)", outcome="diff(log(gdp))", regressors=["lag(I)"])
    []
    """
    hits = find_overlap(framework, outcome, regressors, series=series)
    if not hits:
        return []
    reg, shared, rel = hits[0]
    ids = ", ".join(shared[:_SHOW]) + (f", … ({len(shared)} in all)" if len(shared) > _SHOW else "")
    others = [h[0] for h in hits[1:]]
    more = f" (also {', '.join(map(repr, others))})" if others else ""
    what = (f"{where} {name!r}: the regressor {reg!r} {rel} the outcome {outcome!r}{more}, so they are linked by construction "
            f"(an index regressed on its own components has R² near 1) and the coefficient is not an effect")
    if allow:
        return [f"{what}; shared indicators: {ids}. Forced by allow_overlap = true: do not read the coefficients as effects."]
    raise ConfigError(f"{what}; got shared indicators {ids}. {OVERLAP_FIX}")
