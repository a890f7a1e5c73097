"""A starter project from a data file: ``run.toml`` + ``framework.csv`` (student sheet layout), so a first run
needs no TOML. Used by ``nqpf init`` and by the app's new-project form."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .._errors import ConfigError

__all__ = ["init_project", "unit_of_column", "CONFIRM"]

_UNIT_IN_NAME = re.compile(r"^(?P<name>.+?)\s*[（(\[【](?P<unit>[^（）()\[\]【】]{1,20})[）)\]】]\s*$")
CONFIRM = "方向默认正向，请确认：越大越好填正向，越小越好填负向"


def unit_of_column(name: str) -> str:
    """The unit written in a column header, ``研发经费（万元）`` → ``万元`` ("" when none).

    Examples
    --------
    >>> unit_of_column("研发经费（万元）"), unit_of_column("GDP(亿元)"), unit_of_column("x1")
    ('万元', '亿元', '')
    """
    m = _UNIT_IN_NAME.match(str(name).strip())
    return m.group("unit").strip() if m else ""


def _toml_str(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def init_project(data: str | Path, out: str | Path, *, sheet: str | None = None) -> dict[str, Any]:
    """Write ``OUT/run.toml`` and ``OUT/framework.csv`` (student sheet layout) for the data file ``data``.

    Every data column other than unit, year, unit name and groups becomes an indicator (direction 正向, to be
    confirmed in the column 待确认; unit from the header, e.g. ``研发经费（万元）``). Existing files are never
    overwritten. Returns ``{"config": path, "framework": path, "indicators": [...], "units": n, "years": [first, last],
    "province": bool}``.

    Raises
    ------
    ConfigError
        When ``OUT/run.toml`` or ``OUT/framework.csv`` already exists, or the data have no indicator column.
    DataError
        When the data file cannot be read (the reader names file, row and column).
    """
    import pandas as pd

    from ..data.io import read_panel

    data = Path(data)
    out = Path(out)
    cfg_path, fw_path = out / "run.toml", out / "framework.csv"
    for p in (cfg_path, fw_path):
        if p.exists():
            raise ConfigError(f"nqpf init: {p} already exists; got an existing file that init will not overwrite. "
                              "Choose another --out folder, or move the file away first.")
    panel = read_panel(data, sheet=sheet)
    inds = list(panel.indicators)
    if not inds:
        raise ConfigError(f"nqpf init: {data.name} has no indicator columns; got only {list(panel.source.columns)}. "
                          "Give a table with unit, year and one column per indicator (or a long table).")
    years = panel.years
    province = panel.source.units == "province"
    out.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"一级指标": [""] * len(inds), "二级指标": [""] * len(inds), "指标": inds, "属性": ["正向"] * len(inds),
                          "单位": [unit_of_column(i) for i in inds], "待确认": [CONFIRM] * len(inds)})
    frame.to_csv(fw_path, index=False, encoding="utf-8-sig", lineterminator="\n")
    rel = os.path.relpath(data.resolve(), out.resolve())
    lines = [
        f"# nqpf run config written by `nqpf init {data.name}`.",
        "# 1. Open framework.csv: fill 一级指标 / 二级指标 (the groups of your indicator system), set 属性 to 负向",
        "#    for indicators where smaller is better, then delete the column 待确认.",
        "# 2. Run:  nqpf build run.toml --out run    (every option: docs/config.md)",
        f'title = {_toml_str(data.stem)}',
        "",
        "[data]",
        f"path = {_toml_str(Path(rel).as_posix())}",
    ]
    if sheet is not None:
        lines.append(f"sheet = {_toml_str(sheet)}")
    lines += [
        f"years = [{years[0]}, {years[-1]}]",
        "",
        "[framework]",
        'path = "framework.csv"          # 指标体系: one row per indicator (docs/framework-sheets.md)',
        "",
        "[impute]",
        'method = "linear"               # fill gaps inside a unit\'s series (every filled cell is listed in changes.csv)',
        "",
        "[normalise]",
        'method = "minmax"               # 极差标准化',
        'scope = "pooled"                # all years together, so that scores are comparable over time',
        "",
        "[weight]",
        'method = "entropy"              # 熵值法; critic, cv, equal, ahp, given …',
        'scope = "pooled"',
        "",
        "[aggregate]",
        'method = "arithmetic"',
        "",
    ]
    if province:
        lines += ["[analysis]                       # Dagum Gini, kernel density, Markov, Moran's I, convergence …", ""]
    lines += ["[report]                         # nqpf_results.xlsx, nqpf_journal_tables.xlsx (论文表格), figures, report.html",
              ""]
    cfg_path.write_text("\n".join(lines), encoding="utf-8")
    return {"config": cfg_path, "framework": fw_path, "indicators": inds, "units": len(panel.units),
            "years": [years[0], years[-1]], "province": province}
