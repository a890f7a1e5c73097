/* nqpf report / dashboard — plain JavaScript, no library, no network access. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("nqpf-data").textContent);
  var state = { lang: D.lang, year: D.years[D.years.length - 1], node: D.root, unit: null };
  var unitIndex = {};
  D.units.forEach(function (u, i) { unitIndex[u.code] = i; });
  var nodeById = {};
  D.nodes.forEach(function (n) { nodeById[n.id] = n; });
  var PALETTE = ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"];

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function tr(zh, en) { return state.lang === "zh" ? zh : en; }
  function unitName(code) {
    var u = D.units[unitIndex[code]] || D.map_names[code];
    return u ? (state.lang === "zh" ? u.zh : u.en) : code;
  }
  function nodeName(id) { var n = nodeById[id]; return n ? (state.lang === "zh" ? n.zh : n.en) : id; }
  function fmt(v, d) { return (v === null || v === undefined || isNaN(v)) ? "–" : Number(v).toFixed(d === undefined ? 3 : d); }
  function series(kind, node, year) {
    var byNode = D[kind][node];
    if (!byNode) { return null; }
    return byNode[String(year)] || null;
  }
  function value(kind, node, year, code) {
    var s = series(kind, node, year);
    return (s && unitIndex[code] !== undefined) ? s[unitIndex[code]] : null;
  }
  function hexToRgb(h) { return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]; }
  // units without a value: white with grey hatching (the pattern below, class "nodata"), never a light class colour;
  // the fill attribute keeps a flat grey for copies of the SVG without the pattern
  var NO_DATA_FILL = "#dddddd", NO_DATA_PATTERN = "nqpf-nodata";
  function colour(t) {
    if (t === null || isNaN(t)) { return NO_DATA_FILL; }
    t = Math.max(0, Math.min(1, t));
    var x = t * (PALETTE.length - 1), i = Math.floor(x), f = x - i;
    if (i >= PALETTE.length - 1) { return PALETTE[PALETTE.length - 1]; }
    var a = hexToRgb(PALETTE[i]), b = hexToRgb(PALETTE[i + 1]);
    return "rgb(" + [0, 1, 2].map(function (k) { return Math.round(a[k] + f * (b[k] - a[k])); }).join(",") + ")";
  }
  function extent(arr) {
    var lo = Infinity, hi = -Infinity;
    (arr || []).forEach(function (v) { if (v !== null && !isNaN(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    return lo === Infinity ? [0, 1] : [lo, hi > lo ? hi : lo + 1e-9];
  }

  /* ---------------------------------------------------------------- language */
  function setLang(lang) {
    state.lang = lang;
    document.body.classList.remove("lang-zh", "lang-en");
    document.body.classList.add("lang-" + lang);
    document.documentElement.setAttribute("lang", lang === "zh" ? "zh-CN" : "en");
    Array.prototype.forEach.call(document.querySelectorAll("button[data-lang]"), function (b) {
      b.classList.toggle("active", b.getAttribute("data-lang") === lang);
    });
    var h1 = document.querySelector("header.top h1");
    if (h1 && h1.getAttribute("data-title-" + lang)) { document.title = h1.getAttribute("data-title-" + lang); }
    fillSelects();
    renderAll();
    measureHeader();
  }

  /* ---------------------------------------------------------------- layout, tooltip, print */
  function measureHeader() {
    var h = document.querySelector("header.top");
    if (h) { document.documentElement.style.setProperty("--header-h", Math.ceil(h.getBoundingClientRect().height) + "px"); }
  }

  function hideTip() {
    var t = $("tooltip");
    if (t && t.style.display !== "none") { t.style.display = "none"; }
  }

  // printing shows every table: open the collapsed ones, and close them again afterwards
  var openedForPrint = [];
  function openAllDetails() {
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.setAttribute("open", "");
      openedForPrint.push(d);
    });
  }
  function restoreDetails() {
    openedForPrint.forEach(function (d) { d.removeAttribute("open"); });
    openedForPrint = [];
  }

  function fillSelects() {
    var ns = $("node-select");
    if (ns) {
      ns.innerHTML = D.map_nodes.map(function (id) {
        var depth = (nodeById[id] && nodeById[id].depth) || 0;
        return '<option value="' + esc(id) + '"' + (id === state.node ? " selected" : "") + ">" +
          "\u00a0\u00a0".repeat(depth) + esc(nodeName(id)) + "</option>";
      }).join("");
    }
    ["unit-a", "unit-b", "guide-unit"].forEach(function (sid, k) {
      var s = $(sid);
      if (!s) { return; }
      var cur = s.value || (k === 1 ? D.ranking_last[1] : D.ranking_last[0]);
      s.innerHTML = D.units.map(function (u) {
        return '<option value="' + esc(u.code) + '"' + (u.code === cur ? " selected" : "") + ">" + esc(state.lang === "zh" ? u.zh : u.en) + "</option>";
      }).join("");
    });
  }

  /* ---------------------------------------------------------------- map */
  function addNoDataPattern(svg) {
    if (!svg || document.getElementById(NO_DATA_PATTERN)) { return; }
    var NS = "http://www.w3.org/2000/svg";
    function el(name, attrs) {
      var e = document.createElementNS(NS, name);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      return e;
    }
    var defs = el("defs", {});
    var pat = el("pattern", { id: NO_DATA_PATTERN, patternUnits: "userSpaceOnUse", width: "5", height: "5",
                              patternTransform: "rotate(45)" });
    pat.appendChild(el("rect", { width: "5", height: "5", fill: "#ffffff" }));
    pat.appendChild(el("line", { x1: "0", y1: "0", x2: "0", y2: "5", stroke: "#7a7a7a", "stroke-width": "1.6" }));
    defs.appendChild(pat);
    svg.insertBefore(defs, svg.firstChild);
  }

  function legendNoData() {
    return '<div class="legend-nodata"><span class="nodata-swatch"></span> ' + tr("无数据", "No data") + "</div>";
  }

  function renderMap() {
    var map = $("map");
    if (!map) { return; }
    var vals = series("scores", state.node, state.year);
    var ex = extent(vals);
    Array.prototype.forEach.call(map.querySelectorAll("path[data-unit]"), function (p) {
      var code = p.getAttribute("data-unit");
      var v = vals ? vals[unitIndex[code]] : null;
      var missing = v === null || v === undefined || isNaN(v);
      p.setAttribute("fill", missing ? NO_DATA_FILL : colour((v - ex[0]) / (ex[1] - ex[0])));
      p.classList.toggle("nodata", missing);
      p.classList.toggle("selected", code === state.unit);
    });
    var lg = $("legend");
    if (lg) {
      var stops = PALETTE.map(function (c, i) { return c + " " + Math.round(100 * i / (PALETTE.length - 1)) + "%"; }).join(",");
      lg.innerHTML = '<div>' + esc(nodeName(state.node)) + " · " + state.year + '</div>' +
        '<div style="width:220px;height:12px;background:linear-gradient(to right,' + stops + ')"></div>' +
        '<div style="display:flex;justify-content:space-between;width:220px"><span>' + fmt(ex[0]) + "</span><span>" + fmt(ex[1]) + "</span></div>" +
        legendNoData();
    }
  }

  function showTip(evt, code) {
    var tip = $("tooltip");
    if (!tip) { return; }
    var v = value("scores", state.node, state.year, code), r = value("ranks", state.node, state.year, code);
    var shown = (v === null || v === undefined || isNaN(v)) ? tr("无数据", "No data") : fmt(v);
    tip.innerHTML = "<b>" + esc(unitName(code)) + "</b><br>" + esc(nodeName(state.node)) + ": " + shown +
      "<br>" + tr("排名", "Rank") + ": " + (r === null || r === undefined ? "–" : r) + " / " + D.units.length;
    tip.style.display = "block";
    tip.style.left = (evt.clientX + 14) + "px";
    tip.style.top = (evt.clientY + 10) + "px";
  }

  /* ---------------------------------------------------------------- small SVG charts */
  function radarSvg(codes, colours) {
    var els = D.elements, n = els.length, R = 110, cx = 170, cy = 140;
    if (n < 3) { return ""; }
    var s = '<svg class="radar" viewBox="-70 0 480 280" width="400" height="233" xmlns="http://www.w3.org/2000/svg">';
    [0.25, 0.5, 0.75, 1].forEach(function (f) {
      var pts = els.map(function (e, i) {
        var a = -Math.PI / 2 + 2 * Math.PI * i / n;
        return (cx + R * f * Math.cos(a)).toFixed(1) + "," + (cy + R * f * Math.sin(a)).toFixed(1);
      });
      s += '<polygon points="' + pts.join(" ") + '" fill="none" stroke="#ccc"/>';
    });
    els.forEach(function (e, i) {
      var a = -Math.PI / 2 + 2 * Math.PI * i / n;
      var x = cx + (R + 12) * Math.cos(a), y = cy + (R + 12) * Math.sin(a);
      s += '<line x1="' + cx + '" y1="' + cy + '" x2="' + (cx + R * Math.cos(a)).toFixed(1) + '" y2="' + (cy + R * Math.sin(a)).toFixed(1) + '" stroke="#ccc"/>';
      s += '<text x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '" font-size="11" text-anchor="' + (Math.abs(Math.cos(a)) < 0.2 ? "middle" : (Math.cos(a) > 0 ? "start" : "end")) + '" dominant-baseline="middle">' + esc(nodeName(e)) + "</text>";
    });
    codes.forEach(function (code, k) {
      var pts = els.map(function (e, i) {
        var v = value("scores", e, state.year, code) || 0;
        var a = -Math.PI / 2 + 2 * Math.PI * i / n;
        return (cx + R * Math.min(v, 1) * Math.cos(a)).toFixed(1) + "," + (cy + R * Math.min(v, 1) * Math.sin(a)).toFixed(1);
      });
      s += '<polygon points="' + pts.join(" ") + '" fill="' + colours[k] + '" fill-opacity="0.2" stroke="' + colours[k] + '" stroke-width="2"/>';
    });
    return s + "</svg>";
  }

  function trendSvg(codes, colours) {
    var W = 340, H = 170, L = 40, B = 24, years = D.years;
    var all = [];
    codes.forEach(function (c) { years.forEach(function (y) { all.push(value("scores", state.node, y, c)); }); });
    var ex = extent(all);
    function X(i) { return L + (W - L - 10) * (years.length > 1 ? i / (years.length - 1) : 0.5); }
    function Y(v) { return H - B - (H - B - 10) * (v - ex[0]) / (ex[1] - ex[0]); }
    var s = '<svg class="trend" viewBox="0 0 ' + W + " " + H + '" width="' + W + '" height="' + H + '" xmlns="http://www.w3.org/2000/svg">';
    s += '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - 10) + '" y2="' + (H - B) + '" stroke="#999"/>';
    s += '<text x="4" y="14" font-size="10">' + fmt(ex[1]) + '</text><text x="4" y="' + (H - B) + '" font-size="10">' + fmt(ex[0]) + "</text>";
    years.forEach(function (y, i) {
      if (i === 0 || i === years.length - 1 || years.length <= 6) {
        s += '<text x="' + X(i).toFixed(1) + '" y="' + (H - 6) + '" font-size="10" text-anchor="middle">' + y + "</text>";
      }
    });
    codes.forEach(function (c, k) {
      var pts = [];
      years.forEach(function (y, i) { var v = value("scores", state.node, y, c); if (v !== null && v !== undefined) { pts.push(X(i).toFixed(1) + "," + Y(v).toFixed(1)); } });
      s += '<polyline points="' + pts.join(" ") + '" fill="none" stroke="' + colours[k] + '" stroke-width="2"/>';
    });
    return s + "</svg>";
  }

  function elementTable(codes) {
    var h = '<table class="data"><tr><th class="txt">' + tr("节点", "Node") + "</th>";
    codes.forEach(function (c) { h += "<th>" + esc(unitName(c)) + "</th>"; });
    h += "</tr>";
    [D.root].concat(D.elements).forEach(function (e) {
      h += '<tr><td class="txt">' + esc(nodeName(e)) + "</td>";
      codes.forEach(function (c) {
        var r = value("ranks", e, state.year, c);
        h += "<td>" + fmt(value("scores", e, state.year, c)) + (r ? " (" + r + ")" : "") + "</td>";
      });
      h += "</tr>";
    });
    return h + "</table>";
  }

  /* ---------------------------------------------------------------- profile, compare, ranking, guides */
  function renderProfile() {
    var pane = $("profile");
    if (!pane || !state.unit) { return; }
    var c = state.unit;
    var u = D.units[unitIndex[c]];
    if (!u) {
      pane.innerHTML = '<h3 class="profile-title">' + esc(unitName(c)) + ' <small>(' + esc(c) + ")</small></h3>" +
        '<p class="note">' + tr("本次运行不包含该地区。", "This unit is not part of this run.") + "</p>";
      pane.hidden = false;
      return;
    }
    var g = D.guides[c] ? (D.guides[c][state.lang] || D.guides[c].zh || D.guides[c].en) : "";
    pane.innerHTML = '<h3 class="profile-title">' + esc(unitName(c)) + ' <small>(' + esc(c) + ")</small></h3>" +
      '<p class="note">' + esc(state.lang === "zh" ? u.group_zh : u.group_en) + " · " + state.year + "</p>" +
      elementTable([c]) + radarSvg([c], ["#1f6fb2"]) + trendSvg([c], ["#1f6fb2"]) +
      (g ? "<h3>" + tr("发展路径指南", "Path guide") + '</h3><div class="guide">' + g + "</div>" : "") +
      (D.mode === "dashboard" ? '<p><a href="download/unit/' + encodeURIComponent(c) + '.csv">' + tr("下载该地区得分", "Download this unit's scores") + "</a></p>" : "");
    pane.hidden = false;
  }

  function selectUnit(code) {
    state.unit = code;
    renderMap();
    renderProfile();
  }

  function renderCompare() {
    var a = $("unit-a"), b = $("unit-b"), out = $("compare-out");
    if (!a || !b || !out) { return; }
    var codes = [a.value, b.value];
    out.innerHTML = elementTable(codes) + '<div class="compare">' + radarSvg(codes, ["#1f6fb2", "#d62728"]) +
      trendSvg(codes, ["#1f6fb2", "#d62728"]) + "</div>" +
      '<p class="note"><span style="color:#1f6fb2">■</span> ' + esc(unitName(codes[0])) + ' <span style="color:#d62728">■</span> ' + esc(unitName(codes[1])) + "</p>";
  }

  function renderRanking() {
    var out = $("ranking-table");
    if (!out) { return; }
    var vals = series("scores", state.node, state.year), ranks = series("ranks", state.node, state.year);
    var prev = series("ranks", state.node, state.year - 1);
    var rows = D.units.map(function (u, i) { return { u: u, v: vals ? vals[i] : null, r: ranks ? ranks[i] : null, p: prev ? prev[i] : null }; });
    rows.sort(function (x, y) { return (x.r || 1e9) - (y.r || 1e9); });
    var h = '<table class="data"><tr><th>' + tr("排名", "Rank") + '</th><th class="txt">' + tr("地区", "Unit") + "</th><th>" +
      esc(nodeName(state.node)) + "</th><th>" + tr("较上年", "vs previous year") + "</th></tr>";
    rows.forEach(function (x) {
      var ch = (x.p && x.r) ? x.p - x.r : null;
      h += '<tr data-unit="' + esc(x.u.code) + '"><td>' + (x.r || "–") + '</td><td class="txt">' + esc(state.lang === "zh" ? x.u.zh : x.u.en) +
        "</td><td>" + fmt(x.v) + "</td><td>" + (ch === null ? "" : (ch > 0 ? "▲" + ch : (ch < 0 ? "▼" + (-ch) : "–"))) + "</td></tr>";
    });
    out.innerHTML = h + "</table>";
  }

  function renderGuide() {
    var s = $("guide-unit"), out = $("guide-out");
    if (!s || !out) { return; }
    var g = D.guides[s.value];
    out.innerHTML = g ? '<div class="guide">' + (g[state.lang] || g.zh || g.en) + "</div>" :
      '<p class="note">' + tr("本次运行未生成该地区的路径指南。", "No path guide was produced for this unit in this run.") + "</p>";
  }

  function renderAll() {
    var yl = $("year-label");
    if (yl) { yl.textContent = state.year; }
    renderMap();
    renderRanking();
    renderCompare();
    renderGuide();
    renderProfile();
  }

  /* ---------------------------------------------------------------- wiring */
  function init() {
    var ys = $("year-select");
    if (ys) {
      ys.innerHTML = D.years.map(function (y) { return '<option value="' + y + '"' + (y === state.year ? " selected" : "") + ">" + y + "</option>"; }).join("");
      ys.addEventListener("change", function () { state.year = parseInt(ys.value, 10); renderAll(); });
    }
    var ns = $("node-select");
    if (ns) { ns.addEventListener("change", function () { state.node = ns.value; renderAll(); }); }
    Array.prototype.forEach.call(document.querySelectorAll("button[data-lang]"), function (b) {
      b.addEventListener("click", function () { setLang(b.getAttribute("data-lang")); });
    });
    var map = $("map");
    if (map) {
      addNoDataPattern(map);
      Array.prototype.forEach.call(map.querySelectorAll("path[data-unit]"), function (p) {
        var code = p.getAttribute("data-unit");
        p.addEventListener("mousemove", function (e) { showTip(e, code); });
        p.addEventListener("mouseleave", function () { var t = $("tooltip"); if (t) { t.style.display = "none"; } });
        p.addEventListener("click", function (e) { selectUnit(code); showTip(e, code); });
      });
    }
    var rt = $("ranking-table");
    if (rt) {
      rt.addEventListener("click", function (e) {
        var row = e.target.closest ? e.target.closest("tr[data-unit]") : null;
        if (row) { selectUnit(row.getAttribute("data-unit")); var m = $("maps"); if (m && m.scrollIntoView) { m.scrollIntoView(); } }
      });
    }
    ["unit-a", "unit-b"].forEach(function (id) { var s = $(id); if (s) { s.addEventListener("change", renderCompare); } });
    var gs = $("guide-unit");
    if (gs) { gs.addEventListener("change", renderGuide); }
    // a tooltip opened by a tap (touch screens have no mouseleave) closes when the page scrolls or is touched elsewhere
    window.addEventListener("scroll", hideTip, { passive: true, capture: true });
    document.addEventListener("touchstart", function (e) {
      if (!(e.target && e.target.closest && e.target.closest("#map path[data-unit]"))) { hideTip(); }
    }, { passive: true });
    window.addEventListener("resize", measureHeader);
    if (window.ResizeObserver) {
      var hdr = document.querySelector("header.top");
      if (hdr) { new ResizeObserver(measureHeader).observe(hdr); }
    }
    window.addEventListener("beforeprint", openAllDetails);
    window.addEventListener("afterprint", restoreDetails);
    if (window.matchMedia) {
      var mq = window.matchMedia("print");
      var onPrint = function (m) { if (m.matches) { openAllDetails(); } };
      if (mq.addEventListener) { mq.addEventListener("change", onPrint); } else if (mq.addListener) { mq.addListener(onPrint); }
    }
    setLang(state.lang);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
