/* nqpf app: the page. Vanilla JS, no external assets; every text node is set with textContent. */
"use strict";

const T = {
  zh: {
    appTitle: "新质生产力测度", navData: "1 数据", navFramework: "2 指标体系", navMethods: "3 方法", navAnalyses: "4 分析",
    navRun: "5 运行", navResults: "6 结果", dataTitle: "1 数据",
    dataHint: "上传 CSV / XLSX / XLS（UTF-8 或 GBK；长表、宽表或年鉴表均可），或选用内置数据。运行前先看 nqpf 如何读取它、发现了哪些问题。",
    uploadData: "上传数据文件", or: "或", useBundled: "使用内置省级数据", fwTitle: "2 指标体系",
    fwHint: "选择内置指标体系，或上传指标表（一级指标 / 二级指标 / 三级指标 / 指标 / 属性）。可直接修改方向、权重和是否纳入。",
    uploadFw: "上传指标表", methodsTitle: "3 方法", anTitle: "4 分析与指南", runTitle: "5 运行", runName: "名称",
    check: "检查设置", run: "运行", showToml: "run.toml（将要运行的设置）", resTitle: "6 结果",
    noResult: "运行完成后，报告和下载显示在这里。", pastRuns: "历次运行", lang: "English",
    uploading: "正在上传并读取…", readOk: "读取成功，未发现阻止运行的问题。", readBad: "数据有问题，请按下表修改后重新上传：",
    file: "文件", format: "格式", encoding: "编码", layout: "布局", unitsMode: "地区识别", units: "地区数", years: "年份",
    indicators: "指标数", missing: "缺失单元格", layoutNames: {long: "长表", wide: "宽表", years: "年鉴表（年份为列）"},
    unitsNames: {province: "省份 → 行政区划代码", raw: "原样使用"}, yearFrom: "起始年", yearTo: "结束年",
    cellsTitle: "无法读取的单元格（逐格）", row: "行", column: "列", value: "值", reason: "原因", fix: "修改方法",
    fixText: "改为数字或留空（缺失可写 —）", issuesTitle: "检查发现的问题", severity: "级别", check_: "检查", message: "说明",
    unitsTitle: "地区识别（原文 → 代码 → 名称）", indTitle: "指标与缺失", missTitle: "缺失单元格（按缺失处理）", notes: "读取说明",
    fwStarter: "由数据自动生成（每列一个指标，方向待确认）", fwBuiltin: "内置：", fwUploaded: "已上传：", node: "节点",
    direction: "方向", weight: "权重", tags: "标签", coverage: "数据覆盖", include: "纳入", pos: "正向", neg: "负向",
    fwSummary: (n, a) => `${n} 个指标，${a} 个上级节点`, notInData: "数据中缺少：", impute: "缺失值插补", treat: "异常值处理",
    normalise: "无量纲化", weight_: "赋权", aggregate: "加总", scope: "范围", shift: "平移量 A", formula: "公式",
    presets: "预设：", stage_analysis: "分析", kinds: "分析方法", groupings: "Dagum/泰尔分组（逗号分隔，留空为默认）",
    markovK: "马尔可夫状态数 k", moranW: "空间权重", coupling: "耦合子系统（节点 id，逗号分隔）", obstacleK: "障碍度前 k 项",
    sensN: "蒙特卡洛次数", figures: "图表", reportLang: "报告语言", pathsTop: "每份指南路径数",
    checking: "正在检查…", checkOk: "设置有效。", queued: "排队中…", running: "运行中", done: "完成", failed: "运行失败",
    seconds: "秒", downloads: "下载", dlWorkbook: "结果工作簿 nqpf_results.xlsx", dlJournal: "期刊表格 nqpf_journal_tables.xlsx",
    dlFigures: "图表 (zip)", dlRun: "整个运行文件夹 (zip)", dlConfig: "设置文件 run.toml",
    replay: "在运行文件夹中用命令行复现（输出逐字节相同）：", files: "全部文件", open: "打开", state: "状态", title: "名称",
    created: "时间", noRuns: "还没有运行。", needData: "请先上传数据或选择内置数据。", needFw: "请选择指标体系。",
    reportTitle: "报告", warnings: "条提示", pickFw: "选择指标体系…",
  },
  en: {
    appTitle: "New Quality Productive Forces", navData: "1 Data", navFramework: "2 Framework", navMethods: "3 Methods",
    navAnalyses: "4 Analyses", navRun: "5 Run", navResults: "6 Results", dataTitle: "1 Data",
    dataHint: "Upload CSV / XLSX / XLS (UTF-8 or GBK; long, wide or yearbook layout) or pick the bundled data. See how nqpf reads it, and every problem it finds, before anything runs.",
    uploadData: "Upload a data file", or: "or", useBundled: "Use the bundled provincial data", fwTitle: "2 Framework",
    fwHint: "Pick a built-in framework or upload an indicator sheet (一级指标 / 二级指标 / 三级指标 / 指标 / 属性). Edit direction, weight and membership in place.",
    uploadFw: "Upload a framework sheet", methodsTitle: "3 Methods", anTitle: "4 Analyses and guides", runTitle: "5 Run",
    runName: "Name", check: "Check settings", run: "Run", showToml: "run.toml (the settings that will run)", resTitle: "6 Results",
    noResult: "The report and downloads appear here when a run has finished.", pastRuns: "Past runs", lang: "中文",
    uploading: "Uploading and reading…", readOk: "Read; nothing stops a run.", readBad: "The data have problems; fix these cells and upload again:",
    file: "File", format: "Format", encoding: "Encoding", layout: "Layout", unitsMode: "Units", units: "Units", years: "Years",
    indicators: "Indicators", missing: "Missing cells", layoutNames: {long: "long", wide: "wide", years: "yearbook (years as columns)"},
    unitsNames: {province: "provinces → GB/T 2260 codes", raw: "kept as written"}, yearFrom: "From", yearTo: "To",
    cellsTitle: "Cells that cannot be read (every one)", row: "Row", column: "Column", value: "Value", reason: "Reason", fix: "Fix",
    fixText: "write a number or leave it empty (— for missing)", issuesTitle: "Problems found by the checks", severity: "Severity",
    check_: "Check", message: "Message", unitsTitle: "Units (as written → code → name)", indTitle: "Indicators and missing values",
    missTitle: "Missing cells (kept as missing)", notes: "Reading notes", fwStarter: "Made from the data (one indicator per column, directions to confirm)",
    fwBuiltin: "Built-in: ", fwUploaded: "Uploaded: ", node: "Node", direction: "Direction", weight: "Weight", tags: "Tags",
    coverage: "Data coverage", include: "Include", pos: "benefit (+)", neg: "cost (−)",
    fwSummary: (n, a) => `${n} indicators, ${a} aggregate nodes`, notInData: "missing from the data: ", impute: "Imputation",
    treat: "Outlier treatment", normalise: "Normalisation", weight_: "Weighting", aggregate: "Aggregation", scope: "Scope",
    shift: "Shift A", formula: "Formula", presets: "Presets:", stage_analysis: "Analyses", kinds: "Methods",
    groupings: "Dagum/Theil groupings (comma-separated, empty = default)", markovK: "Markov states k", moranW: "Spatial weights",
    coupling: "Coupling subsystems (node ids, comma-separated)", obstacleK: "Obstacles: top k", sensN: "Monte Carlo runs",
    figures: "Figures", reportLang: "Report language", pathsTop: "Paths per guide", checking: "Checking…", checkOk: "The settings are valid.",
    queued: "Queued…", running: "Running", done: "Done", failed: "Run failed", seconds: "s", downloads: "Downloads",
    dlWorkbook: "Results workbook nqpf_results.xlsx", dlJournal: "Journal tables nqpf_journal_tables.xlsx", dlFigures: "Figures (zip)",
    dlRun: "The whole run folder (zip)", dlConfig: "Config run.toml",
    replay: "Reproduce it from the command line, in the run folder (byte-identical outputs):", files: "All files", open: "Open",
    state: "State", title: "Name", created: "Time", noRuns: "No runs yet.", needData: "Upload data or pick the bundled data first.",
    needFw: "Choose a framework.", reportTitle: "Report", warnings: "notes", pickFw: "Choose a framework…",
  },
};
const STEPS = ["impute", "treat", "normalise", "weight", "aggregate"];
const S = {
  lang: localStorage.getItem("nqpf-lang") || "zh", meta: null,
  data: null,          // {source, preview, defaults}
  fw: null,            // {source, tree}
  edits: {}, exclude: new Set(),
  methods: {}, stages: {}, runId: null, timer: null,
};
const t = (k) => (T[S.lang][k] !== undefined ? T[S.lang][k] : k);
const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "checked" || k === "selected" || k === "disabled" || k === "value") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
const name = (o) => (S.lang === "zh" ? (o.zh || o.name_zh || o.en || o.name_en) : (o.en || o.name_en || o.zh || o.name_zh)) || "";

async function api(path, opts) {
  const r = await fetch(path, opts);
  let body = null;
  try { body = await r.json(); } catch (e) { body = {error: `HTTP ${r.status}`}; }
  if (!r.ok) throw new Error(body && body.error ? body.error : `HTTP ${r.status}`);
  return body;
}

function table(cols, rows, cls) {
  return h("div", {class: "tablewrap" + (rows.length > 12 ? " tall" : "") + (cls ? " " + cls : "")},
    h("table", {}, h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c[0])))),
      h("tbody", {}, rows.map((r) => h("tr", {}, cols.map((c) => {
        const v = c[1](r);
        return h("td", {class: c[2] || null}, v instanceof Node ? v : (v === null || v === undefined ? "" : String(v)));
      }))))));
}

/* ---------------------------------------------------------------- language */
function applyLang() {
  document.documentElement.lang = S.lang === "zh" ? "zh" : "en";
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  $("lang").textContent = t("lang");
  if (S.meta) { renderFwSource(); renderMethods(); renderStages(); }
  if (S.data) renderPreview();
  if (S.fw) renderTree();
  loadRuns();
  if (S.runId) showRun(S.runId, false);
}

/* ---------------------------------------------------------------- data */
async function uploadFile(kind, file) {
  const fd = new FormData();
  fd.append("file", file, file.name);
  return api(`/api/upload?kind=${kind}`, {method: "POST", body: fd});
}

async function onDataFile(ev) {
  const f = ev.target.files[0];
  if (!f) return;
  $("dataStatus").textContent = t("uploading");
  try {
    const r = await uploadFile("data", f);
    setData({source: `upload:${r.id}`, name: r.name, preview: r.preview, defaults: r.defaults || null});
  } catch (e) {
    $("dataStatus").textContent = "";
    $("dataPreview").replaceChildren(h("div", {class: "error"}, e.message));
  }
  ev.target.value = "";
}

async function useBundled() {
  $("dataStatus").textContent = t("uploading");
  const r = await api("/api/data?source=bundled:province");
  setData({source: "bundled:province", name: "bundled", preview: r.preview, defaults: r.defaults});
}

function setData(d, keep) {
  S.data = d;
  if (!keep && d.defaults) {
    S.methods = JSON.parse(JSON.stringify(d.defaults.methods || {}));
    S.stages = JSON.parse(JSON.stringify(d.defaults.stages || {}));
    if (d.defaults.title && !$("title").value) $("title").value = d.defaults.title;
    renderMethods(); renderStages();
  }
  renderPreview();
  if (!keep) {
    const fwDefault = d.source.startsWith("upload:") ? "starter" : "builtin:nqpf_province";
    renderFwSource(fwDefault);
    loadFramework(fwDefault);
  }
}

function renderPreview() {
  const p = S.data.preview;
  $("dataStatus").replaceChildren(h("span", {class: p.ok ? "ok" : "warn"}, p.ok ? t("readOk") : t("readBad")));
  const box = [];
  if (p.error) box.push(h("div", {class: "error", id: "dataError"}, p.error));
  if (p.cells && p.cells.length) {
    box.push(h("h3", {}, `${t("cellsTitle")} (${p.cells.length})`));
    box.push(table([[t("row"), (c) => c.row, "num"], [t("column"), (c) => c.column], [t("value"), (c) => c.value],
      [t("reason"), (c) => c.reason], [t("fix"), () => t("fixText")]], p.cells, "cells"));
  }
  if (p.years) {
    const yrs = p.years;
    box.push(h("div", {class: "facts"},
      fact(t("file"), p.file), fact(t("format"), p.format + (p.encoding ? ` · ${p.encoding}` : "")),
      fact(t("layout"), (t("layoutNames")[p.layout] || p.layout)), fact(t("unitsMode"), t("unitsNames")[p.units_mode] || p.units_mode),
      fact(t("units"), p.n_units), fact(t("years"), yrs.length ? `${yrs[0]}–${yrs[yrs.length - 1]} (${yrs.length})` : "-"),
      fact(t("indicators"), p.indicators.length), fact(t("missing"), p.n_missing)));
    const sel = (id, v) => h("select", {id, onchange: () => {}}, yrs.map((y) => h("option", {value: String(y), selected: y === v}, y)));
    const cur = (S.data.years || (S.data.defaults && S.data.defaults.years) || [yrs[0], yrs[yrs.length - 1]]);
    box.push(h("div", {class: "row"}, h("label", {}, t("yearFrom"), " ", sel("yearFrom", cur[0])),
      h("label", {}, t("yearTo"), " ", sel("yearTo", cur[1]))));
  }
  if (p.issues && p.issues.length) {
    box.push(h("h3", {}, `${t("issuesTitle")} (${p.issues.length})`));
    box.push(table([[t("severity"), (c) => c.severity], [t("check_"), (c) => c.check], [t("row"), (c) => c.row, "num"],
      [t("column"), (c) => c.column], [t("message"), (c) => c.message, "msg"]], p.issues, "issues"));
  }
  if (p.units && p.units.length) {
    box.push(h("details", {}, h("summary", {}, `${t("unitsTitle")} (${p.n_units})`),
      table([["", (u) => u.key], ["", (u) => u.unit], ["", (u) => u.unit_name]], p.units)));
    box.push(h("details", {}, h("summary", {}, `${t("indTitle")} (${p.indicators.length})`),
      table([[t("indicators"), (i) => i.id], [t("missing"), (i) => `${i.missing} / ${i.cells}`, "num"]], p.indicators)));
  }
  if (p.missing_cells && p.missing_cells.length) {
    box.push(h("details", {}, h("summary", {}, `${t("missTitle")} (${p.n_missing})`),
      table([[t("row"), (c) => c.row, "num"], [t("column"), (c) => c.column], [t("value"), (c) => c.value],
        ["", (c) => c.unit], ["", (c) => c.year]], p.missing_cells)));
  }
  const notes = [...(p.notes || []), ...(p.warnings || [])];
  if (notes.length) box.push(h("details", {}, h("summary", {}, `${t("notes")} (${notes.length})`), h("ul", {}, notes.map((n) => h("li", {}, n)))));
  $("dataPreview").replaceChildren(...box);
}
const fact = (k, v) => h("div", {}, h("b", {}, k), String(v === null || v === undefined ? "-" : v));

/* ---------------------------------------------------------------- framework */
function renderFwSource(value) {
  const sel = $("fwSource");
  const cur = value || sel.value;
  const opts = [h("option", {value: ""}, t("pickFw"))];
  if (S.data && S.data.source.startsWith("upload:")) opts.push(h("option", {value: "starter"}, t("fwStarter")));
  for (const f of S.meta.frameworks) opts.push(h("option", {value: `builtin:${f.name}`}, `${t("fwBuiltin")}${name(f)} (${f.n})`));
  if (S.fwUpload) opts.push(h("option", {value: `upload:${S.fwUpload.id}`}, `${t("fwUploaded")}${S.fwUpload.name}`));
  sel.replaceChildren(...opts);
  sel.value = cur || "";
}

async function loadFramework(source, keepEdits) {
  if (!keepEdits) { S.edits = {}; S.exclude = new Set(); }
  if (!source) { S.fw = null; $("fwTree").replaceChildren(); return; }
  $("fwStatus").textContent = t("uploading");
  try {
    const q = `/api/framework?source=${encodeURIComponent(source)}` + (S.data ? `&data=${encodeURIComponent(S.data.source)}` : "");
    S.fw = {source, tree: await api(q)};
    renderTree();
  } catch (e) {
    S.fw = null;
    $("fwStatus").replaceChildren(h("div", {class: "error"}, e.message));
    $("fwTree").replaceChildren();
  }
}

async function onFwFile(ev) {
  const f = ev.target.files[0];
  if (!f) return;
  $("fwStatus").textContent = t("uploading");
  try {
    const r = await uploadFile("framework", f);
    if (r.error) { $("fwStatus").replaceChildren(h("div", {class: "error"}, r.error)); return; }
    S.fwUpload = {id: r.id, name: r.name};
    renderFwSource(`upload:${r.id}`);
    await loadFramework(`upload:${r.id}`);
  } catch (e) {
    $("fwStatus").replaceChildren(h("div", {class: "error"}, e.message));
  }
  ev.target.value = "";
}

function renderTree() {
  const tr = S.fw.tree;
  $("fwStatus").replaceChildren(h("span", {class: "ok"}, `${name(tr)} · ${t("fwSummary")(tr.n_indicators, tr.n_aggregates)}`));
  const rows = tr.nodes.map((n) => {
    const ed = S.edits[n.id] || {};
    const isInd = n.kind === "indicator";
    const dir = ed.direction !== undefined ? ed.direction : n.direction;
    const w = ed.weight !== undefined ? ed.weight : n.weight;
    const label = h("span", {style: null}, h("span", {class: "indent", "data-depth": n.depth}, "\u00a0".repeat(n.depth * 3)),
      isInd ? "" : h("b", {}, name(n) || n.id), isInd ? (name(n) || n.id) : "", " ", h("small", {class: "hint"}, n.id));
    const dirSel = isInd ? h("select", {"data-node": n.id, class: "dir", onchange: (e) => edit(n, "direction", Number(e.target.value))},
      h("option", {value: "1", selected: dir === 1}, t("pos")), h("option", {value: "-1", selected: dir === -1}, t("neg"))) : "";
    const wIn = h("input", {type: "number", step: "any", min: "0", "data-node": n.id, class: "w", value: w === null || w === undefined ? "" : String(w),
      onchange: (e) => edit(n, "weight", e.target.value === "" ? null : Number(e.target.value))});
    const tags = h("span", {}, [n.element, n.driver && n.driver !== "none" ? n.driver : "", n.type, n.unit].filter(Boolean).map((x) => h("span", {class: "tag"}, x)));
    const cov = n.coverage === null || n.coverage === undefined ? "" :
      h("span", {title: n.missing_series.length ? t("notInData") + n.missing_series.join(", ") : ""},
        h("span", {class: "bar"}, h("i", {"data-w": Math.round(n.coverage * 100)})), `${Math.round(n.coverage * 100)}%`,
        n.missing_series.length ? h("div", {class: "warn small"}, t("notInData") + n.missing_series.join(", ")) : null);
    const inc = isInd ? h("input", {type: "checkbox", checked: !S.exclude.has(n.id), "data-node": n.id, class: "inc",
      onchange: (e) => { if (e.target.checked) S.exclude.delete(n.id); else S.exclude.add(n.id); }}) : "";
    return {label, dirSel, wIn, tags, cov, inc};
  });
  $("fwTree").replaceChildren(table([[t("node"), (r) => r.label], [t("direction"), (r) => r.dirSel], [t("weight"), (r) => r.wIn],
    [t("tags"), (r) => r.tags], [t("coverage"), (r) => r.cov], [t("include"), (r) => r.inc]], rows, "tree"));
  // widths set from data attributes (no inline style strings: the page's CSP forbids them)
  document.querySelectorAll(".bar i").forEach((i) => { i.style.width = `${i.dataset.w}%`; });
}

function edit(n, key, value) {
  const e = S.edits[n.id] || {};
  const orig = key === "direction" ? n.direction : n.weight;
  if (value === orig || (value === null && (orig === null || orig === undefined))) delete e[key]; else e[key] = value;
  if (Object.keys(e).length) S.edits[n.id] = e; else delete S.edits[n.id];
}

/* ---------------------------------------------------------------- methods */
function renderMethods() {
  const m = S.meta.methods;
  $("presets").replaceChildren(h("span", {}, t("presets")), ...S.meta.presets.map((p) =>
    h("button", {type: "button", "data-preset": p.id, onclick: () => { applyPreset(p); }}, name(p))));
  const cards = STEPS.map((step) => {
    const cur = S.methods[step] || {};
    const opts = m[step].options;
    const chosen = opts.find((o) => o.value === (cur.method || opts[0].value)) || opts[0];
    const sel = h("select", {id: `m-${step}`, onchange: (e) => { setMethod(step, "method", e.target.value); renderMethods(); }},
      opts.map((o) => h("option", {value: o.value, selected: o.value === chosen.value}, S.lang === "zh" ? `${o.zh} · ${o.en}` : `${o.en} · ${o.zh}`)));
    const kids = [h("h4", {}, t(step === "weight" ? "weight_" : step)), sel,
      h("div", {class: "line"}, S.lang === "zh" ? chosen.line_zh : chosen.line_en)];
    if (m[step].scopes.length) {
      const sc = cur.scope || (step === "treat" ? "year" : "pooled");
      kids.push(h("label", {}, t("scope"), " ", h("select", {id: `s-${step}`, onchange: (e) => setMethod(step, "scope", e.target.value)},
        m[step].scopes.map((o) => h("option", {value: o.value, selected: o.value === sc}, name(o))))));
    }
    if (step === "normalise") {
      kids.push(h("label", {}, " ", t("shift"), " ", h("input", {type: "number", step: "any", min: "0", id: "n-shift",
        value: cur.shift !== undefined ? String(cur.shift) : "0", onchange: (e) => setMethod(step, "shift", Number(e.target.value))})));
    }
    if (chosen.formula) kids.push(h("details", {}, h("summary", {}, `${t("formula")}: ${S.lang === "zh" ? chosen.formula_title : chosen.formula_title_en}`), h("pre", {}, chosen.formula)));
    return h("div", {class: "method"}, kids);
  });
  $("methodGrid").replaceChildren(...cards);
}
function setMethod(step, key, value) {
  S.methods[step] = Object.assign({}, S.methods[step] || {}, {[key]: value});
  if (key === "method" && step === "treat" && value === "none") delete S.methods[step].scope;
}
function applyPreset(p) {
  for (const [step, sec] of Object.entries(p.methods)) S.methods[step] = Object.assign({}, sec);
  renderMethods();
}

/* ---------------------------------------------------------------- analyses */
function renderStages() {
  const meta = S.meta;
  const box = meta.stages.map((st) => {
    const on = S.stages[st.value] !== undefined;
    const cb = h("input", {type: "checkbox", id: `st-${st.value}`, checked: on, onchange: (e) => {
      if (e.target.checked) S.stages[st.value] = st.value === "sensitivity" ? JSON.parse(JSON.stringify(meta.sensitivity)) : {};
      else delete S.stages[st.value];
      renderStages();
    }});
    const kids = [h("label", {}, cb, name(st))];
    if (on) kids.push(h("div", {class: "opts"}, stageOptions(st.value)));
    return h("div", {class: "stage"}, kids);
  });
  $("stageBox").replaceChildren(...box);
}
function num(stage, key, dflt, min) {
  const sec = S.stages[stage];
  return h("input", {type: "number", min: String(min), id: `o-${stage}-${key}`, value: String(sec[key] !== undefined ? sec[key] : dflt),
    onchange: (e) => { if (e.target.value === "" || Number(e.target.value) === dflt) delete sec[key]; else sec[key] = Number(e.target.value); }});
}
function list(stage, key) {
  const sec = S.stages[stage];
  return h("input", {type: "text", id: `o-${stage}-${key}`, value: (sec[key] || []).join(", "), onchange: (e) => {
    const v = e.target.value.split(/[,，\s]+/).filter(Boolean);
    if (v.length) sec[key] = v; else delete sec[key];
  }});
}
function stageOptions(stage) {
  const sec = S.stages[stage];
  if (stage === "analysis") {
    const all = S.meta.analyses.map((a) => a.value);
    const run = new Set(sec.run || all);
    const checks = h("div", {class: "checks"}, S.meta.analyses.map((a) => h("label", {},
      h("input", {type: "checkbox", checked: run.has(a.value), "data-kind": a.value, onchange: (e) => {
        if (e.target.checked) run.add(a.value); else run.delete(a.value);
        const v = all.filter((k) => run.has(k));
        if (v.length === all.length) delete sec.run; else sec.run = v;
      }}), name(a))));
    const wsel = h("select", {id: "o-analysis-weights", onchange: (e) => { if (e.target.value === "queen") delete sec.weights; else sec.weights = e.target.value; }},
      S.meta.spatial_weights.map((w) => h("option", {value: w.value, selected: (sec.weights || "queen") === w.value}, name(w))));
    return [h("div", {}, t("kinds")), checks,
      h("label", {}, t("markovK"), " ", num(stage, "markov_k", 4, 2)), h("label", {}, t("moranW"), " ", wsel),
      h("label", {}, t("obstacleK"), " ", num(stage, "obstacle_top_k", 5, 1)),
      h("div", {class: "row"}, h("label", {class: "grow"}, t("groupings"), " ", list(stage, "groupings"))),
      h("div", {class: "row"}, h("label", {class: "grow"}, t("coupling"), " ", list(stage, "coupling_subsystems")))];
  }
  if (stage === "sensitivity") return [h("label", {}, t("sensN"), " ", num(stage, "n", 128, 2))];
  if (stage === "paths") return [h("label", {}, t("pathsTop"), " ", num(stage, "top", 8, 1))];
  if (stage === "report") {
    return [h("label", {}, h("input", {type: "checkbox", id: "o-report-figures", checked: sec.figures !== false,
      onchange: (e) => { if (e.target.checked) delete sec.figures; else sec.figures = false; }}), t("figures")),
    h("label", {}, t("reportLang"), " ", h("select", {id: "o-report-lang", onchange: (e) => { if (e.target.value === "zh") delete sec.lang; else sec.lang = e.target.value; }},
      h("option", {value: "zh", selected: (sec.lang || "zh") === "zh"}, "中文"), h("option", {value: "en", selected: sec.lang === "en"}, "English")))];
  }
  return [];
}

/* ---------------------------------------------------------------- run */
function spec() {
  if (!S.data) throw new Error(t("needData"));
  if (!$("fwSource").value) throw new Error(t("needFw"));
  const years = $("yearFrom") ? [Number($("yearFrom").value), Number($("yearTo").value)] : null;
  S.data.years = years;
  return {
    title: $("title").value.trim(),
    data: {source: S.data.source, years},
    framework: {source: $("fwSource").value, edits: S.edits, exclude: [...S.exclude]},
    methods: S.methods, stages: S.stages,
  };
}
async function check() {
  $("runError").hidden = true;
  try {
    const r = await api("/api/check", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(spec())});
    $("tomlText").textContent = r.toml; $("tomlBox").hidden = false; $("tomlBox").open = true;
    $("progress").replaceChildren(h("span", {class: "ok"}, t("checkOk")));
  } catch (e) { showError(e.message); }
}
function showError(msg) { $("runError").textContent = msg; $("runError").hidden = false; }

async function startRun() {
  $("runError").hidden = true;
  let s;
  try { s = spec(); } catch (e) { showError(e.message); return; }
  $("runBtn").disabled = true;
  try {
    const job = await api("/api/runs", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(s)});
    S.runId = job.id;
    poll(job.id);
  } catch (e) { showError(e.message); $("runBtn").disabled = false; }
}
function poll(id) {
  clearTimeout(S.timer);
  api(`/api/runs/${encodeURIComponent(id)}`).then((st) => {
    renderProgress(st);
    if (st.state === "done" || st.state === "failed") {
      $("runBtn").disabled = false;
      if (st.state === "failed") showError(st.error);
      renderResult(st);
      loadRuns();
    } else S.timer = setTimeout(() => poll(id), 400);
  }).catch((e) => { showError(e.message); $("runBtn").disabled = false; });
}
function renderProgress(st) {
  const stages = [];
  for (const s of st.steps || []) { if (!stages.includes(s.stage)) stages.push(s.stage); }
  const last = (st.steps || []).length ? st.steps[st.steps.length - 1] : null;
  const head = st.state === "queued" ? t("queued") : st.state === "running" ? `${t("running")}: ${last ? last.step : ""}` :
    st.state === "done" ? `${t("done")} (${st.seconds} ${t("seconds")})` : t("failed");
  $("progress").replaceChildren(h("div", {id: "runState", "data-state": st.state, class: st.state === "failed" ? "warn" : (st.state === "done" ? "ok" : "")}, head),
    h("ul", {class: "steplist"}, stages.map((s, i) => h("li", {class: (st.state === "running" && i === stages.length - 1) ? "now" : "done"}, s))));
}

/* ---------------------------------------------------------------- results */
function renderResult(st) {
  const box = $("resultBox");
  if (st.state !== "done") { box.replaceChildren(h("p", {class: "hint"}, t("noResult"))); return; }
  const base = `/runs/${encodeURIComponent(st.id)}`;
  const have = new Set((st.files || []).map((f) => f.path));
  const dl = (what, label, need) => (need && !have.has(need) ? null : h("a", {href: `${base}/download/${what}`, "data-dl": what, download: ""}, label));
  const hasFig = [...have].some((p) => p.startsWith("results/figures/"));
  const kids = [h("h3", {}, st.title || st.id),
    h("div", {class: "downloads"}, dl("workbook", t("dlWorkbook"), "results/nqpf_results.xlsx"), dl("journal", t("dlJournal"), "results/nqpf_journal_tables.xlsx"),
      hasFig ? dl("figures", t("dlFigures")) : null, dl("run", t("dlRun")), dl("config", t("dlConfig"), "run.toml")),
    h("p", {}, t("replay")), h("code", {class: "cmd", id: "replayCmd"}, st.command || "nqpf build run.toml"),
    h("details", {}, h("summary", {}, "run.toml"), h("pre", {id: "resultToml"}, st.toml || ""))];
  if (st.n_warnings) kids.push(h("details", {}, h("summary", {}, `${st.n_warnings} ${t("warnings")}`), h("ul", {}, st.warnings.map((w) => h("li", {}, w)))));
  kids.push(h("details", {}, h("summary", {}, `${t("files")} (${(st.files || []).length})`),
    h("ul", {}, (st.files || []).map((f) => h("li", {}, h("a", {href: `${base}/files/${f.path.split("/").map(encodeURIComponent).join("/")}`, target: "_blank", rel: "noopener"}, f.path))))));
  if (have.has("results/report.html")) {
    kids.push(h("h3", {}, t("reportTitle")), h("iframe", {class: "report", src: `${base}/report`, title: "report"}));
  }
  box.replaceChildren(...kids);
}

async function loadRuns() {
  try {
    const r = await api("/api/runs");
    if (!r.runs.length) { $("pastRuns").replaceChildren(h("p", {class: "hint"}, t("noRuns"))); return; }
    $("pastRuns").replaceChildren(table([[t("title"), (x) => x.title || "-"], [t("created"), (x) => (x.created || "").replace("T", " ").slice(0, 19)],
      [t("state"), (x) => t(x.state) + (x.seconds ? ` (${x.seconds} ${t("seconds")})` : "")],
      ["", (x) => h("button", {type: "button", "data-run": x.id, onclick: () => showRun(x.id, true)}, t("open"))]], r.runs, "runs"));
  } catch (e) { /* the list is optional */ }
}

async function showRun(id, restore) {
  const st = await api(`/api/runs/${encodeURIComponent(id)}`);
  S.runId = id;
  if (restore && st.spec) await restoreSpec(st.spec);
  renderProgress(st);
  if (st.state === "failed") showError(st.error); else $("runError").hidden = true;
  renderResult(st);
  if (st.state === "queued" || st.state === "running") poll(id);
  if (restore) $("results").scrollIntoView();
}

async function restoreSpec(sp) {
  const src = sp.data.source;
  const r = await api(`/api/data?source=${encodeURIComponent(src)}`);
  setData({source: src, preview: r.preview, defaults: r.defaults || null, years: sp.data.years}, true);
  S.methods = JSON.parse(JSON.stringify(sp.methods || {}));
  S.stages = JSON.parse(JSON.stringify(sp.stages || {}));
  $("title").value = sp.title || "";
  if (sp.framework.source.startsWith("upload:")) S.fwUpload = {id: sp.framework.source.slice(7), name: sp.framework.source.slice(7)};
  renderFwSource(sp.framework.source);
  await loadFramework(sp.framework.source);
  S.edits = sp.framework.edits || {}; S.exclude = new Set(sp.framework.exclude || []);
  renderTree(); renderMethods(); renderStages();
}

/* ---------------------------------------------------------------- start */
async function init() {
  $("lang").addEventListener("click", () => { S.lang = S.lang === "zh" ? "en" : "zh"; localStorage.setItem("nqpf-lang", S.lang); applyLang(); });
  $("dataFile").addEventListener("change", onDataFile);
  $("fwFile").addEventListener("change", onFwFile);
  $("useBundled").addEventListener("click", () => useBundled().catch((e) => { $("dataStatus").replaceChildren(h("div", {class: "error"}, e.message)); }));
  $("fwSource").addEventListener("change", (e) => loadFramework(e.target.value));
  $("checkBtn").addEventListener("click", check);
  $("runBtn").addEventListener("click", startRun);
  S.meta = await api("/api/meta");
  applyLang();
  // where the system has no CJK font, the bundled one is fetched; lay the texts out again once it is there
  if (document.fonts) document.fonts.load("16px nqpf-cjk", "新质").then(applyLang).catch(() => {});
}
document.addEventListener("DOMContentLoaded", init);
