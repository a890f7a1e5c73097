"""The results workbook ``DIR/nqpf_results.xlsx`` (xlsxwriter; opens in Excel and LibreOffice).

One sheet per table: index scores and ranks wide by year, element scores, weights, normalised
data, every stage table (analysis, sensitivity, obstacle lists, path recommendations …), plus a
``README`` sheet with the run's choices. Headers are frozen, numbers formatted, headers in
Chinese or English.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd

from .._validation import check_option
from .tables import RunTables, column_label, core_tables, table_caption

__all__ = ["workbook_tables", "workbook_headers", "write_workbook", "sheet_name", "readme_rows", "MAX_ROWS",
           "MAX_CELL_CHARS", "quote_formula_cells"]

#: rows written per sheet at most (Excel's limit is 1,048,576 including the header)
MAX_ROWS = 1_048_575
#: characters per cell at most (Excel's limit); longer text is cut to this length and the cut is recorded
MAX_CELL_CHARS = 32_767
_CUT_MARK = "…[truncated]"
from .._csvsafe import _FORMULA_START, _quote_cell, quote_formula_cells  # noqa: E402,F401 - re-exported

_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, no ``[]:*?/\\``).

    Examples
    --------
    >>> taken = set()
    >>> sheet_name("analysis/dagum_totals", taken), sheet_name("analysis/dagum_totals", taken)
    ('analysis_dagum_totals', 'analysis_dagum_totals_2')
    """
    base = _BAD.sub("_", name).strip("'")[:31] or "sheet"
    out, i = base, 2
    while out.lower() in {t.lower() for t in taken}:
        suffix = f"_{i}"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(out)
    return out


def readme_rows(run: RunTables, *, lang: Literal["zh", "en"] = "zh") -> list[tuple[str, str]]:
    """The README sheet: what the run did (framework, years, every step and its parameters) and the sheet list."""
    res = run.result
    m = res.manifest
    zh = lang == "zh"
    rows: list[tuple[str, str]] = [
        ("nqpf 结果工作簿" if zh else "nqpf results workbook", str(m.get("title") or res.framework.name_en or "")),
        ("框架" if zh else "Framework", f"{res.framework.id} — {res.framework.name_zh} / {res.framework.name_en}"),
        ("年份" if zh else "Years", f"{res.years[0]}–{res.years[-1]}"),
        ("单元数" if zh else "Units", str(res.units.shape[0])),
        ("指标数" if zh else "Indicators", str(len(res.framework.indicators))),
        ("nqpf 版本" if zh else "nqpf version", str(m.get("nqpf_version", ""))),
        ("可复现" if zh else "Regenerable", str(m.get("regenerable", ""))),
        ("已运行阶段" if zh else "Stages run", ", ".join(run.stages)),
    ]
    for st in m.get("steps", []):
        params = st.get("params", {})
        if st.get("name") == "derive":
            params = {"expressions": len(params.get("expressions", {}))}
        rows.append((f"{'步骤' if zh else 'Step'}: {st.get('name')}", json.dumps(params, ensure_ascii=False, sort_keys=True,
                                                                              default=str)))
    for name, h in sorted((m.get("inputs") or {}).items()) if isinstance(m.get("inputs"), dict) else []:
        rows.append((f"{'输入' if zh else 'Input'}: {name}", json.dumps(h, ensure_ascii=False, default=str)))
    return rows


def _workbook_entries(run: RunTables, lang: Literal["zh", "en"]) -> list[tuple[str, str, pd.DataFrame]]:
    """``(sheet name, table name, DataFrame)`` of every sheet after README, in sheet order."""
    taken = {"README"}
    out: list[tuple[str, str, pd.DataFrame]] = []
    for name, df in core_tables(run.result, lang=lang).items():
        out.append((sheet_name(name, taken), name, df))
    short: dict[str, list[str]] = {}
    for stage, table in run.stage_tables:
        short.setdefault(table, []).append(stage)
    for (stage, table), df in run.stage_tables.items():
        nm = table if len(short[table]) == 1 and stage not in ("paths",) else f"{stage}_{table}"
        out.append((sheet_name(nm, taken), table, df))
    return out


def workbook_tables(run: RunTables, *, lang: Literal["zh", "en"] = "zh") -> dict[str, pd.DataFrame]:
    """Every table of the workbook, ``{sheet name: DataFrame}`` (original column names), in sheet order.

    The README sheet is not included (see :func:`readme_rows`).
    """
    check_option(lang, Literal["zh", "en"], param="lang", caller="workbook_tables")
    return {sheet: df for sheet, _, df in _workbook_entries(run, lang)}


def workbook_headers(run: RunTables, *, lang: Literal["zh", "en"] = "zh") -> dict[str, list[str]]:
    """The header row of every sheet, ``{sheet name: [header, …]}``: columns labelled by their table's kind.

    ``C`` is headed Geary's C in ``moran_global`` and the coupling degree in ``coupling_coupling``
    (:func:`nqpf.report.tables.column_label`).
    """
    check_option(lang, Literal["zh", "en"], param="lang", caller="workbook_headers")
    return {sheet: [column_label(c, lang, table) for c in df.columns] for sheet, table, df in _workbook_entries(run, lang)}


def _is_int_col(s: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(s):
        return True
    if pd.api.types.is_float_dtype(s):
        v = s.to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        return len(v) > 0 and bool(np.all(np.mod(v, 1) == 0)) and bool(np.all(np.abs(v) < 1e9))
    return False


def _cell(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _write_rows(ws, df: pd.DataFrame, fmts: list, text: Callable[[Any, int, int], str]) -> None:
    """Write the cells of ``df`` below the header row, row by row.

    The workbook is written in xlsxwriter's ``constant_memory`` mode: a row goes to disk when the next
    one starts, so rows come in order and the sheet is never held as cells in memory (the demo's
    368,000 cells took about 50 MiB that way). Columns of numpy number and bool dtypes are converted
    once (``tolist`` gives the Python ``float``/``int``/``bool`` that :func:`_cell` gives per cell)
    and written with the matching typed call; missing and infinite numbers stay empty. Other columns
    go through :func:`_cell` cell by cell. Cut text cells are listed in reading order.
    """
    columns = []  # (column, typed write or None for the other columns, values, format)
    for j in range(df.shape[1]):
        s = df.iloc[:, j]
        kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else "O"
        if kind == "b":
            columns.append((j, ws.write_boolean, s.to_numpy().tolist(), None))
        elif kind in "iu":
            columns.append((j, ws.write_number, s.to_numpy().tolist(), fmts[j]))
        elif kind == "f":
            a = s.to_numpy(dtype=float)
            columns.append((j, ws.write_number, np.where(np.isfinite(a), a, None).tolist(), fmts[j]))
        else:
            columns.append((j, None, s.astype(object).tolist(), fmts[j]))
    for i in range(len(df)):
        r = i + 1
        for j, write, values, f in columns:
            v = values[i]
            if write is not None:
                if v is not None:
                    write(r, j, v, f)
                continue
            v = _cell(v)
            if v is None or (isinstance(v, str) and v == ""):
                continue  # missing values and empty strings are empty cells
            if isinstance(v, bool):
                ws.write_boolean(r, j, v)
            elif isinstance(v, (int, float)):
                ws.write_number(r, j, v, f)
            else:
                ws.write_string(r, j, text(v, r, j))


def write_workbook(run: RunTables, path: str | Path, *, lang: Literal["zh", "en"] = "zh") -> Path:
    """Write the results workbook.

    Parameters
    ----------
    run
        Tables of a run (:func:`nqpf.report.tables.collect`).
    path
        Output ``.xlsx`` path.
    lang
        Language of headers and the README sheet.

    Returns
    -------
    Path

    Notes
    -----
    Text longer than Excel's cell limit (:data:`MAX_CELL_CHARS`, 32,767 characters — e.g. a very
    long unit name) is cut to the limit and ends with ``…[truncated]``; every cut cell is listed
    (sheet, row, column, original length) at the end of the README sheet and a
    :class:`~nqpf.DataWarning` is issued. Nothing is cut silently.
    """
    import xlsxwriter

    check_option(lang, Literal["zh", "en"], param="lang", caller="write_workbook")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = _workbook_entries(run, lang)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
                                         "constant_memory": True})  # rows written out in order (_write_rows)
    wb.set_properties({"title": "nqpf results", "comments": "written by nqpf", "created": pd.Timestamp("2000-01-01").to_pydatetime()})
    head = wb.add_format({"bold": True, "bg_color": "#dde6f0", "border": 1, "text_wrap": True, "valign": "top"})
    f_float = wb.add_format({"num_format": "0.0000"})
    f_int = wb.add_format({"num_format": "0"})
    f_wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    truncated: list[tuple[str, int, str, int]] = []  # (sheet, spreadsheet row, column, original length)

    def text(v: Any, sheet: str, row: int, col: str) -> str:
        v = str(v)
        if len(v) > MAX_CELL_CHARS:
            truncated.append((sheet, row + 1, col, len(v)))
            return v[: MAX_CELL_CHARS - len(_CUT_MARK)] + _CUT_MARK
        return v

    # README
    ws = wb.add_worksheet("README")
    ws.write_row(0, 0, ["项目" if lang == "zh" else "Item", "内容" if lang == "zh" else "Value"], head)
    r = 1
    for k, v in readme_rows(run, lang=lang):
        ws.write_string(r, 0, k)
        ws.write_string(r, 1, v, f_wrap)
        r += 1
    r += 1
    ws.write_row(r, 0, ["工作表" if lang == "zh" else "Sheet", "行数 × 列数" if lang == "zh" else "Rows × columns"], head)
    for name, table, df in entries:
        r += 1
        ws.write_string(r, 0, name)
        cap = table_caption(table, lang)
        ws.write_string(r, 1, f"{len(df)} × {df.shape[1]}" + (" (truncated)" if len(df) > MAX_ROWS else "")
                        + (f" — {cap}" if cap else ""), f_wrap if cap else None)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 110)
    ws.freeze_panes(1, 0)
    for name, table, df in entries:
        ws = wb.add_worksheet(name)
        cols = list(df.columns)
        labels = [column_label(c, lang, table) for c in cols]
        ws.write_row(0, 0, labels, head)
        fmts = []
        for j, c in enumerate(cols):
            s = df[c]
            if pd.api.types.is_bool_dtype(s):
                fmts.append(None)
            elif _is_int_col(s) or str(c) == "year":
                fmts.append(f_int)
            elif pd.api.types.is_numeric_dtype(s):
                fmts.append(f_float)
            else:
                fmts.append(None)
            width = max(len(labels[j]) * (2 if lang == "zh" else 1), 8)
            ws.set_column(j, j, min(width + 2, 40), fmts[-1])
        _write_rows(ws, df.head(MAX_ROWS), fmts, lambda v, i, j: text(v, name, i, str(cols[j])))
        ws.freeze_panes(1, 1 if cols and cols[0] in ("unit", "node", "year") else 0)
        if len(df):
            ws.autofilter(0, 0, min(len(df), MAX_ROWS), max(len(cols) - 1, 0))
    if truncated:
        import warnings

        from .._errors import DataWarning

        readme = wb.get_worksheet_by_name("README")
        r += 2
        readme.write_string(r, 0, "截断的单元格" if lang == "zh" else "Truncated cells", head)
        readme.write_string(r, 1, (f"{len(truncated)} 个单元格超过 Excel 的 {MAX_CELL_CHARS} 字符上限，已截断并以 "
                                   f"'{_CUT_MARK}' 结尾；完整内容见 CSV 输出。") if lang == "zh" else
                            (f"{len(truncated)} cells exceed Excel's {MAX_CELL_CHARS}-character limit; cut and ended "
                             f"with '{_CUT_MARK}'. The CSV outputs hold the full text."), f_wrap)
        for sh, row, col, n in truncated[:200]:
            r += 1
            readme.write_string(r, 0, f"{sh}!{col} row {row}")
            readme.write_string(r, 1, f"{n} → {MAX_CELL_CHARS} characters")
        first = truncated[0]
        warnings.warn(f"{path.name}: {len(truncated)} cells longer than Excel's {MAX_CELL_CHARS} characters were cut "
                      f"(e.g. sheet {first[0]!r}, row {first[1]}, column {first[2]!r}: {first[3]} characters); listed "
                      "in the README sheet, full text in the CSV outputs.", DataWarning, stacklevel=2)
    wb.close()
    return path
