"""The targets of a path: the framework nodes a catalogue path is resolved to (keywords → sub-dimensions and
indicators, fit 3; driver / type tags → composites, fit 2; elements, fit 1) and their values in a year.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .catalogue import PathEntry
from .diagnosis import Diagnosis


_TAG_KIND = {"elements": "element", "drivers": "driver", "types": "type"}


@dataclass(frozen=True)
class _Target:
    id: str                       # scores column or synthetic "<tag kind>:<value>"
    kind: str                     # node | keyword | element | driver | type
    members: tuple[str, ...]      # indicators (for the synthetic mean and the obstacle sum)
    column: str | None            # scores column used directly (None → mean of members)
    fit: int = 2                  # 3 named node, 2 tag, 1 element


def _tag_targets(diag: Diagnosis, kind: str, value: str) -> _Target | None:
    key = (kind, value)
    cache = diag._target_cache
    if key in cache:
        return cache[key]
    idx = diag._tag_index
    cols = diag._columns
    members = tuple(idx["indicator"].get(key, ()))
    aggs = list(idx["aggregate"].get(key, ()))
    if not members:
        for a in aggs:
            members += tuple(diag.leaves_under(a))
    members = tuple(m for m in dict.fromkeys(members) if m in cols)
    col = None
    for gid, tag in diag.groupings.items():
        if tag == kind and f"{gid}:{value}" in cols:
            col = f"{gid}:{value}"
    if col is None and f"{kind}:{value}" in cols:
        col = f"{kind}:{value}"
    if col is None and aggs:
        # the top-most tagged aggregates (their parent does not carry the same tag)
        tagged = set(aggs)
        tops = [a for a in aggs if diag._parent.get(a, "") not in tagged]
        if len(tops) == 1 and tops[0] in cols:
            col = tops[0]
    fit = 1 if kind == "element" else 2
    out = None if (col is None and not members) else _Target(id=col or f"{kind}:{value}", kind=kind, members=members,
                                                             column=col, fit=fit)
    cache[key] = out
    return out


def _node_target(diag: Diagnosis, n: str, kind: str) -> _Target | None:
    if n not in diag._columns:
        return None
    leaves = tuple(x for x in diag.leaves_under(n) if x in diag._columns)
    return _Target(id=n, kind=kind, members=leaves or (n,), column=n, fit=3)


def _resolve_targets(path: PathEntry, diag: Diagnosis) -> list[_Target]:
    """The framework targets of a path: named nodes (explicit ids, keyword matches), then tags, then elements."""
    out: list[_Target] = []
    for n in path.links.nodes:
        tg = _node_target(diag, n, "node")
        if tg is not None:
            out.append(tg)
    for w in path.links.keywords:
        for n in diag.keyword_nodes(w):
            tg = _node_target(diag, n, "keyword")
            if tg is not None:
                out.append(tg)
    for key, kind in (("drivers", "driver"), ("types", "type"), ("elements", "element")):
        for v in getattr(path.links, key):
            tg = _tag_targets(diag, kind, v)
            if tg is not None:
                out.append(tg)
    seen: set[str] = set()
    uniq = []
    for tg in out:
        if tg.id not in seen:
            seen.add(tg.id)
            uniq.append(tg)
    return uniq


def _target_values(diag: Diagnosis, tg: _Target, year: int) -> pd.Series:
    s = diag.year_scores(year)
    if tg.column is not None:
        return s[tg.column].astype(float)
    return s[list(tg.members)].astype(float).mean(axis=1, skipna=True)
