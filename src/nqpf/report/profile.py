"""One-page printable profile of a unit (单页概况): score, rank interval, element radar, top obstacles,
the first three paths with reasons, peers and references — as self-contained HTML with print CSS
(A4, one page) and, optionally, as PDF drawn with matplotlib (a base dependency; no browser needed).

    from nqpf.report.profile import render_profile_html, write_profiles
    write_profiles(guides, "out/paths/profiles", langs=("zh",), pdf=True)
"""
from __future__ import annotations

import html as _html
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable, Mapping

__all__ = ["render_profile_html", "write_profile", "write_profiles", "write_run_profiles", "run_profile_jobs", "profile_pdf"]

_CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 10.5pt; color: #1f2933;
       margin: 0 auto; max-width: 186mm; line-height: 1.4; }
h1 { font-size: 15pt; margin: 0 0 4px; } h2 { font-size: 11.5pt; margin: 8px 0 3px; border-bottom: 1px solid #d9e2ec; }
.top { display: flex; gap: 12px; align-items: flex-start; }
.kpi { flex: 1; } .kpi table { border-collapse: collapse; width: 100%; }
.kpi td { border-bottom: 1px solid #eef2f6; padding: 1px 4px; vertical-align: top; }
ol { margin: 2px 0 2px 18px; padding: 0; } li { margin: 1px 0; }
.reason { color: #3e4c59; font-size: 9.5pt; } .refs { font-size: 8.5pt; color: #52606d; }
svg text { font-size: 9px; fill: #1f2933; }
@media print { body { max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def _e(x: Any) -> str:
    return _html.escape(str(x))


def _radar_svg(elements: list[dict[str, Any]], size: int = 190) -> str:
    """Element scores on a radar (0–1 scale; the unit's rank next to each label)."""
    if len(elements) < 3:
        return ""
    c = size / 2
    r = size / 2 - 34
    k = len(elements)
    pts, axes, labels = [], [], []
    for i, e in enumerate(elements):
        a = -math.pi / 2 + 2 * math.pi * i / k
        v = max(0.0, min(1.0, float(e["score"])))
        pts.append(f"{c + r * v * math.cos(a):.1f},{c + r * v * math.sin(a):.1f}")
        axes.append(f'<line x1="{c}" y1="{c}" x2="{c + r * math.cos(a):.1f}" y2="{c + r * math.sin(a):.1f}" stroke="#d9e2ec"/>')
        lx, ly = c + (r + 16) * math.cos(a), c + (r + 12) * math.sin(a)
        labels.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle">{_e(e["name"])} {e["rank"]}/{e["n"]}</text>')
    rings = "".join(f'<circle cx="{c}" cy="{c}" r="{r * f:.1f}" fill="none" stroke="#eef2f6"/>' for f in (0.25, 0.5, 0.75, 1.0))
    poly = f'<polygon points="{" ".join(pts)}" fill="rgba(31,111,178,0.25)" stroke="#1f6fb2"/>'
    return (f'<svg width="{size}" height="{size}" viewBox="0 0 {size} {size}" role="img" aria-label="radar">'
            f'{rings}{"".join(axes)}{poly}{"".join(labels)}</svg>')


def _data(guide, lang: str) -> dict[str, Any]:
    """The guide as :func:`~nqpf.paths.guide.guide_to_dict` gives it; a dict (a JSON guide read back) as it is."""
    if isinstance(guide, Mapping):
        return dict(guide)
    from ..paths.guide import guide_to_dict

    return guide_to_dict(guide, lang=lang, evidence=False)


def render_profile_html(guide, *, lang: str = "zh") -> str:
    """The one-page profile of a :class:`~nqpf.paths.PathGuide` as a self-contained HTML page."""
    from ..paths.guide import _cite, _f, _rank

    d = _data(guide, lang)
    zh = lang == "zh"
    p = d["profile"]
    rank = f"{p['rank']}/{p['n']}" if p["rank"] is not None else "NA"
    if p["rank_interval"]:
        lo, hi = p["rank_interval"]
        rank += f"（区间 {_rank(lo)}–{_rank(hi)}）" if zh else f" (interval {_rank(lo)}–{_rank(hi)})"
    rows = [(("得分" if zh else "Score"), _f(p["score"])), (("排名" if zh else "Rank"), rank)]
    if p.get("region"):
        rows.append((("地区" if zh else "Region"), p["region"]))
    if p.get("type"):
        rows.append((("类型" if zh else "Type"), p["type"]))
    if p.get("context"):
        rows.append((("地区背景" if zh else "Context"), ("、" if zh else ", ").join(c["label"] for c in p["context"])))
    kpi = "".join(f"<tr><td>{_e(a)}</td><td>{_e(b)}</td></tr>" for a, b in rows)
    obs = "".join(f"<li>{_e(o['name'])}（{o['obstacle_pct']:.1f}%）</li>" if zh else f"<li>{_e(o['name'])} ({o['obstacle_pct']:.1f}%)</li>"
                  for o in d["obstacles"][:3])
    paths = []
    peers = []
    for r in d["recommendations"][:3]:
        cits = "；".join(_cite(c, {c["file"]: c["ref"]}, lang) for c in r["citations"][:2])
        paths.append(f"<li><b>{_e(r['title'])}</b><div class=reason>{_e(r['reason'])}</div><div class=refs>{_e(cits)}</div></li>")
        for x in r["peers"][:1]:
            peers.append(f"{x['name']}（{x['node_name']} {_f(x['value'])}）" if zh else f"{x['name']} ({x['node_name']} {_f(x['value'])})")
    refs = "".join(f"<div>[{s['ref']}] {_e(s['reference'])}</div>" for s in d["references"])
    limits = "".join(f"<li>{_e(x['text'])}</li>" for x in d["limits"][:2])
    t = (f"{d['unit_name']} 新质生产力概况（{d['year']} 年）" if zh else f"{d['unit_name']}: NQPF profile ({d['year']})")
    h = {"obs": "主要障碍" if zh else "Top obstacles", "paths": "前三条路径" if zh else "First three paths",
         "peers": "可借鉴" if zh else "Peers", "limits": "局限" if zh else "Limits", "refs": "参考文献" if zh else "References"}
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8"><title>{_e(t)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{_e(t)}</h1>"
            f'<div class="top"><div class="kpi"><table>{kpi}</table><h2>{h["obs"]}</h2><ol>{obs}</ol></div>'
            f"<div>{_radar_svg(p['elements'])}</div></div>"
            f'<h2>{h["paths"]}</h2><ol>{"".join(paths)}</ol>'
            + (f'<h2>{h["peers"]}</h2><p>{_e(("、" if zh else ", ").join(dict.fromkeys(peers)))}</p>' if peers else "")
            + f'<h2>{h["limits"]}</h2><ul>{limits}</ul>'
            f'<h2>{h["refs"]}</h2><div class="refs">{refs}</div></body></html>')


def profile_pdf(guide, path: str | Path, *, lang: str = "zh") -> Path:
    """Draw the profile on one A4 page with matplotlib (CJK font from nqpf.report.fonts) and save it as PDF."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..paths.guide import _f, _rank
    from .fonts import use_cjk_font

    import logging

    fam = use_cjk_font().family
    # the CJK font has one weight: matplotlib logs a fallback for every bold line; bold is drawn as regular
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    d = _data(guide, lang)
    zh = lang == "zh"
    p = d["profile"]
    width = 46 if zh else 95
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.5, 0.012, "nqpf", fontsize=6, color="#9aa5b1", ha="center", family=fam)
    y = 0.965

    def line(text: str, size: float = 9.0, bold: bool = False, indent: float = 0.06, wrap: int | None = None) -> None:
        nonlocal y
        for ln in textwrap.wrap(text, wrap or width) or [""]:
            fig.text(indent, y, ln, fontsize=size, fontweight="bold" if bold else "normal", va="top", family=fam)
            y -= 0.0165 * size / 9.0

    title = f"{d['unit_name']} 新质生产力概况（{d['year']} 年）" if zh else f"{d['unit_name']}: NQPF profile ({d['year']})"
    line(title, 14, True)
    y -= 0.006
    rank = f"{p['rank']}/{p['n']}" if p["rank"] is not None else "NA"
    if p["rank_interval"]:
        rank += f"（区间 {_rank(p['rank_interval'][0])}–{_rank(p['rank_interval'][1])}）" if zh else \
            f" (interval {_rank(p['rank_interval'][0])}–{_rank(p['rank_interval'][1])})"
    line(("得分 " if zh else "Score ") + _f(p["score"]) + ("　排名 " if zh else "   Rank ") + rank, 10, wrap=34 if zh else 60)
    if p.get("type"):
        line(("类型：" if zh else "Type: ") + p["type"], 9, wrap=34 if zh else 60)
    if p.get("context"):
        line(("地区背景：" if zh else "Context: ") + ("、" if zh else ", ").join(c["label"] for c in p["context"]), 9,
             wrap=34 if zh else 60)
    line("主要障碍" if zh else "Top obstacles", 10.5, True)
    for o in d["obstacles"][:3]:
        line(f"· {o['name']} {o['obstacle_pct']:.1f}%", 9, wrap=34 if zh else 60)
    els = p["elements"]
    if len(els) >= 3:
        ax = fig.add_axes([0.62, 0.72, 0.3, 0.22], polar=True)
        ang = [2 * math.pi * i / len(els) for i in range(len(els))]
        vals = [max(0.0, min(1.0, float(e["score"]))) for e in els]
        ax.plot(ang + ang[:1], vals + vals[:1], color="#1f6fb2")
        ax.fill(ang + ang[:1], vals + vals[:1], color="#1f6fb2", alpha=0.25)
        ax.set_xticks(ang)
        ax.set_xticklabels([f"{e['name']}\n{e['rank']}/{e['n']}" for e in els], fontsize=7, family=fam)
        ax.set_yticklabels([])
        ax.set_ylim(0, 1)
    y = min(y, 0.70)
    line("前三条路径" if zh else "First three paths", 10.5, True)
    for r in d["recommendations"][:3]:
        line(f"{r['rank']}. {r['title']}", 9.5, True)
        line(r["reason"], 8.2, indent=0.08, wrap=width + 6)
        peers = ("、" if zh else ", ").join(f"{x['name']}（{x['node_name']} {_f(x['value'])}）" for x in r["peers"][:2])
        if peers:
            line(("可借鉴：" if zh else "Peers: ") + peers, 8.2, indent=0.08, wrap=width + 6)
    line("局限" if zh else "Limits", 10.5, True)
    for x in d["limits"][:2]:
        line("· " + x["text"], 8.2, wrap=width + 6)
    line("参考文献" if zh else "References", 10.5, True)
    for s in d["references"]:
        line(f"[{s['ref']}] {s['reference']}", 7.2, wrap=int((width + 6) * 1.15))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="pdf", metadata={"CreationDate": None, "Creator": "nqpf", "Producer": "nqpf"})  # same bytes on replay
    plt.close(fig)
    return out


def write_profile(guide, out_dir: str | Path, *, lang: str = "zh", pdf: bool = True) -> list[Path]:
    """Write one guide's ``<unit>_<name>_<year>.profile.<lang>.html`` (and ``.pdf`` when ``pdf``) into ``out_dir``
    (a :class:`~nqpf.paths.PathGuide`, or its JSON form as a dict in that language)."""
    from ..paths.guide import guide_filename

    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    g = guide
    ident = SimpleNamespace(unit=g["unit"], unit_name=g["unit_name"], year=g["year"]) if isinstance(g, Mapping) else g
    stem = guide_filename(ident, lang=lang, fmt="md")[: -len(f".{lang}.md")]
    f = d / f"{stem}.profile.{lang}.html"
    f.write_text(render_profile_html(g, lang=lang), encoding="utf-8")
    return [f, profile_pdf(g, d / f"{stem}.profile.{lang}.pdf", lang=lang)] if pdf else [f]


def write_profiles(guides: Iterable[Any], out_dir: str | Path, *, langs: Iterable[str] = ("zh",),
                   pdf: bool = True) -> list[Path]:
    """Write the profile of every guide in every language of ``langs`` (see :func:`write_profile`)."""
    langs = tuple(langs)
    return [f for g in guides for lg in langs for f in write_profile(g, out_dir, lang=lg, pdf=pdf)]


def _run_profile_plan(run) -> tuple[list[Mapping], Path, bool]:
    """(guides, folder, pdf): the Chinese JSON guides of the latest guide year, as ``[paths] profiles`` asks."""
    cfg = ((run.result.manifest or {}).get("config") or {}).get("paths")
    formats = list((cfg or {}).get("profiles", ["html"])) if cfg is not None else []
    zh = [g for name, g in run.guide_data.items() if name.endswith(".zh.json")]
    out = Path(run.run_dir) / "paths" / "profiles"
    if not formats or not zh:
        return [], out, False
    last = max(int(g["year"]) for g in zh)
    return [g for g in zh if int(g["year"]) == last], out, "pdf" in formats


def _profile_or_html(guide: Mapping, out: Path, pdf: bool) -> tuple[list[Path], str | None]:
    """One unit's profile; when the PDF cannot be drawn, the HTML page only and the reason."""
    try:
        return write_profile(guide, out, lang="zh", pdf=pdf), None
    except Exception as exc:  # pragma: no cover - a PDF backend problem must not fail the report
        return write_profile(guide, out, lang="zh", pdf=False), f"{type(exc).__name__}: {exc}"


def run_profile_jobs(run) -> list:
    """The unit profiles of a run as independent jobs (one per unit; see :func:`write_run_profiles`); each job
    returns ``(files, problem)``, ``problem`` naming why the PDF was not written (else None)."""
    import functools

    guides, out, pdf = _run_profile_plan(run)
    return [functools.partial(_profile_or_html, g, out, pdf) for g in guides]


def profile_files(values: Iterable[tuple[list[Path], str | None]], progress=None) -> list[Path]:
    """The files of :func:`run_profile_jobs`' values; a PDF problem is told once through ``progress``."""
    values = list(values)
    problems = [p for _, p in values if p]
    if problems and progress:
        progress(f"profiles: PDF not written for {len(problems)} unit(s) ({problems[0]}); "
                 "HTML profiles print to PDF from a browser")
    return [f for files, _ in values for f in files]


def write_run_profiles(run, *, progress=None) -> list[Path]:
    """The unit profiles of a run (report stage): ``DIR/paths/profiles/<unit>_<name>_<year>.profile.zh.<html|pdf>``
    for every Chinese JSON guide of the latest guide year, as ``[paths] profiles`` asks (default HTML only;
    ``["html", "pdf"]`` adds the PDF).

    Built from :attr:`~nqpf.report.tables.RunTables.guide_data`, so a report written in the run and one written
    by ``nqpf report DIR`` give the same files; a run without JSON guides gets no profiles.
    """
    return profile_files((job() for job in run_profile_jobs(run)), progress)
