"""What the app shows before a run: the data as nqpf reads it, and the framework tree with its data coverage.

Everything here calls the library's readers and checks (:func:`nqpf.data.read_panel`,
:func:`nqpf.data.check_panel`, :func:`nqpf.framework.load_framework`); the app only turns their results
into JSON for the page.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._errors import FrameworkError, NqpfError
from ..data import check_panel, parse_number_series, read_panel, read_table
from ..data.io import COLUMN_ALIASES
from ..framework import Framework, framework_from_frame, framework_to_frame, load_framework
from ..framework.derive import required_series

__all__ = ["data_preview", "bundled_preview", "framework_tree", "edited_framework", "invalid_cells", "MAX_LISTED"]

#: rows of each list sent to the page (counts are always complete)
MAX_LISTED = 500
_KEY_NAMES = {unicodedata.normalize("NFKC", a).strip().casefold()
              for role in ("unit", "year") for a in COLUMN_ALIASES[role]} | {"unit_name", "地区名称"}


def _json_value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v if isinstance(v, (int, float, str, bool)) else str(v)


def _records(df: pd.DataFrame, limit: int = MAX_LISTED) -> list[dict[str, Any]]:
    return [{k: _json_value(v) for k, v in r.items()} for r in df.head(limit).to_dict(orient="records")]


def invalid_cells(path: Path) -> list[dict[str, Any]]:
    """Every cell of a data file that is not a number, a missing marker or a key: ``row, column, value, reason``.

    The file is read as text by :func:`~nqpf.data.read_table` and each non-key column parsed by
    :func:`~nqpf.data.parse_number_series` — the parser :func:`~nqpf.data.read_panel` uses — so the
    cells listed are exactly those the reader refuses, all of them rather than the first ten.
    """
    try:
        table = read_table(path)
    except NqpfError:
        return []
    rows = table.index.to_numpy()
    out = []
    for col in table.columns:
        if unicodedata.normalize("NFKC", str(col)).strip().casefold() in _KEY_NAMES:
            continue
        _, problems = parse_number_series(table[col], file=path.name, column=str(col), rows=rows, errors="return")
        bad = problems[problems["kind"] == "invalid"]
        out += [{"row": int(r.row), "column": str(r.column), "value": str(r.value), "reason": r.message or "not a number"}
                for r in bad.itertuples(index=False)]
    # a text column (names, groups) is not a value column: only cells of columns that also hold numbers count
    by_col: dict[str, int] = {}
    for c in out:
        by_col[c["column"]] = by_col.get(c["column"], 0) + 1
    text_cols = {c for c, n in by_col.items() if n == len(table)}
    return sorted((c for c in out if c["column"] not in text_cols), key=lambda c: (c["row"], c["column"]))


def data_preview(path: Path) -> dict[str, Any]:
    """The data file as nqpf reads it: layout, encoding, units resolved to codes, years, indicators,
    missing cells and every problem found, with row and column; ``ok`` is False when it cannot be used."""
    out: dict[str, Any] = {"file": path.name, "ok": False, "error": None, "cells": [], "issues": [], "warnings": []}
    # (no warning capture here: warnings.catch_warnings is process-wide and a run may be recording its own;
    # what read_panel warns about is also in source.notes)
    try:
        panel = read_panel(path)
    except NqpfError as exc:
        out["error"] = str(exc)
        out["cells"] = invalid_cells(path)
        return out
    report = check_panel(panel, warn=False)
    src = panel.source
    data = panel.data
    origin_keys = _unit_keys(path, panel)
    units = (data[["unit", "unit_name"]] if "unit_name" in data else data[["unit"]].assign(unit_name=""))
    units = units.drop_duplicates("unit").sort_values("unit")
    units = units.assign(key=units["unit"].map(origin_keys).fillna(units["unit"]))
    miss = data["value"].isna().groupby(data["indicator"]).sum()
    n_cells = data.groupby("indicator").size()
    out.update(
        ok=report.ok, format=src.format, encoding=src.encoding, layout=src.layout, units_mode=src.units,
        columns={k: v for k, v in src.columns.items() if v}, notes=list(src.notes), n_rows=src.n_rows,
        units=_records(units[["key", "unit", "unit_name"]]), n_units=len(units), years=panel.years,
        indicators=[{"id": i, "missing": int(miss.get(i, 0)), "cells": int(n_cells.get(i, 0))} for i in panel.indicators],
        missing_cells=_records(panel.missing_cells), n_missing=len(panel.missing_cells),
        issues=[dict(_records(pd.DataFrame([d]))[0]) for d in (*report.errors, *report.warnings)][:MAX_LISTED],
        error=None if report.ok else report.error_message().splitlines()[0],
    )
    return out


def _unit_keys(path: Path, panel) -> dict[str, str]:
    """``{code: key as written in the file}`` (the first spelling met)."""
    col = panel.source.columns.get("unit")
    if not col or panel.source.units != "province":
        return {}
    try:
        table = read_table(path)
    except NqpfError:
        return {}
    keys = table[col].reindex(panel.origin["row"].to_numpy()).astype(str).str.strip().to_numpy()
    pairs = pd.DataFrame({"unit": panel.data["unit"].to_numpy(), "key": keys}).drop_duplicates("unit")
    return dict(zip(pairs["unit"], pairs["key"]))


def bundled_preview() -> dict[str, Any]:
    """The bundled provincial series: years, provinces and series (no problems: the bundle is checked when built)."""
    from ..datasets import province_panel

    p = province_panel()
    miss = p["value"].isna().groupby(p["indicator"]).sum()
    n_cells = p.groupby("indicator").size()
    units = p[["unit", "unit_name"]].drop_duplicates("unit").sort_values("unit").assign(key=lambda d: d["unit_name"])
    return {"file": "nqpf bundled provincial data", "ok": True, "error": None, "cells": [], "issues": [], "warnings": [],
            "format": "bundled", "encoding": None, "layout": "long", "units_mode": "province", "columns": {},
            "notes": [], "n_rows": len(p), "units": _records(units[["key", "unit", "unit_name"]]), "n_units": len(units),
            "years": sorted(int(y) for y in p["year"].unique()),
            "indicators": [{"id": i, "missing": int(miss.get(i, 0)), "cells": int(n_cells.get(i, 0))}
                           for i in sorted(p["indicator"].unique())],
            "missing_cells": [], "n_missing": 0}


def _coverage(fw: Framework, data: pd.DataFrame | None) -> tuple[dict[str, float | None], dict[str, list[str]]]:
    """Share of unit × year cells where every series an indicator needs is present; aggregates: mean over their
    indicators. Returns ``({node: share or None}, {indicator: series missing from the data})``."""
    if data is None:
        return {}, {}
    wide = data.pivot_table(index=["unit", "year"], columns="indicator", values="value", aggfunc="first", dropna=False)
    n = len(wide)
    cov: dict[str, float | None] = {}
    absent: dict[str, list[str]] = {}
    for ind, d in required_series(fw).items():
        series = [a for a in d.args if not _is_number(a)]
        missing = [s for s in series if s not in wide.columns]
        absent[ind] = missing
        if missing or n == 0:
            cov[ind] = 0.0
            continue
        ok = wide[series].notna().all(axis=1)
        cov[ind] = float(ok.mean())
    for nid in fw.aggregates:
        leaves = [i for i in fw.leaves_under(nid) if i in cov]
        cov[nid] = float(np.mean([cov[i] for i in leaves])) if leaves else None
    return cov, absent


def _is_number(a: str) -> bool:
    try:
        float(a)
        return True
    except ValueError:
        return False


def framework_tree(fw: Framework, data: pd.DataFrame | None = None) -> dict[str, Any]:
    """The tree in pre-order with tags, direction, weight and data coverage per node (``data``: long panel)."""
    cov, absent = _coverage(fw, data)
    nodes = []
    for nid in fw.preorder():
        n = fw.by_id[nid]
        nodes.append({
            "id": nid, "parent": n.parent, "depth": int(fw.depth[nid]), "kind": n.kind, "name_zh": n.name_zh,
            "name_en": n.name_en, "direction": int(n.direction) if n.is_indicator else None, "weight": n.weight,
            "unit": n.unit, "derive": n.derive, "element": n.element, "driver": n.driver, "type": n.type,
            "level": n.level, "coverage": cov.get(nid), "missing_series": absent.get(nid, []),
        })
    return {"id": fw.id, "name_zh": fw.name_zh, "name_en": fw.name_en, "n_indicators": len(fw.indicators),
            "n_aggregates": len(fw.aggregates), "nodes": nodes}


def edited_framework(fw: Framework, edits: Mapping[str, Mapping[str, Any]]) -> Framework:
    """The framework with direction and weight edits ``{indicator or node: {"direction": ±1, "weight": w or None}}``,
    rebuilt (and so validated) from its CSV twin; an unknown node is a :class:`FrameworkError`."""
    frame = framework_to_frame(fw).astype(object)
    ids = frame["id"].astype(str).tolist()
    for nid, change in edits.items():
        if nid not in ids:
            raise FrameworkError(f"Framework {fw.id!r}: no node {nid!r} to edit; got an edit for a node the framework "
                                 "does not have. Reload the framework and edit its nodes again.")
        i = ids.index(nid)
        if "direction" in change and change["direction"] is not None:
            if int(change["direction"]) not in (1, -1):
                raise FrameworkError(f"Framework {fw.id!r}, node {nid!r}: the direction must be 1 (正向) or -1 (负向); "
                                     f"got {change['direction']!r}. Choose 正向 or 负向.")
            frame.loc[frame.index[i], "direction"] = int(change["direction"])
        if "weight" in change:
            w = change["weight"]
            frame.loc[frame.index[i], "weight"] = "" if w is None or w == "" else float(w)
    return framework_from_frame(frame, source=fw.id)

