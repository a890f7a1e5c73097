"""Frameworks as people write them: the indicator sheet of a thesis (一级指标 / 二级指标 / 三级指标 / 指标 / 属性 / 单位).

The layout (CSV in UTF-8 or GBK, or XLSX; merged cells of the level columns are fine — a blank
level cell continues the group above it)::

    一级指标,二级指标,指标,属性,单位
    新型劳动者,科研人力,研发人员全时当量,正向,人年
    ,,发明专利申请数,正向,件
    新型劳动对象,绿色低碳,单位GDP能耗,负向,吨标准煤/万元

Columns (any subset of the level columns; at least the indicator and its direction):

=================================  ==========================================================
column                             meaning
=================================  ==========================================================
一级指标, 二级指标, 三级指标, 四级指标  the groups above the indicator (empty: none at that level)
指标 (or 指标名称, 具体指标)           the indicator; also the name of its data column / series
                                   (without it the deepest level column is the indicator)
属性 (or 方向, 指标属性)              正向 / 负向, +/−, 1/−1
单位                                unit of measurement (optional)
权重                                a given weight of the indicator (optional; weight method ``given``)
数据列                              the data column when it differs from the indicator name (optional)
=================================  ==========================================================

Other columns (e.g. 待确认 written by ``nqpf init``, 说明) are ignored. Ids are generated, ASCII and
stable for the same sheet: the index ``INDEX``, groups ``L1_01``, ``L1_02`` … ``L2_01`` … (numbered
per level in sheet order), indicators ``X01``, ``X02`` … (sheet order); each node's ``notes`` name its
sheet row, and the framework's description lists every id with its name (:func:`sheet_id_table`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import pandas as pd

from .._errors import FrameworkError
from .model import Framework

__all__ = ["is_sheet_layout", "framework_from_sheet", "sheet_id_table", "LEVEL_COLUMNS", "SHEET_COLUMNS"]

LEVEL_COLUMNS = ("一级指标", "二级指标", "三级指标", "四级指标")
_ALIASES = {
    "指标": "指标", "指标名称": "指标", "具体指标": "指标", "indicator": "指标",
    "属性": "属性", "方向": "属性", "指标属性": "属性", "指标方向": "属性", "direction": "属性",
    "单位": "单位", "unit": "单位",
    "权重": "权重", "weight": "权重",
    "数据列": "数据列", "series": "数据列",
    "一级指标": "一级指标", "二级指标": "二级指标", "三级指标": "三级指标", "四级指标": "四级指标",
    "level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "level4": "四级指标",
}
#: the columns read from a sheet (after aliases)
SHEET_COLUMNS = LEVEL_COLUMNS + ("指标", "属性", "单位", "权重", "数据列")
_DIRECTIONS = {"正向": 1, "正": 1, "+": 1, "＋": 1, "1": 1, "+1": 1, "1.0": 1, "benefit": 1,
               "负向": -1, "负": -1, "-": -1, "−": -1, "－": -1, "-1": -1, "-1.0": -1, "cost": -1}
_BAD_SERIES = re.compile(r",")


def _canon(col: Any) -> str | None:
    c = str(col).strip().replace(" ", "")
    return _ALIASES.get(c) or _ALIASES.get(c.lower())


def is_sheet_layout(frame: pd.DataFrame) -> bool:
    """True for the student sheet layout (an indicator, level or direction column, and no ``id`` column of the CSV twin)."""
    cols = {str(c).strip().lower() for c in frame.columns}
    if "id" in cols:
        return False
    canon = {_canon(c) for c in frame.columns}
    return bool(canon & {"指标", "属性", *LEVEL_COLUMNS})


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v).strip()


def framework_from_sheet(frame: pd.DataFrame, *, source: str = "", name_zh: str = "综合指数",
                         framework_id: str | None = None) -> Framework:
    """Build a framework from the student sheet layout (see module docstring).

    Raises
    ------
    FrameworkError
        Missing indicator or direction column, an empty indicator or direction cell, a direction that is
        not 正向/负向/+/−/1/−1, a duplicate indicator, an indicator name with ``,`` (not a
        series name), or a weight that is not a number — each naming the sheet row and column.
    """
    from .io import framework_from_dict

    where = f"Framework sheet {source}" if source else "Framework sheet"
    cols: dict[str, Any] = {}
    for c in frame.columns:
        k = _canon(c)
        if k and k not in cols:
            cols[k] = c
    levels = [lv for lv in LEVEL_COLUMNS if lv in cols]
    ind_col = "指标" if "指标" in cols else (levels.pop() if levels else None)
    if ind_col is None or "属性" not in cols:
        raise FrameworkError(
            f"{where}: missing column {'指标' if ind_col is None else '属性'!r}; got columns {[str(c) for c in frame.columns]}. "
            "Give at least the columns 指标 and 属性 (正向/负向), optionally 一级指标 / 二级指标 / 三级指标 and 单位.")
    rownums = [int(x) if str(x).isdigit() else i + 2 for i, x in enumerate(frame.index)]
    prev: list[str] = [""] * len(levels)
    agg_ids: dict[tuple[str, ...], str] = {}
    counters = [0] * len(levels)
    nodes: list[dict[str, Any]] = []
    inds: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(frame.to_dict(orient="records")):
        row = rownums[i]
        name = _text(rec.get(cols[ind_col]))
        path: list[str] = []
        changed = False
        for k, lv in enumerate(levels):
            v = _text(rec.get(cols[lv]))
            if v:
                changed = changed or v != prev[k]
            elif not changed:
                v = prev[k]  # a merged (blank) cell continues the group above
            path.append(v)
        prev = path
        if not name:
            if any(_text(v) for v in rec.values()):
                raise FrameworkError(f"{where}, row {row}, column {cols[ind_col]!r}: empty indicator name; got a row with "
                                     f"other cells filled. Write the indicator (the name of its data column) or delete the row.")
            continue
        if name in seen:
            raise FrameworkError(f"{where}, row {row}, column {cols[ind_col]!r}: duplicate indicator; got {name!r} also in row "
                                 f"{seen[name]}. Give each indicator once.")
        seen[name] = row
        series = _text(rec.get(cols["数据列"])) if "数据列" in cols else ""
        # the data reader folds column headers with NFKC (（万元） → (万元)); fold the series name the same way
        series = unicodedata.normalize("NFKC", series or name).strip()
        if _BAD_SERIES.search(series):
            raise FrameworkError(
                f"{where}, row {row}, column {cols['数据列' if '数据列' in cols and _text(rec.get(cols['数据列'])) else ind_col]!r}: "
                f"a data column name cannot contain ',' (nor a full-width '，', which the data reader reads as ','); "
                f"got {series!r}. Rename the data column and this cell without commas (e.g. with '、' or '/').")
        d_text = _text(rec.get(cols["属性"]))
        if d_text not in _DIRECTIONS:
            raise FrameworkError(f"{where}, row {row}, column {cols['属性']!r}: the direction must be 正向 or 负向 (or +/−, 1/−1); "
                                 f"got {d_text!r} for {name!r}. Write 正向 if a higher value is better, 负向 otherwise.")
        weight: float | None = None
        if "权重" in cols and _text(rec.get(cols["权重"])):
            try:
                weight = float(_text(rec.get(cols["权重"])))
            except ValueError:
                raise FrameworkError(f"{where}, row {row}, column {cols['权重']!r}: the weight must be a number; got "
                                     f"{_text(rec.get(cols['权重']))!r}. Write a number or leave the cell empty.") from None
        parent = "INDEX"
        key: tuple[str, ...] = ()
        for k, v in enumerate(path):
            if not v:
                continue
            key = key + (f"{k}:{v}",)
            if key not in agg_ids:
                counters[k] += 1
                agg_ids[key] = f"L{k + 1}_{counters[k]:02d}"
                nodes.append({"id": agg_ids[key], "parent": parent, "name_zh": v, "notes": f"{levels[k]}; sheet row {row}"})
            parent = agg_ids[key]
        inds.append({"id": "", "parent": parent, "name_zh": name, "unit": _text(rec.get(cols["单位"])) if "单位" in cols else "",
                     "direction": _DIRECTIONS[d_text], "derive": f"series({series})", "weight": weight,
                     "notes": f"sheet row {row}"})
    if not inds:
        raise FrameworkError(f"{where}: no indicators; got {len(frame)} rows without an indicator name. "
                             f"Fill the column {cols[ind_col]!r}.")
    width = max(2, len(str(len(inds))))
    for k, d in enumerate(inds, start=1):
        d["id"] = f"X{k:0{width}d}"
    fid = framework_id or _slug(source) or "sheet"
    mapping = "; ".join(f"{d['id']}={d['name_zh']}" for d in nodes + inds)
    meta = {"id": fid, "name_zh": name_zh, "name_en": "", "description":
            f"Read from the indicator sheet {source or '(table)'}; ids generated (INDEX, L<level>_<nn>, X<nn>): {mapping}"}
    root = {"id": "INDEX", "parent": "", "name_zh": name_zh, "notes": "generated root of the indicator sheet"}
    data = {"framework": meta, "node": [root] + [{k: v for k, v in n.items() if v != ""} for n in nodes],
            "indicator": [{k: v for k, v in d.items() if v is not None and v != ""} for d in inds]}
    return framework_from_dict(data, source=source)


def _slug(source: str) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", str(source).rsplit("/", 1)[-1])
    s = re.sub(r"[^A-Za-z0-9]+", "_", stem).strip("_").lower()
    return s


def sheet_id_table(fw: Framework) -> pd.DataFrame:
    """The generated ids of a framework read from a sheet: ``id, kind, level, name, parent, series, direction, unit``."""
    rows = []
    for nid in fw.preorder():
        n = fw.by_id[nid]
        level = "指标" if n.is_indicator else ("" if nid == fw.root else n.notes.split(";", 1)[0])
        rows.append({"id": n.id, "kind": n.kind, "level": level,
                     "name": n.name_zh, "parent": n.parent,
                     "series": n.derive[len("series("):-1] if n.derive.startswith("series(") else n.derive,
                     "direction": ("正向" if n.direction == 1 else "负向") if n.is_indicator else "", "unit": n.unit})
    return pd.DataFrame(rows)
