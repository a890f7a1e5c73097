"""The indicator tree: index → dimensions → sub-dimensions → indicators (any depth).

A :class:`Framework` is an immutable, validated tree of :class:`Node` records.
Aggregate nodes and indicators share one record type (``kind`` tells them apart).
Besides the primary tree, *groupings* define second hierarchies over the same
indicators by a tag (e.g. the AI driver 数据 / 算法 / 算力), and *subsystems*
name the nodes whose scores form the subsystems of a coupling-coordination
analysis (数实融合).
"""
from __future__ import annotations

from collections import Counter

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Literal, Mapping

import pandas as pd

from .._errors import FrameworkError

__all__ = [
    "Node",
    "SeedRef",
    "Grouping",
    "Subsystem",
    "Framework",
    "ELEMENTS",
    "DRIVERS",
    "TYPES",
    "LEVELS",
    "FOUNDATION_TYPES",
    "UnitLevel",
    "activate_declared",
    "coverage",
]

#: the four elements of NQPF (004 §1; 001 §2)
ELEMENTS = ("劳动者", "劳动资料", "劳动对象", "优化组合")
#: the three AI drivers named in 002 (plus "none")
DRIVERS = ("数据", "算法", "算力", "none")
#: foundation types: what an indicator measures when it is none of 004 §5's three digital-economy types —
#: 004 §1 "根基仍是实体经济，关键在于科技创新" and "数字技术、绿色技术是最为主流的技术"
FOUNDATION_TYPES = ("基础:科技创新", "基础:绿色低碳", "基础:实体经济")
#: indicator types: 004 §5's three types (数字产业化 / 产业数字化 / 数实融合), the foundations, and the
#: older short forms 科技创新 / 绿色低碳 (kept valid for frameworks written before the foundation prefix)
TYPES = ("数字产业化", "产业数字化", "数实融合") + FOUNDATION_TYPES + ("科技创新", "绿色低碳")
#: levels of analysis (001 §3)
LEVELS = ("macro", "meso", "micro")

UnitLevel = Literal["province", "city", "county", "industry", "firm", "country", "other"]
_UNIT_LEVELS = ("province", "city", "county", "industry", "firm", "country", "other")

#: English labels of the tag values, for bilingual output
TAG_LABELS_EN = {
    "劳动者": "new-type laborers",
    "劳动资料": "new means of labour",
    "劳动对象": "new objects of labour",
    "优化组合": "optimal combination",
    "数据": "data",
    "算法": "algorithms",
    "算力": "compute",
    "none": "none",
    "数字产业化": "digital industrialisation",
    "产业数字化": "industrial digitalisation",
    "数实融合": "digital–real integration",
    "科技创新": "science & technology innovation",
    "绿色低碳": "green & low-carbon",
    "基础:科技创新": "foundation: science & technology innovation",
    "基础:绿色低碳": "foundation: green & low-carbon",
    "基础:实体经济": "foundation: real economy",
}


@dataclass(frozen=True)
class SeedRef:
    """A theory reference: seed file, section, a short verbatim quote and our rationale."""

    file: str
    section: str = ""
    quote: str = ""
    rationale: str = ""


@dataclass(frozen=True)
class Node:
    """One node of the framework tree.

    Attributes
    ----------
    id : unique id (no spaces).
    kind : ``"aggregate"`` (index, dimension, sub-dimension) or ``"indicator"``.
    parent : id of the parent node; ``""`` for the root.
    name_zh, name_en : names.
    weight : optional given weight (used by weight method ``given``); ``None`` = not given.
    direction : +1 benefit (正向) / −1 cost (负向); indicators only.
    unit : unit of measurement (indicators).
    derive : derivation expression from raw series (indicators); ``""`` = the raw series ``id``.
    element, driver, type, level : NQPF tags ("" when not set).
    source : data source of the raw series.
    seed_refs : theory references.
    notes : free text (data caveats and decisions).
    tags : free key/value tags.
    data : ``""`` for a computed indicator; ``"missing"`` for a *declared* indicator — one the
        literature uses and the framework names (with its yearbook source and unit) but whose data
        are not available, so it is excluded from the computation (see :attr:`Framework.declared`).
    """

    id: str
    kind: Literal["aggregate", "indicator"]
    parent: str = ""
    name_zh: str = ""
    name_en: str = ""
    weight: float | None = None
    direction: int = 1
    unit: str = ""
    derive: str = ""
    element: str = ""
    driver: str = ""
    type: str = ""
    level: str = ""
    source: str = ""
    seed_refs: tuple[SeedRef, ...] = ()
    notes: str = ""
    tags: dict[str, Any] = field(default_factory=dict)
    data: str = ""

    @property
    def is_indicator(self) -> bool:
        return self.kind == "indicator"

    @property
    def is_declared(self) -> bool:
        """A declared indicator: named with its source, excluded from the computation (no data)."""
        return self.data == "missing"

    def tag(self, name: str) -> Any:
        """A tag value: the NQPF tags (element, driver, type, level) or a free tag."""
        if name in ("element", "driver", "type", "level", "source", "unit"):
            return getattr(self, name)
        return self.tags.get(name, "")

    @property
    def label(self) -> str:
        return self.name_zh or self.name_en or self.id


@dataclass(frozen=True)
class Grouping:
    """A second hierarchy over the indicators: one node per distinct value of ``tag``."""

    id: str
    tag: str
    name_zh: str = ""
    name_en: str = ""
    exclude: tuple[str, ...] = ("", "none")


@dataclass(frozen=True)
class Subsystem:
    """A subsystem for coupling coordination: the score of ``nodes`` (one node, or the mean of several)."""

    id: str
    nodes: tuple[str, ...]
    name_zh: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class Framework:
    """A validated indicator framework.

    Build one with :func:`nqpf.framework.io.load_framework` (TOML / CSV / dict) or
    :meth:`Framework.from_nodes`. Construction validates: exactly one root, unique ids,
    every parent exists and is an aggregate, no cycles, every aggregate has children,
    directions ±1, weights ≥ 0, NQPF tags from the allowed sets.
    """

    id: str
    nodes: tuple[Node, ...]
    name_zh: str = ""
    name_en: str = ""
    unit_level: str = "other"
    version: str = ""
    description: str = ""
    groupings: tuple[Grouping, ...] = ()
    subsystems: tuple[Subsystem, ...] = ()
    source: str = ""  # file it was read from (for messages)
    #: declared indicators (``data = "missing"``): outside the tree, never computed; each names the
    #: aggregate it would join (``parent``) — see :func:`activate_declared`
    declared: tuple[Node, ...] = ()

    def __post_init__(self) -> None:
        _validate(self)

    # ------------------------------------------------------------------ structure
    @cached_property
    def by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    @cached_property
    def root(self) -> str:
        return next(n.id for n in self.nodes if n.parent == "")

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        ch: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for n in self.nodes:
            if n.parent:
                ch[n.parent].append(n.id)
        return ch

    def children(self, node_id: str) -> list[str]:
        """Direct children of a node, in file order."""
        self._check_id(node_id)
        return list(self._children[node_id])

    @cached_property
    def indicators(self) -> list[str]:
        """Computed indicator ids in tree order (depth first, file order within a parent).

        Declared indicators (no data) are not among them: see :attr:`declared_ids`."""
        return [n for n in self.preorder() if self.by_id[n].is_indicator]

    @cached_property
    def declared_ids(self) -> list[str]:
        """Ids of the declared indicators (``data = "missing"``), in file order."""
        return [n.id for n in self.declared]

    @cached_property
    def declared_by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.declared}

    @cached_property
    def aggregates(self) -> list[str]:
        return [n for n in self.preorder() if not self.by_id[n].is_indicator]

    def preorder(self) -> list[str]:
        out: list[str] = []
        stack = [self.root]
        while stack:
            nid = stack.pop()
            out.append(nid)
            stack.extend(reversed(self._children[nid]))
        return out

    @cached_property
    def depth(self) -> dict[str, int]:
        """Depth of each node (root = 0)."""
        d = {self.root: 0}
        for nid in self.preorder():
            for c in self._children[nid]:
                d[c] = d[nid] + 1
        return d

    @cached_property
    def level_of(self) -> dict[str, int]:
        """COINr-style level: indicators = 1, their parents = 2 … root = max (height + 1)."""
        lev: dict[str, int] = {}
        for nid in reversed(self.preorder()):
            ch = self._children[nid]
            lev[nid] = 1 if not ch else 1 + max(lev[c] for c in ch)
        return lev

    def leaves_under(self, node_id: str) -> list[str]:
        """Indicator ids under a node (the node itself if it is an indicator)."""
        self._check_id(node_id)
        if self.by_id[node_id].is_indicator:
            return [node_id]
        out: list[str] = []
        for c in self._children[node_id]:
            out += self.leaves_under(c)
        return out

    def ancestors(self, node_id: str) -> list[str]:
        """Parents up to the root, nearest first."""
        out = []
        p = self.by_id[node_id].parent
        while p:
            out.append(p)
            p = self.by_id[p].parent
        return out

    def grouping_members(self, grouping: Grouping) -> dict[str, list[str]]:
        """``{tag value: [indicator ids]}`` for a grouping (values in first-seen order)."""
        out: dict[str, list[str]] = {}
        for ind in self.indicators:
            v = self.by_id[ind].tag(grouping.tag)
            if v in grouping.exclude or v is None:
                continue
            out.setdefault(str(v), []).append(ind)
        return out

    def direction(self) -> dict[str, int]:
        return {i: self.by_id[i].direction for i in self.indicators}

    def _check_id(self, node_id: str) -> None:
        if node_id not in self.by_id:
            close = difflib.get_close_matches(node_id, list(self.by_id), n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise FrameworkError(f"Framework {self.id!r}: unknown node; got {node_id!r}.{hint}")

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """The node table (one row per node, tree order) — the CSV twin's content."""
        from .io import framework_to_frame

        return framework_to_frame(self)

    def subset(self, indicators: list[str]) -> "Framework":
        """The framework restricted to ``indicators`` (aggregates left without children are dropped)."""
        keep = set(indicators)
        unknown = keep - set(self.indicators)
        if unknown:
            raise FrameworkError(
                f"Framework {self.id!r}: cannot keep unknown indicators; got {sorted(unknown)}. "
                f"Use ids from framework.indicators."
            )
        needed: set[str] = set()
        for i in keep:
            needed.add(i)
            needed.update(self.ancestors(i))
        nodes = tuple(n for n in self.nodes if n.id in needed)
        subs = tuple(
            Subsystem(s.id, tuple(x for x in s.nodes if x in needed), s.name_zh, s.name_en)
            for s in self.subsystems
            if any(x in needed for x in s.nodes)
        )
        kept_ids = {n.id for n in nodes}
        return Framework(
            id=self.id, nodes=nodes, name_zh=self.name_zh, name_en=self.name_en, unit_level=self.unit_level,
            version=self.version, description=self.description, groupings=self.groupings, subsystems=subs,
            source=self.source, declared=tuple(d for d in self.declared if d.parent in kept_ids),
        )


def _where(fw: Framework) -> str:
    return f"Framework {fw.id!r}" + (f" ({fw.source})" if fw.source else "")


def _validate(fw: Framework) -> None:
    where = _where(fw)
    if not fw.nodes:
        raise FrameworkError(f"{where}: has no nodes; got an empty tree. Add [[node]] and [[indicator]] tables.")
    if fw.unit_level not in _UNIT_LEVELS:
        raise FrameworkError(
            f"{where}: unit_level must be one of {', '.join(_UNIT_LEVELS)}; got {fw.unit_level!r}."
        )
    ids = [n.id for n in fw.nodes]
    dup = sorted(i for i, c in Counter(ids).items() if c > 1)
    if dup:
        raise FrameworkError(f"{where}: duplicate node ids; got {dup}. Give every node and indicator a unique id.")
    bad_ids = [i for i in ids if not i or any(ch.isspace() for ch in i) or ":" in i]
    if bad_ids:
        raise FrameworkError(
            f"{where}: node ids must be non-empty and contain no spaces or ':'; got {bad_ids}. Use snake_case ids."
        )
    roots = [n.id for n in fw.nodes if n.parent == ""]
    if len(roots) != 1:
        raise FrameworkError(
            f"{where}: needs exactly one root (a node with parent = \"\"); got {len(roots)}: {roots}. "
            "Give every other node a parent."
        )
    by_id = {n.id: n for n in fw.nodes}
    missing = [(n.id, n.parent) for n in fw.nodes if n.parent and n.parent not in by_id]
    if missing:
        txt = ", ".join(f"{c!r} → {p!r}" for c, p in missing[:10])
        raise FrameworkError(f"{where}: parents not found (orphan nodes); got {txt}. Declare the parent as a [[node]].")
    ind_parent = [(n.id, n.parent) for n in fw.nodes if n.parent and by_id[n.parent].kind == "indicator"]
    if ind_parent:
        raise FrameworkError(
            f"{where}: an indicator cannot be a parent; got {ind_parent}. Make the parent a [[node]] (aggregate)."
        )
    # cycles: walk up from every node
    for n in fw.nodes:
        seen = {n.id}
        p = n.parent
        while p:
            if p in seen:
                raise FrameworkError(f"{where}: the parent links form a cycle through {sorted(seen)}; got node {n.id!r}. Fix the parent fields.")
            seen.add(p)
            p = by_id[p].parent
    has_child = {n.parent for n in fw.nodes if n.parent}
    empty = [n.id for n in fw.nodes if n.kind == "aggregate" and n.id not in has_child]
    if empty:
        raise FrameworkError(
            f"{where}: aggregate nodes without children; got {empty}. Add indicators under them or remove them."
        )
    if not any(n.kind == "indicator" for n in fw.nodes):
        raise FrameworkError(f"{where}: has no indicators; got only aggregates. Add [[indicator]] tables.")
    bad_dir = [(n.id, n.direction) for n in fw.nodes if n.kind == "indicator" and n.direction not in (1, -1)]
    if bad_dir:
        raise FrameworkError(
            f"{where}: direction must be 1 or -1; got {bad_dir}. Use 1 if higher is better (正向), -1 otherwise (负向)."
        )
    bad_w = [(n.id, n.weight) for n in fw.nodes if n.weight is not None and not (n.weight >= 0)]
    if bad_w:
        raise FrameworkError(f"{where}: weights must be >= 0; got {bad_w}. Fix or remove the weight.")
    for tag, allowed in (("element", ELEMENTS), ("driver", DRIVERS), ("type", TYPES), ("level", LEVELS)):
        bad = [(n.id, getattr(n, tag)) for n in fw.nodes if getattr(n, tag) and getattr(n, tag) not in allowed]
        if bad:
            raise FrameworkError(
                f"{where}: tag {tag!r} must be one of {', '.join(allowed)}; got {bad[:10]}. Correct the tag or leave it empty."
            )
    gids = [g.id for g in fw.groupings]
    clash = sorted(set(gids) & set(ids)) + sorted(g for g, c in Counter(gids).items() if c > 1)
    if clash:
        raise FrameworkError(f"{where}: grouping ids must be unique and differ from node ids; got {clash}.")
    _validate_declared(fw, by_id, where)
    for s in fw.subsystems:
        unknown = [x for x in s.nodes if x not in by_id]
        if unknown or not s.nodes:
            raise FrameworkError(
                f"{where}: subsystem {s.id!r} names unknown nodes; got {unknown or '[]'}. Use ids of [[node]] or [[indicator]] tables."
            )


def _validate_declared(fw: Framework, by_id: dict[str, Node], where: str) -> None:
    ids = [d.id for d in fw.declared]
    clash = sorted(i for i, c in Counter(ids).items() if c > 1 or i in by_id)
    if clash:
        raise FrameworkError(
            f"{where}: declared indicator ids must be unique and differ from node ids; got {clash}. Rename them."
        )
    for d in fw.declared:
        if d.kind != "indicator" or not d.is_declared:
            raise FrameworkError(f"{where}: declared entries must be indicators with data = \"missing\"; got {d.id!r}.")
        if d.parent not in by_id or by_id[d.parent].kind != "aggregate":
            raise FrameworkError(
                f"{where}: declared indicator {d.id!r} must name an existing aggregate node as parent; got {d.parent!r}. "
                "Put it under the sub-dimension it would join."
            )
        if d.direction not in (1, -1):
            raise FrameworkError(f"{where}: declared indicator {d.id!r}: direction must be 1 or -1; got {d.direction!r}.")
        if not d.source or not d.unit:
            raise FrameworkError(
                f"{where}: declared indicator {d.id!r} needs a source (the yearbook or release that publishes it) and a unit; "
                f"got source={d.source!r}, unit={d.unit!r}."
            )
        for tag, allowed in (("element", ELEMENTS), ("driver", DRIVERS), ("type", TYPES), ("level", LEVELS)):
            v = getattr(d, tag)
            if v and v not in allowed:
                raise FrameworkError(
                    f"{where}: declared indicator {d.id!r}: tag {tag!r} must be one of {', '.join(allowed)}; got {v!r}."
                )


def _declared_series(node: Node) -> tuple[str, ...]:
    """Raw series a declared indicator needs (from its derivation; its own id when it has none)."""
    from .derive import parse_derivation

    if not node.derive:
        return (node.id,)
    return tuple(parse_derivation(node.derive, indicator=node.id).args)


def activate_declared(framework: Framework, available_series: "Iterable[str] | None") -> Framework:
    """The framework with every declared indicator whose raw series are all available moved into the tree.

    The rule: a declared indicator (``data = "missing"``) becomes a computed indicator as soon as the
    data supply every raw series of its derivation — e.g. a user fills
    ``nqpf/datasets/data/ai_indicators_template.csv`` and adds it as a ``[data] files`` entry. Declared
    indicators without data stay declared (listed in the docs and in :func:`coverage`, never imputed).

    Parameters
    ----------
    framework
        A framework, possibly with declared indicators.
    available_series
        Names of the raw series present in the data **with at least one non-missing value** (the
        caller decides; an empty template column is not data). ``None`` = activate nothing.

    Returns
    -------
    Framework
        The same framework object when nothing is activated; otherwise a new framework whose
        :attr:`~Framework.indicators` include the activated ones (in declaration order after the
        computed siblings of the same parent) and whose :attr:`~Framework.declared` keeps the rest.

    Examples
    --------
    >>> from nqpf.framework import load_framework
    >>> fw = load_framework("nqpf_province")
    >>> "software_revenue_share" in fw.indicators, "software_revenue_share" in fw.declared_ids
    (False, True)
    >>> fw2 = activate_declared(fw, {"software_business_revenue", "gdp"})
    >>> "software_revenue_share" in fw2.indicators, "software_revenue_share" in fw2.declared_ids
    (True, False)
    """
    if available_series is None or not framework.declared:
        return framework
    have = {str(s) for s in available_series}
    activate = [d for d in framework.declared if set(_declared_series(d)) <= have]
    if not activate:
        return framework
    from dataclasses import replace

    active_nodes = {d.parent: [] for d in activate}
    for d in activate:
        active_nodes[d.parent].append(replace(d, data=""))
    # insert each activated indicator after the last node whose parent is the same aggregate
    nodes = list(framework.nodes)
    for parent, extra in active_nodes.items():
        last = max((k for k, n in enumerate(nodes) if n.parent == parent), default=len(nodes) - 1)
        nodes[last + 1:last + 1] = extra
    keep = tuple(d for d in framework.declared if d not in activate)
    return Framework(
        id=framework.id, nodes=tuple(nodes), name_zh=framework.name_zh, name_en=framework.name_en,
        unit_level=framework.unit_level, version=framework.version, description=framework.description,
        groupings=framework.groupings, subsystems=framework.subsystems, source=framework.source, declared=keep,
    )


def coverage(
    framework: Framework,
    available_series: "Iterable[str] | None" = None,
    weights: "Mapping[str, float] | pd.Series | None" = None,
) -> pd.DataFrame:
    """What the framework measures: indicator counts by element × AI driver × type.

    Parameters
    ----------
    framework
        The framework (declared indicators included in the counts as *declared*).
    available_series
        Raw series present in the data (non-missing somewhere). Declared indicators whose series are
        all available are counted as ``declared_with_data`` (they become computed indicators after
        :func:`activate_declared`); ``None`` = nothing available beyond the computed indicators.
    weights
        Optional effective weight per computed indicator (e.g. a run's effective leaf weights);
        adds ``weight`` and ``weight_share`` (share of the total over the framework's indicators).

    Returns
    -------
    DataFrame
        One row per (element, driver, type) combination that occurs, in the framework's order:
        ``element, driver, type, computed, declared, declared_with_data, declared_missing`` (ids of
        declared indicators without data, joined by ``", "``) and, with ``weights``, ``weight,
        weight_share``. The ``computed`` column sums to ``len(framework.indicators)``, ``declared`` to
        ``len(framework.declared)``.

    Examples
    --------
    >>> from nqpf.framework import load_framework
    >>> fw = load_framework("nqpf_province")
    >>> cov = coverage(fw)
    >>> int(cov["computed"].sum()) == len(fw.indicators), int(cov["declared"].sum()) == len(fw.declared)
    (True, True)
    """
    have = {str(s) for s in available_series} if available_series is not None else set()
    w: dict[str, float] = {}
    if weights is not None:
        w = {str(k): float(v) for k, v in dict(weights).items()}
        unknown = sorted(set(w) - set(framework.indicators))
        if unknown:
            raise FrameworkError(
                f"coverage: weights name indicators that are not computed indicators of {framework.id!r}; got {unknown[:5]}."
            )
    total_w = sum(w.get(i, 0.0) for i in framework.indicators)
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}

    def row(n: Node) -> dict[str, Any]:
        key = (n.element, n.driver or "none", n.type)
        if key not in rows:
            rows[key] = {"element": key[0], "driver": key[1], "type": key[2], "computed": 0, "declared": 0,
                         "declared_with_data": 0, "declared_missing": [], "weight": 0.0}
        return rows[key]

    for i in framework.indicators:
        r = row(framework.by_id[i])
        r["computed"] += 1
        r["weight"] += w.get(i, 0.0)
    for d in framework.declared:
        r = row(d)
        r["declared"] += 1
        if set(_declared_series(d)) <= have:
            r["declared_with_data"] += 1
        else:
            r["declared_missing"].append(d.id)
    el_order = {e: k for k, e in enumerate(ELEMENTS)}
    dr_order = {e: k for k, e in enumerate(DRIVERS)}
    ty_order = {e: k for k, e in enumerate(TYPES)}
    out = sorted(rows.values(), key=lambda r: (el_order.get(r["element"], 99), dr_order.get(r["driver"], 99),
                                               ty_order.get(r["type"], 99), r["type"]))
    frame = pd.DataFrame(out, columns=["element", "driver", "type", "computed", "declared", "declared_with_data",
                                       "declared_missing", "weight"])
    frame["declared_missing"] = frame["declared_missing"].map(", ".join)
    if weights is None:
        frame = frame.drop(columns="weight")
    else:
        frame["weight_share"] = frame["weight"] / total_w if total_w > 0 else float("nan")
    return frame.reset_index(drop=True)
