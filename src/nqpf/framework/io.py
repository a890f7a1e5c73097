"""Read and write frameworks: TOML (authoritative), CSV (the same table for Excel users), dict.

CSV twin layout: one row per node with columns ``id, kind, parent, name_zh, name_en,
unit, direction, weight, derive, element, driver, type, level, source, seed_file,
seed_section, seed_quote, seed_rationale, notes, tags``. Several seed references
of one indicator are joined with `` | `` in the seed columns; free tags are
``key=value`` pairs joined with ``;``. Framework-level metadata, groupings and
subsystems go into rows of kind ``framework``, ``grouping`` and ``subsystem``. Declared indicators
(``data = "missing"`` in TOML: named with source and unit, no data, not computed) are rows of kind
``declared`` after the tree.
"""
from __future__ import annotations

import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._errors import FrameworkError
from .model import Framework, Grouping, Node, SeedRef, Subsystem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "load_framework",
    "framework_from_dict",
    "framework_to_dict",
    "framework_to_frame",
    "framework_from_frame",
    "write_framework_csv",
    "write_framework_toml",
    "builtin_frameworks",
    "CSV_COLUMNS",
]

CSV_COLUMNS = [
    "id", "kind", "parent", "name_zh", "name_en", "unit", "direction", "weight", "derive",
    "element", "driver", "type", "level", "source", "seed_file", "seed_section", "seed_quote",
    "seed_rationale", "notes", "tags",
]
_SEP = " | "
_NODE_KEYS = {
    "id", "parent", "name_zh", "name_en", "weight", "direction", "unit", "derive", "element", "driver",
    "type", "level", "source", "seed_refs", "notes", "tags", "series", "data", "declared",
}


def builtin_frameworks() -> dict[str, Path]:
    """Frameworks shipped with nqpf: ``{name: path}`` (e.g. ``nqpf_province``, ``scitech_province``)."""
    base = resources.files("nqpf.framework").joinpath("builtin")
    out = {}
    if base.is_dir():
        for p in sorted(base.iterdir(), key=lambda q: q.name):
            if p.name.endswith(".toml"):
                out[p.name[:-5]] = Path(str(p))
    return out


def load_framework(source: str | Path | Mapping[str, Any] | Framework) -> Framework:
    """Load a framework from a TOML or CSV file, a built-in name, or a dict.

    Parameters
    ----------
    source
        Path to ``.toml`` / ``.csv`` / ``.xlsx`` (the CSV twin layout, or the indicator sheet of a thesis with
        columns 一级指标 / 二级指标 / 指标 / 属性 / 单位 — :mod:`nqpf.framework.sheet`), the name of a built-in framework
        (see :func:`builtin_frameworks`), a dict with the TOML structure, or a
        :class:`Framework` (returned unchanged).
    """
    if isinstance(source, Framework):
        return source
    if isinstance(source, Mapping):
        return framework_from_dict(source)
    text = str(source)
    builtins = builtin_frameworks()
    if text in builtins:
        return load_framework(builtins[text])
    path = Path(text)
    if not path.exists():
        raise FrameworkError(
            f"Framework file {text!r}: not found; got a path that does not exist. "
            f"Give a .toml/.csv file or one of the built-in names {sorted(builtins)}."
        )
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except tomllib.TOMLDecodeError as exc:
            raise FrameworkError(f"Framework file {path.name}: invalid TOML; got {exc}. Fix the syntax at that line.") from None
        return framework_from_dict(data, source=path.name)
    if suffix in (".csv", ".xlsx", ".xls"):
        from ..data.io import read_table

        frame = read_table(path)
        from .sheet import framework_from_sheet, is_sheet_layout

        if is_sheet_layout(frame):  # 一级指标 / 二级指标 / 指标 / 属性 / 单位: the sheet of a thesis
            return framework_from_sheet(frame, source=path.name)
        return framework_from_frame(frame, source=path.name)
    raise FrameworkError(f"Framework file {path.name}: unsupported format; got {suffix!r}. Use .toml, .csv or .xlsx.")


def _direction(value: Any, where: str) -> int:
    if isinstance(value, str):
        v = value.strip()
        table = {"+": 1, "1": 1, "+1": 1, "正": 1, "正向": 1, "benefit": 1, "-": -1, "−": -1, "-1": -1, "负": -1, "负向": -1, "cost": -1}
        if v in table:
            return table[v]
        raise FrameworkError(f"{where}: direction must be 1 or -1 (or +/-, 正向/负向); got {value!r}. Use 1 if higher is better.")
    if isinstance(value, (int, float)) and value in (1, -1):
        return int(value)
    raise FrameworkError(f"{where}: direction must be 1 or -1; got {value!r}. Use 1 if higher is better, -1 otherwise.")


def _weight(value: Any, where: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        w = float(value)
    except (TypeError, ValueError):
        raise FrameworkError(f"{where}: weight must be a number; got {value!r}. Give a non-negative number or leave it empty.") from None
    if pd.isna(w):
        return None
    return w


def _node_from_dict(d: Mapping[str, Any], kind: str, where: str) -> Node:
    unknown = set(d) - _NODE_KEYS
    if unknown:
        raise FrameworkError(
            f"{where}: unknown keys {sorted(unknown)}; got a {kind} table with them. "
            f"Allowed keys: {', '.join(sorted(_NODE_KEYS))}; put anything else under tags = {{...}}."
        )
    if "id" not in d or not str(d["id"]).strip():
        raise FrameworkError(f"{where}: every {kind} needs an 'id'; got {dict(d)!r}. Add id = \"...\".")
    refs = []
    for r in d.get("seed_refs", []) or []:
        if not isinstance(r, Mapping) or "file" not in r:
            raise FrameworkError(f"{where} {d['id']!r}: seed_refs entries need a 'file'; got {r!r}.")
        refs.append(SeedRef(file=str(r["file"]), section=str(r.get("section", "")), quote=str(r.get("quote", "")),
                            rationale=str(r.get("rationale", ""))))
    derive = str(d.get("derive", "") or "")
    if not derive and d.get("series"):
        derive = f"series({d['series']})"
    nid = str(d["id"]).strip()
    data_status = str(d.get("data", "") or "").strip().lower()
    declared_flag = d.get("declared", False)
    if isinstance(declared_flag, str):
        declared_flag = declared_flag.strip().lower() in ("true", "1", "yes")
    if data_status not in ("", "missing") or (declared_flag and kind != "indicator"):
        raise FrameworkError(
            f"{where} {nid!r}: data must be \"missing\" (a declared indicator without data) or absent; got {d.get('data')!r}. "
            "Only indicators can be declared."
        )
    if declared_flag:
        data_status = "missing"
    if data_status and kind != "indicator":
        raise FrameworkError(f"{where} {nid!r}: only indicators can be declared (data = \"missing\"); got a {kind}.")
    return Node(
        id=nid,
        kind=kind,  # type: ignore[arg-type]
        parent=str(d.get("parent", "") or ""),
        name_zh=str(d.get("name_zh", "") or ""),
        name_en=str(d.get("name_en", "") or ""),
        weight=_weight(d.get("weight"), f"{where} {nid!r}"),
        direction=_direction(d.get("direction", 1), f"{where} {nid!r}") if kind == "indicator" else 1,
        unit=str(d.get("unit", "") or ""),
        derive=derive,
        element=str(d.get("element", "") or ""),
        driver=str(d.get("driver", "") or ""),
        type=str(d.get("type", "") or ""),
        level=str(d.get("level", "") or ""),
        source=str(d.get("source", "") or ""),
        seed_refs=tuple(refs),
        notes=str(d.get("notes", "") or ""),
        tags=dict(d.get("tags", {}) or {}),
        data=data_status,
    )


def framework_from_dict(data: Mapping[str, Any], *, source: str = "") -> Framework:
    """Build a :class:`Framework` from the TOML structure (``framework``, ``node``, ``indicator`` …)."""
    where = f"Framework {source}" if source else "Framework"
    allowed = {"framework", "node", "indicator", "grouping", "subsystem"}
    unknown = set(data) - allowed
    if unknown:
        raise FrameworkError(f"{where}: unknown top-level tables {sorted(unknown)}; got them in the file. Allowed: {sorted(allowed)}.")
    meta = dict(data.get("framework", {}))
    nodes = [_node_from_dict(d, "aggregate", f"{where} [[node]]") for d in data.get("node", [])]
    inds = [_node_from_dict(d, "indicator", f"{where} [[indicator]]") for d in data.get("indicator", [])]
    nodes += [n for n in inds if not n.is_declared]
    declared = tuple(n for n in inds if n.is_declared)
    groupings = tuple(
        Grouping(id=str(g["id"]), tag=str(g.get("tag", g["id"])), name_zh=str(g.get("name_zh", "")),
                 name_en=str(g.get("name_en", "")), exclude=tuple(g.get("exclude", ("", "none"))))
        for g in data.get("grouping", [])
    )
    subsystems = tuple(
        Subsystem(id=str(s["id"]), nodes=tuple(s.get("nodes", [])), name_zh=str(s.get("name_zh", "")),
                  name_en=str(s.get("name_en", "")))
        for s in data.get("subsystem", [])
    )
    return Framework(
        id=str(meta.get("id", "framework")),
        nodes=tuple(nodes),
        name_zh=str(meta.get("name_zh", "")),
        name_en=str(meta.get("name_en", "")),
        unit_level=str(meta.get("unit_level", "other")),
        version=str(meta.get("version", "")),
        description=str(meta.get("description", "")),
        groupings=groupings,
        subsystems=subsystems,
        source=source,
        declared=declared,
    )


def framework_to_dict(fw: Framework) -> dict[str, Any]:
    """The TOML structure of a framework (inverse of :func:`framework_from_dict`)."""
    meta = {"id": fw.id, "name_zh": fw.name_zh, "name_en": fw.name_en, "unit_level": fw.unit_level,
            "version": fw.version, "description": fw.description}
    out: dict[str, Any] = {"framework": {k: v for k, v in meta.items() if v}}

    def node_dict(n: Node) -> dict[str, Any]:
        d: dict[str, Any] = {"id": n.id, "parent": n.parent, "name_zh": n.name_zh, "name_en": n.name_en}
        if n.weight is not None:
            d["weight"] = n.weight
        if n.is_indicator:
            d["unit"] = n.unit
            d["direction"] = n.direction
            if n.derive:
                d["derive"] = n.derive
        for k in ("element", "driver", "type", "level", "source", "notes"):
            if getattr(n, k):
                d[k] = getattr(n, k)
        if n.seed_refs:
            d["seed_refs"] = [{k: v for k, v in vars(r).items() if v} for r in n.seed_refs]
        if n.tags:
            d["tags"] = dict(n.tags)
        if n.is_declared:
            d["data"] = "missing"
        return d

    out["node"] = [node_dict(n) for n in fw.nodes if not n.is_indicator]
    out["indicator"] = [node_dict(n) for n in fw.nodes if n.is_indicator] + [node_dict(n) for n in fw.declared]
    if fw.groupings:
        out["grouping"] = [{"id": g.id, "tag": g.tag, "name_zh": g.name_zh, "name_en": g.name_en} for g in fw.groupings]
    if fw.subsystems:
        out["subsystem"] = [{"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "nodes": list(s.nodes)} for s in fw.subsystems]
    return out


def _tags_to_text(tags: Mapping[str, Any]) -> str:
    return ";".join(f"{k}={v}" for k, v in tags.items())


def _tags_from_text(text: str, where: str) -> dict[str, str]:
    out = {}
    for part in [p for p in str(text).split(";") if p.strip()]:
        if "=" not in part:
            raise FrameworkError(f"{where}: tags must be key=value pairs separated by ';'; got {part!r}.")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def framework_to_frame(fw: Framework) -> pd.DataFrame:
    """The CSV twin as a DataFrame (nodes in tree order, then grouping/subsystem/framework rows)."""
    rows = []
    for n in [fw.by_id[nid] for nid in fw.preorder()] + list(fw.declared):
        rows.append({
            "id": n.id, "kind": "declared" if n.is_declared else n.kind, "parent": n.parent, "name_zh": n.name_zh, "name_en": n.name_en,
            "unit": n.unit, "direction": n.direction if n.is_indicator else "",
            "weight": "" if n.weight is None else n.weight, "derive": n.derive,
            "element": n.element, "driver": n.driver, "type": n.type, "level": n.level, "source": n.source,
            "seed_file": _SEP.join(r.file for r in n.seed_refs),
            "seed_section": _SEP.join(r.section for r in n.seed_refs),
            "seed_quote": _SEP.join(r.quote for r in n.seed_refs),
            "seed_rationale": _SEP.join(r.rationale for r in n.seed_refs),
            "notes": n.notes, "tags": _tags_to_text(n.tags),
        })
    for g in fw.groupings:
        rows.append({"id": g.id, "kind": "grouping", "name_zh": g.name_zh, "name_en": g.name_en, "tags": f"tag={g.tag}"})
    for s in fw.subsystems:
        rows.append({"id": s.id, "kind": "subsystem", "name_zh": s.name_zh, "name_en": s.name_en,
                     "tags": "nodes=" + ",".join(s.nodes)})
    rows.append({"id": fw.id, "kind": "framework", "name_zh": fw.name_zh, "name_en": fw.name_en,
                 "notes": fw.description, "tags": f"unit_level={fw.unit_level};version={fw.version}"})
    return pd.DataFrame(rows, columns=CSV_COLUMNS).fillna("")


def framework_from_frame(frame: pd.DataFrame, *, source: str = "") -> Framework:
    """Build a framework from the CSV twin (see module docstring)."""
    where = f"Framework {source}" if source else "Framework table"
    cols = {c.strip().lower(): c for c in frame.columns}
    for req in ("id", "parent"):
        if req not in cols:
            raise FrameworkError(f"{where}: missing column {req!r}; got columns {list(frame.columns)}. Use the CSV twin layout {CSV_COLUMNS}.")
    f = frame.rename(columns={v: k for k, v in cols.items()}).fillna("")
    if "kind" not in f:
        f["kind"] = ""
    data: dict[str, Any] = {"node": [], "indicator": [], "grouping": [], "subsystem": []}
    rownums = [int(x) if isinstance(x, (int, np.integer)) else i + 2 for i, x in enumerate(f.index)]
    for i, r in enumerate(f.to_dict(orient="records")):
        row_where = f"{where}, row {rownums[i] if f.attrs.get('nqpf_source') else i + 2}"
        kind = str(r.get("kind", "")).strip().lower()
        tags = _tags_from_text(r.get("tags", ""), row_where)
        if kind == "framework":
            data["framework"] = {"id": r["id"], "name_zh": r.get("name_zh", ""), "name_en": r.get("name_en", ""),
                                 "description": r.get("notes", ""), "unit_level": tags.get("unit_level", "other"),
                                 "version": tags.get("version", "")}
            continue
        if kind == "grouping":
            data["grouping"].append({"id": r["id"], "tag": tags.get("tag", r["id"]), "name_zh": r.get("name_zh", ""), "name_en": r.get("name_en", "")})
            continue
        if kind == "subsystem":
            data["subsystem"].append({"id": r["id"], "nodes": [x for x in tags.get("nodes", "").split(",") if x],
                                      "name_zh": r.get("name_zh", ""), "name_en": r.get("name_en", "")})
            continue
        if kind not in ("", "indicator", "aggregate", "node", "declared"):
            raise FrameworkError(f"{row_where}, column 'kind': must be indicator, declared, aggregate, grouping, subsystem or framework; got {kind!r}.")
        is_ind = kind in ("indicator", "declared") or (kind == "" and str(r.get("direction", "")).strip() != "")
        files = [x.strip() for x in str(r.get("seed_file", "")).split("|")] if r.get("seed_file") else []
        secs = [x.strip() for x in str(r.get("seed_section", "")).split("|")]
        quotes = [x.strip() for x in str(r.get("seed_quote", "")).split("|")]
        rats = [x.strip() for x in str(r.get("seed_rationale", "")).split("|")]
        refs = [{"file": fl, "section": secs[k] if k < len(secs) else "", "quote": quotes[k] if k < len(quotes) else "",
                 "rationale": rats[k] if k < len(rats) else ""} for k, fl in enumerate(files) if fl]
        d = {k: r.get(k, "") for k in ("id", "parent", "name_zh", "name_en", "unit", "derive", "element", "driver",
                                          "type", "level", "source", "notes")}
        d["weight"] = r.get("weight", "")
        d["seed_refs"] = refs
        d["tags"] = tags
        if is_ind:
            text = str(r.get("direction", "")).strip()
            # "1", "1.0", "-1" from Excel → int; anything else (+, 正向, typos) goes to _direction for a clear error
            d["direction"] = int(float(text)) if re.fullmatch(r"[+-]?\d+(\.0*)?", text) else (text or 1)
            if kind == "declared":
                d["data"] = "missing"
            data["indicator"].append(d)
        else:
            data["node"].append(d)
    return framework_from_dict({k: v for k, v in data.items() if v or k == "framework"}, source=source)


def write_framework_csv(fw: Framework, path: str | Path) -> Path:
    """Write the CSV twin (UTF-8 with BOM so that Excel shows Chinese correctly)."""
    path = Path(path)
    framework_to_frame(fw).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def write_framework_toml(fw: Framework, path: str | Path) -> Path:
    import tomli_w

    path = Path(path)
    path.write_text(tomli_w.dumps(framework_to_dict(fw)), encoding="utf-8")
    return path
