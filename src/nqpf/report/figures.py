"""Publication figures (PNG and SVG, Chinese text in Noto Sans SC) of an nqpf run.

Every figure function takes its table first (the layout the analysis, sensitivity or index
tables have), options keyword-only, and returns a matplotlib ``Figure``. :func:`save_figure`
writes PNG and SVG and refuses to save a figure with missing glyphs (no "tofu" boxes).

A stage table gets a figure by its kind — the result kind and table that produced it (``dagum.totals``,
``uncertainty.rank_stats``; :meth:`nqpf._stages.StageOutput.table_kinds`, recorded in ``stages.json``) —
never by the columns it happens to have (:data:`FIGURE_TYPES`); new types plug in with :func:`register_figure`.
"""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError
from .._validation import check_option
from .fonts import cjk_font
from .maps import choropleth, lisa_map
from .tables import is_province_run, unit_labels

__all__ = [
    "Lang",
    "bump_chart",
    "element_radar",
    "density_surface",
    "surface_grid",
    "wrap_label",
    "density_ridgeline",
    "markov_heatmap",
    "dagum_chart",
    "coupling_chart",
    "obstacle_bars",
    "rank_interval_plot",
    "node_choropleth",
    "save_figure",
    "FigureRecord",
    "render_run_figures",
    "start_run_figures",
    "plan_run_figures",
    "FigurePlan",
    "figure_subset",
    "FigureType",
    "FIGURE_TYPES",
    "register_figure",
    "match_figure_types",
]

Lang = Literal["zh", "en"]

_T = {
    "rank": ("排名", "Rank"), "year": ("年份", "Year"), "score": ("得分", "Score"), "density": ("核密度", "Density"),
    "from": ("期初状态", "State at t"), "to": ("期末状态", "State at t+1"), "share": ("贡献率", "Contribution"),
    "gini": ("总体基尼系数", "Overall Gini"), "within": ("区域内", "Within"), "between": ("区域间净值", "Between (net)"),
    "trans": ("超变密度", "Transvariation"), "D": ("耦合协调度 D", "Coupling coordination D"),
    "obstacle": ("平均障碍度（%）", "Mean obstacle degree (%)"), "average": ("全国平均", "Average of all units"),
    "nominal": ("基准排名", "Nominal rank"), "interval": ("5%–95% 排名区间", "5–95 % rank interval"),
    "median": ("中位排名", "Median rank"), "lag": ("邻域状态", "Neighbourhood class"),
    "provinces": ("{n} 个省份", "{n} provinces"), "units": ("{n} 个地区", "{n} units"),
    "years": ("{a}–{b} 年", "{a}–{b}"), "prob": ("转移概率", "Transition probability"),
    "group_mean": ("分组均值", "Group mean"), "grade": ("协调等级", "Coordination grade"), "one_year": ("{a} 年", "{a}"),
}

#: readable names of Markov states and neighbourhood classes (the analysis stage writes them in English)
STATE_LABELS: dict[str, tuple[str, str]] = {
    "low": ("低水平", "Low"), "lower-middle": ("中低水平", "Lower-middle"), "upper-middle": ("中高水平", "Upper-middle"),
    "high": ("高水平", "High"), "medium": ("中等水平", "Medium"), "middle": ("中等水平", "Middle"),
}


def state_label(state: Any, lang: str) -> str:
    """Display name of a Markov state (``low`` → 低水平 / Low); unknown states keep their name.

    Examples
    --------
    >>> state_label("lower-middle", "zh"), state_label("high", "en"), state_label("S3", "zh")
    ('中低水平', 'High', 'S3')
    """
    pair = STATE_LABELS.get(str(state))
    return str(state) if pair is None else (pair[0] if lang == "zh" else pair[1])


def _t(key: str, lang: str) -> str:
    zh, en = _T[key]
    return zh if lang == "zh" else en


def _font() -> str:
    return cjk_font().family


def _style(fig) -> None:
    """Draw every text of the figure (tick labels, cell values, colour-bar ticks, legends) in the CJK font.

    One family for all text: a figure never mixes the CJK font with matplotlib's default for its numbers.
    Tick labels created later (when the layout re-ticks an axis) get the family through ``tick_params``.
    """
    from matplotlib.text import Text

    fam = _font()
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=fam)
        for axis in (getattr(ax, "xaxis", None), getattr(ax, "yaxis", None), getattr(ax, "zaxis", None)):
            if axis is not None:
                axis.label.set_fontfamily(fam)
    for t in fig.findobj(Text):
        t.set_fontfamily(fam)


def _cjk(text: str) -> bool:
    return any("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in str(text))


def _text_width(text: str) -> float:
    return sum(1.0 if _cjk(c) or ord(c) > 0x2E80 else 0.55 for c in text)


def _wrap_greedy(tokens: list[str], width: float) -> list[str]:
    no_start = set("）)，,。.、；;：:%》」』")
    lines, cur = [], ""
    for tok in tokens:
        if cur.strip() and _text_width((cur + tok).rstrip()) > width and tok.strip() and tok.strip()[0] not in no_start:
            lines.append(cur.rstrip())
            cur = tok.lstrip()
        else:
            cur += tok
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


def wrap_label(text: Any, width: float) -> str:
    """``text`` broken into balanced lines of at most ``width`` units (a CJK character 1, a Latin one 0.55).

    Words and Latin runs (``R&D``, ``GDP``) are never split; a line breaks between words or between
    CJK characters, never before closing punctuation; the lines are of similar length (no orphan).

    Examples
    --------
    >>> wrap_label("企业信息化水平（有电子商务交易活动的企业比重）", 12)
    '企业信息化水平（有电子\\n商务交易活动的企业比重）'
    >>> wrap_label("R&D personnel (FTE) per 10,000 residents", 14)
    'R&D personnel (FTE)\\nper 10,000 residents'
    >>> wrap_label("人均地区生产总值", 12)
    '人均地区生产总值'
    """
    import re

    s = str(text).strip()
    tokens = re.findall(r"[A-Za-z0-9&.,%()/+\-]+ ?|[^A-Za-z0-9&.,%()/+\- ] ?| ", s)
    lines = _wrap_greedy(tokens, width)
    if len(lines) > 1:  # balance: the narrowest width that still needs no more lines
        target = _text_width(s) / len(lines)
        for w in np.arange(target, width + 0.01, 0.5):
            balanced = _wrap_greedy(tokens, float(w))
            if len(balanced) <= len(lines):
                lines = balanced
                break
    return "\n".join(lines)


def _finish(fig, ax, title: str | None):
    """Set the axes title (if any), apply the CJK font and a tight layout; return the figure."""
    if title:
        ax.set_title(title)
    _style(fig)
    fig.tight_layout()
    return fig


def _need(df: pd.DataFrame, cols: Sequence[str], where: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{where}: expected a pandas DataFrame; got {type(df).__name__}. Pass the result table.")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{where}: the table lacks columns {missing}; got {list(df.columns)}. "
                        f"Pass the table with columns {list(cols)}.")


def _plt():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "svg", "pdf", "cairo", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


# --------------------------------------------------------------------------- index figures

def bump_chart(ranks: pd.DataFrame, *, label: str = "unit_name", highlight: Sequence[str] = (), lang: Lang = "zh",
               title: str | None = None):
    """Ranking bump chart: each unit's rank over the years (rank 1 at the top).

    Parameters
    ----------
    ranks
        Long table with columns ``unit, year, rank`` and the label column (``IndexResult.scores``
        filtered to one node).
    label
        Column used for the end labels.
    highlight
        Units drawn in colour (default: the five best of the last year).
    lang
        Language of axis labels.
    title
        Figure title.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["a", "b"] * 2, "unit_name": ["甲", "乙"] * 2, "year": [1, 1, 2, 2], "rank": [1, 2, 2, 1]})
    >>> len(bump_chart(df).axes)
    1
    """
    check_option(lang, Lang, param="lang", caller="bump_chart")
    _need(ranks, ["unit", "year", "rank", label], "bump_chart")
    plt = _plt()
    w = ranks.pivot_table(index="year", columns="unit", values="rank", aggfunc="first").sort_index()
    names = ranks.drop_duplicates("unit").set_index("unit")[label].astype(str)
    last = w.iloc[-1].sort_values()
    hl = list(highlight) or list(last.index[:5])
    n = int(np.nanmax(w.to_numpy())) if w.size else 1
    fig, ax = plt.subplots(figsize=(9, max(4.5, 0.22 * n + 1.5)))
    cmap = plt.get_cmap("tab10")
    for i, u in enumerate(w.columns):
        on = u in hl
        ax.plot(w.index, w[u], marker="o", ms=3.5 if on else 2.5, lw=2.0 if on else 0.8,
                color=cmap(hl.index(u) % 10) if on else "#b0b0b0", zorder=3 if on else 1)
        y = w[u].dropna()
        if len(y):
            ax.text(w.index[-1] + 0.15, y.iloc[-1], names.get(u, u), va="center", fontsize=7,
                    color=cmap(hl.index(u) % 10) if on else "#666666", family=_font())
    ax.set_ylim(n + 0.7, 0.3)
    ax.set_yticks([1] + list(range(5, n + 1, 5)))
    ax.set_xticks(list(w.index))
    ax.set_xlabel(_t("year", lang))
    ax.set_ylabel(_t("rank", lang))
    ax.set_xlim(w.index[0] - 0.3, w.index[-1] + 1.4)
    ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig, ax, title)


def element_radar(scores: pd.Series, *, reference: pd.Series | None = None, title: str | None = None, lang: Lang = "zh"):
    """Radar (spider) chart of one unit's element scores, optionally against a reference (the average).

    Parameters
    ----------
    scores
        ``{element display name: score}`` of the unit.
    reference
        Same index, drawn dashed (e.g. the mean of all units).
    title, lang
        Title and label language.

    Examples
    --------
    >>> import pandas as pd
    >>> fig = element_radar(pd.Series({"劳动者": 0.5, "劳动资料": 0.3, "劳动对象": 0.4}))
    >>> fig.axes[0].name
    'polar'
    """
    check_option(lang, Lang, param="lang", caller="element_radar")
    s = pd.Series(scores, dtype=float)
    if len(s) < 3:
        raise DataError(f"element_radar: a radar needs at least 3 axes; got {len(s)} ({list(s.index)}). "
                        "Use a bar chart for fewer elements.")
    plt = _plt()
    ang = np.linspace(0, 2 * np.pi, len(s), endpoint=False)
    fig = plt.figure(figsize=(5.2, 5.2))
    ax = fig.add_subplot(111, polar=True)
    ang_c = np.r_[ang, ang[:1]]
    if reference is not None:
        r = pd.Series(reference, dtype=float).reindex(s.index)
        ax.plot(ang_c, np.r_[r.to_numpy(), r.to_numpy()[:1]], ls="--", color="#888888", lw=1.2, label=_t("average", lang))
    ax.plot(ang_c, np.r_[s.to_numpy(), s.to_numpy()[:1]], color="#1f77b4", lw=2, label=title or "")
    ax.fill(ang_c, np.r_[s.to_numpy(), s.to_numpy()[:1]], color="#1f77b4", alpha=0.2)
    ax.set_xticks(ang)
    ax.set_xticklabels([str(i) for i in s.index], fontsize=9)
    # element names clear of the outer circle: anchored on the side facing the circle
    ax.tick_params(axis="x", pad=6)
    for a, lab in zip(ang, ax.get_xticklabels()):
        c = np.cos(a)
        lab.set_horizontalalignment("left" if c > 0.1 else "right" if c < -0.1 else "center")
    ax.set_rlabel_position(float(np.degrees(ang[0] + np.pi / len(s))))  # radial ticks between two element axes
    top = np.nanmax([np.nanmax(s.to_numpy()), 0.0 if reference is None else np.nanmax(pd.Series(reference, dtype=float))])
    ax.set_ylim(0, max(1.0, float(top)) if top > 0.6 else max(float(top) * 1.15, 0.1))
    ax.tick_params(axis="y", labelsize=7)
    if title:
        ax.set_title(title, pad=18)
    if reference is not None:
        ax.legend(loc="lower right", bbox_to_anchor=(1.15, -0.1), fontsize=8, frameon=False)
    _style(fig)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- analysis figures

def _clip_range(curves: pd.DataFrame, x_range: tuple[float, float] | None) -> pd.DataFrame:
    """The rows of a density table inside ``x_range`` (the range the index can take)."""
    if x_range is None:
        return curves
    lo, hi = x_range
    keep = curves["x"].between(lo, hi)
    return curves[keep] if keep.any() else curves


def index_range(scores: Any) -> tuple[float, float]:
    """The range an index's scores can take: [0, 1] for scores in [0, 1], else their observed range.

    Examples
    --------
    >>> index_range([0.1, 0.8]), index_range([-2.0, 3.0])
    ((0.0, 1.0), (-2.0, 3.0))
    """
    v = np.asarray(scores, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return (0.0, 1.0)
    lo, hi = float(v.min()), float(v.max())
    return (0.0 if lo >= 0 else lo, 1.0 if 0 <= lo and hi <= 1 else hi)


def density_surface(curves: pd.DataFrame, *, title: str | None = None, lang: Lang = "zh",
                    x_range: tuple[float, float] | None = None):
    """Kernel-density 3-D surface: x (score) × year × density (the ``curves`` table of a kernel density).

    ``x_range`` limits the score axis to the range the index can take (e.g. ``(0, 1)``; the
    kernel's tails beyond it are not drawn).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> x = np.linspace(0, 1, 20)
    >>> df = pd.DataFrame({"year": np.repeat([2020, 2021], 20), "x": np.tile(x, 2), "density": np.tile(np.exp(-x), 2)})
    >>> density_surface(df).axes[0].name
    '3d'
    """
    check_option(lang, Lang, param="lang", caller="density_surface")
    _need(curves, ["year", "x", "density"], "density_surface")
    plt = _plt()
    grid, years, z = surface_grid(curves, x_range=x_range)
    X, Y = np.meshgrid(grid, years)
    fig = plt.figure(figsize=(7.6, 5.6))
    ax = fig.add_subplot(111, projection="3d")
    # one facet per year and grid step; no antialiasing, so no white seams between the facets
    ax.plot_surface(X, Y, z, cmap="viridis", linewidth=0, edgecolor="none", antialiased=False, shade=True,
                    rcount=len(years), ccount=len(grid))
    step = max(1, int(np.ceil(len(years) / 5)))
    ax.set_yticks(years[::step])
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0f}"))
    ax.set_xlim(float(grid[0]), float(grid[-1]))
    ax.set_ylim(float(years[0]), float(years[-1]))
    ax.set_zlim(0, float(np.nanmax(z)) * 1.05 if np.nanmax(z) > 0 else 1.0)
    ax.tick_params(axis="x", labelsize=8, pad=0)
    ax.tick_params(axis="y", labelsize=8, pad=2)
    ax.tick_params(axis="z", labelsize=8, pad=4)
    for tl in ax.get_yticklabels():
        tl.set_ha("left")
    ax.set_xlabel(_t("score", lang), labelpad=4)
    ax.set_ylabel(_t("year", lang), labelpad=12)
    ax.set_zlabel(_t("density", lang), labelpad=8)
    ax.zaxis.set_rotate_label(False)
    ax.zaxis.label.set_rotation(90)
    ax.view_init(elev=26, azim=-58)
    ax.set_box_aspect(None, zoom=0.9)
    if title:
        fig.suptitle(title, fontsize=11, y=0.97)
    fig.subplots_adjust(left=0.0, right=0.95, bottom=0.02, top=0.95 if not title else 0.9)
    _style(fig)
    return fig


def surface_grid(curves: pd.DataFrame, *, x_range: tuple[float, float] | None = None,
                 points: int = 161) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel densities of every year on one common score grid: ``(grid, years, density[year, grid])``.

    The grid spans ``x_range`` (the range the index can take) exactly, else the scores the curves cover.
    Each year's curve is interpolated onto it (zero outside the points it was evaluated at), so years
    evaluated on different grids, or on grids that differ in the last digit, leave no gap (a blank
    band in the surface) and the surface reaches both ends of the axis.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"year": [1, 1, 2, 2], "x": [0.0, 1.0, 0.1, 0.9], "density": [1.0, 1.0, 2.0, 2.0]})
    >>> g, y, z = surface_grid(df, x_range=(0, 1), points=3)
    >>> g.tolist(), y.tolist(), z.tolist()
    ([0.0, 0.5, 1.0], [1.0, 2.0], [[1.0, 1.0, 1.0], [0.0, 2.0, 0.0]])
    """
    c = curves[["year", "x", "density"]].dropna()
    c = c[np.isfinite(c["x"].astype(float)) & np.isfinite(c["density"].astype(float))]
    if c.empty:
        raise DataError("density_surface: the curves table has no finite (x, density) point; "
                        "pass the curves table of a kernel density.")
    lo, hi = (float(v) for v in (x_range if x_range is not None else (c["x"].min(), c["x"].max())))
    grid = np.linspace(lo, hi, points)
    years = np.array(sorted(c["year"].unique()), dtype=float)
    rows = []
    for y in years:
        cy = c[c["year"].astype(float) == y].groupby("x", as_index=False)["density"].mean().sort_values("x")
        rows.append(np.interp(grid, cy["x"].to_numpy(float), cy["density"].to_numpy(float), left=0.0, right=0.0))
    return grid, years, np.vstack(rows)


def density_ridgeline(curves: pd.DataFrame, *, title: str | None = None, lang: Lang = "zh", overlap: float = 1.6,
                      x_range: tuple[float, float] | None = None):
    """Ridgeline plot of yearly kernel densities (one ridge per year, earliest at the bottom).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> x = np.linspace(0, 1, 20)
    >>> df = pd.DataFrame({"year": np.repeat([2020, 2021], 20), "x": np.tile(x, 2), "density": np.tile(np.exp(-x), 2)})
    >>> len(density_ridgeline(df).axes)
    1
    """
    check_option(lang, Lang, param="lang", caller="density_ridgeline")
    _need(curves, ["year", "x", "density"], "density_ridgeline")
    plt = _plt()
    curves = _clip_range(curves, x_range)
    years = sorted(curves["year"].unique())
    peak = float(curves["density"].max()) or 1.0
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(years) + 2))
    cmap = plt.get_cmap("viridis")
    for i, y in enumerate(years):
        c = curves[curves["year"] == y].sort_values("x")
        base = i
        yy = base + overlap * c["density"].to_numpy() / peak
        ax.fill_between(c["x"], base, yy, color=cmap(i / max(len(years) - 1, 1)), alpha=0.75, zorder=len(years) - i)
        ax.plot(c["x"], yy, color="k", lw=0.6, zorder=len(years) - i)
    ax.set_yticks(range(len(years)))
    ax.set_yticklabels([str(y) for y in years])
    if x_range is not None:
        ax.set_xlim(*x_range)
    ax.set_xlabel(_t("score", lang))
    ax.set_ylabel(_t("year", lang))
    ax.spines[["top", "right", "left"]].set_visible(False)
    return _finish(fig, ax, title)


#: identifier columns of stage tables that are never data series of a figure
ID_COLUMNS = ("node", "grouping", "variable", "analysis")


def _prob_matrix(t: pd.DataFrame) -> pd.DataFrame:
    states = [c for c in t.columns if c not in ("from_state", "n", "lag_class", *ID_COLUMNS)]
    return t.set_index("from_state")[states].astype(float)


def markov_heatmap(probabilities: pd.DataFrame, *, title: str | None = None, lang: Lang = "zh"):
    """Heat-map(s) of Markov transition probabilities.

    ``probabilities`` is a ``from_state, [n,] <state columns>`` table (classical chain) or a
    spatial-Markov ``lag_class, from_state, n, <states>`` table (one panel per neighbourhood class;
    two panels side by side, more in a grid of two columns: the four classes as 2 × 2). States are
    shown in the figure's language (:data:`STATE_LABELS`); the panels share the state axes, so the
    left column carries the initial states and the bottom row the final states.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"from_state": ["low", "high"], "n": [5, 5], "low": [0.8, 0.1], "high": [0.2, 0.9]})
    >>> len(markov_heatmap(p).axes)  # the heat-map and its colour bar
    2
    """
    check_option(lang, Lang, param="lang", caller="markov_heatmap")
    _need(probabilities, ["from_state"], "markov_heatmap")
    plt = _plt()
    groups = [(None, probabilities)] if "lag_class" not in probabilities.columns else list(
        probabilities.groupby("lag_class", sort=True))
    ncol = len(groups)
    first = _prob_matrix(groups[0][1])
    states = [str(c) for c in first.columns]
    # neighbourhood classes L1 … Lk are the quantile classes of the spatial lag: name them like the states
    lag_names = {}
    if ncol > 1 and all(str(g) == f"L{i + 1}" for i, (g, _) in enumerate(groups)) and ncol == len(states):
        lag_names = {f"L{i + 1}": state_label(st, lang) for i, st in enumerate(states)}
    # up to two panels side by side; more (the four neighbourhood classes) in a grid of two columns
    ncols = min(2, ncol)
    nrows = int(np.ceil(ncol / ncols))
    long_names = max((len(state_label(x, lang)) * (1.0 if lang == "zh" else 0.55) for x in states), default=4)
    side = max(2.4, 0.55 * len(states) + 0.3)
    fig, axes = plt.subplots(nrows, ncols, figsize=(side * ncols + 1.3 + 0.1 * long_names,
                                                    (side + 0.3) * nrows + 0.75 + 0.06 * long_names + (0.5 if title else 0)),
                             squeeze=False, sharex=True, sharey=True, layout="constrained")
    flat = list(axes.ravel())
    for ax in flat[ncol:]:
        ax.remove()
    im = None
    for k, (ax, (lag, t)) in enumerate(zip(flat, groups)):
        row, col = divmod(k, ncols)
        bottom = k + ncols >= ncol  # no panel below this one
        m = _prob_matrix(t)
        im = ax.imshow(m.to_numpy(), cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(m.shape[1]))
        ax.set_xticklabels([state_label(c, lang) for c in m.columns], rotation=35, ha="right", rotation_mode="anchor",
                           fontsize=8.5)
        ax.set_yticks(range(m.shape[0]))
        ax.set_yticklabels([state_label(c, lang) for c in m.index], fontsize=8.5)
        ax.tick_params(axis="x", labelbottom=bottom)
        ax.tick_params(axis="y", labelleft=col == 0)
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                v = m.iat[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if v > 0.55 else "black")
        if bottom:
            ax.set_xlabel(_t("to", lang), fontsize=9.5)
        if col == 0:
            ax.set_ylabel(_t("from", lang), fontsize=9.5)
        if lag is not None:
            name = lag_names.get(str(lag))
            label = (f"{_t('lag', lang)}：{name}（{lag}）" if lang == "zh" else f"{_t('lag', lang)}: {name} ({lag})") \
                if name else (f"{_t('lag', lang)}：{lag}" if lang == "zh" else f"{_t('lag', lang)}: {lag}")
            ax.set_title(label, fontsize=9.5)
    cb = fig.colorbar(im, ax=flat[:ncol], shrink=0.85 if nrows > 1 else 0.8, pad=0.02, aspect=30 if nrows > 1 else 20)
    cb.set_label(_t("prob", lang), fontsize=9)
    cb.ax.tick_params(labelsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    _style(fig)
    return fig


def dagum_chart(totals: pd.DataFrame, *, title: str | None = None, lang: Lang = "zh"):
    """Dagum Gini decomposition over the years: contribution shares (stacked bars) and G (line).

    ``totals`` is the ``totals`` table of a Dagum panel (``year, G, Gw_share, Gnb_share, Gt_share``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"year": [1, 2], "G": [0.3, 0.25], "Gw_share": [0.2, 0.2], "Gnb_share": [0.7, 0.6],
    ...                   "Gt_share": [0.1, 0.2]})
    >>> len(dagum_chart(t).axes)
    2
    """
    check_option(lang, Lang, param="lang", caller="dagum_chart")
    _need(totals, ["year", "G", "Gw_share", "Gnb_share", "Gt_share"], "dagum_chart")
    plt = _plt()
    t = totals.sort_values("year")
    x = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    bottom = np.zeros(len(t))
    for col, key, colour in (("Gw_share", "within", "#4c72b0"), ("Gnb_share", "between", "#dd8452"),
                             ("Gt_share", "trans", "#55a868")):
        v = t[col].to_numpy(dtype=float) * 100
        ax.bar(x, v, bottom=bottom, color=colour, label=_t(key, lang), width=0.7)
        bottom += v
    ax.set_ylabel(_t("share", lang) + ("（%）" if lang == "zh" else " (%)"))
    ax.set_xlabel(_t("year", lang))
    ax.set_xticks(x)
    ax.set_xticklabels([str(y) for y in t["year"]])
    ax.set_ylim(0, 100)
    ax2 = ax.twinx()
    ax2.plot(x, t["G"], color="k", marker="o", label=_t("gini", lang))
    ax2.set_ylabel(_t("gini", lang))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    # below the axes and their year label, outside the plotting area
    fig.legend(h1 + h2, l1 + l2, loc="outside lower center", ncol=4, frameon=False, fontsize=9)
    if title:
        ax.set_title(title)
    _style(fig)
    return fig


def coupling_chart(coupling: pd.DataFrame, *, group: pd.Series | None = None, title: str | None = None,
                   lang: Lang = "zh"):
    """Coupling coordination degree D over the years: the distribution (box) and group means (lines).

    ``coupling`` is the table of :func:`nqpf.analysis.coupling_coordination` (``unit, year, D``);
    ``group`` maps units to groups (e.g. the four regions). The group lines and the legend (below
    the axes) are in the order of the coordination grade: the highest mean D of the last year first;
    English group names are capitalised (:func:`group_label`). The dotted lines are the edges of the
    coordination classes (Wang et al. 2021), named on the right-hand axis.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"unit": ["a", "b"] * 2, "year": [1, 1, 2, 2], "D": [0.4, 0.5, 0.45, 0.55]})
    >>> fig = coupling_chart(c, group=pd.Series({"a": "west", "b": "east"}), lang="en")
    >>> [t.get_text() for t in fig.legends[0].get_texts()], [float(v) for v in fig.axes[0].get_ylim()]
    (['East', 'West'], [0.3, 0.6])
    """
    check_option(lang, Lang, param="lang", caller="coupling_chart")
    _need(coupling, ["unit", "year", "D"], "coupling_chart")
    from ..analysis.coupling import CLASS_EDGES, CLASSES_EN, CLASSES_ZH

    plt = _plt()
    c = coupling[["unit", "year", "D"]].dropna()
    years = sorted(c["year"].unique())
    fig, ax = plt.subplots(figsize=(8.4, 4.8), layout="constrained")
    ax.boxplot([c.loc[c["year"] == y, "D"].to_numpy() for y in years], positions=range(len(years)), widths=0.5,
               patch_artist=True, boxprops={"facecolor": "#ececec", "edgecolor": "#7f7f7f"}, medianprops={"color": "#4d4d4d"},
               whiskerprops={"color": "#7f7f7f"}, capprops={"color": "#7f7f7f"},
               flierprops={"markersize": 3, "markeredgecolor": "#7f7f7f"})
    # the axis spans the coordination classes the values fall in (class edges every 0.1)
    lo = max(0.0, float(np.floor((c["D"].min() - 0.005) * 10)) / 10) if len(c) else 0.0
    hi = min(1.0, float(np.ceil((c["D"].max() + 0.005) * 10)) / 10) if len(c) else 1.0
    ax.set_ylim(lo, hi)
    if group is not None:
        g = c.assign(group=c["unit"].map(pd.Series(group)))
        means = g.groupby(["group", "year"])["D"].mean().unstack(0).reindex(years)
        # lines and legend in the order of the coordination grade: the highest group mean D of the last year first
        last = means.ffill().iloc[-1] if len(means) else pd.Series(dtype=float)
        order = sorted(means.columns, key=lambda col: (-float(last.get(col, np.nan)) if pd.notna(last.get(col)) else np.inf,
                                                       str(col)))
        colours = ["#c44e52", "#dd8452", "#55a868", "#4c72b0", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]
        for i, col in enumerate(order):
            ax.plot(range(len(years)), means[col], marker="o", ms=3.5, lw=1.6, color=colours[i % len(colours)],
                    label=group_label(col, lang), zorder=3)
        # below the axes, outside the plotting area, so it never covers a box or a line
        fig.legend(*ax.get_legend_handles_labels(), title=_t("group_mean", lang), fontsize=8.5, title_fontsize=8.5,
                   frameon=False, loc="outside lower center", ncol=min(4, len(order)))
    # the coordination grades (Wang et al. 2021): class edges inside the axis and the class names on the right
    names = CLASSES_ZH if lang == "zh" else tuple(n[:1].upper() + n[1:] for n in CLASSES_EN)
    edges = (0.0, *CLASS_EDGES, 1.0)
    for e in CLASS_EDGES:
        if lo < e < hi:
            ax.axhline(e, color="#999999", lw=0.6, ls=":", zorder=0)
    ax2 = ax.twinx()
    ax2.set_ylim(lo, hi)
    mids = [((edges[k] + edges[k + 1]) / 2, names[k]) for k in range(len(names)) if edges[k] >= lo - 1e-9
            and edges[k + 1] <= hi + 1e-9]
    ax2.set_yticks([m for m, _ in mids])
    ax2.set_yticklabels([n for _, n in mids], fontsize=8)
    ax2.tick_params(axis="y", length=0)
    ax2.set_ylabel(_t("grade", lang), fontsize=9)
    ax.set_xticks(range(len(years)))
    ax.set_xticklabels([str(y) for y in years])
    ax.set_ylabel(_t("D", lang))
    ax.set_xlabel(_t("year", lang))
    if title:
        ax.set_title(title)
    _style(fig)
    return fig


def group_label(group: Any, lang: str) -> str:
    """A group's name as printed in a figure: English names capitalised (``northeast`` → ``Northeast``).

    Examples
    --------
    >>> group_label("northeast", "en"), group_label("东北", "zh"), group_label("iPhone users", "en")
    ('Northeast', '东北', 'iPhone users')
    """
    s = str(group)
    if lang == "en" and s[:1].islower() and s.split(" ")[0].islower():
        return s[:1].upper() + s[1:]
    return s


def obstacle_bars(obstacles: pd.DataFrame, *, labels: dict[str, str] | None = None, top: int = 15,
                  title: str | None = None, lang: Lang = "zh"):
    """Horizontal bars of the mean obstacle degree (%) per indicator or node over the units.

    ``obstacles`` has columns ``obstacle_pct`` and ``indicator`` or ``node`` (one year, or one unit).

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"unit": ["a", "a"], "indicator": ["x1", "x2"], "obstacle_pct": [60.0, 40.0]})
    >>> len(obstacle_bars(o).axes)
    1
    """
    check_option(lang, Lang, param="lang", caller="obstacle_bars")
    key = "indicator" if "indicator" in obstacles.columns else "node"
    _need(obstacles, [key, "obstacle_pct"], "obstacle_bars")
    plt = _plt()
    m = obstacles.groupby(key)["obstacle_pct"].mean().sort_values(ascending=False).head(top)[::-1]
    # full names, wrapped (never cut): about 13 CJK characters or 30 Latin characters a line
    width = 13 if lang == "zh" or any(_cjk((labels or {}).get(i, i)) for i in m.index) else 17
    names = [wrap_label((labels or {}).get(i, i), width) for i in m.index]
    lines = [n.count("\n") + 1 for n in names]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(m) + 0.16 * (sum(lines) - len(m)) + 1.5), layout="constrained")
    ax.barh(range(len(m)), m.to_numpy(), color="#c44e52", height=0.7)
    ax.set_yticks(range(len(m)))
    ax.set_yticklabels(names, fontsize=9, linespacing=1.0)
    for i, v in enumerate(m.to_numpy()):
        ax.text(v, i, f" {v:.1f}", va="center", fontsize=8.5)
    ax.set_xlim(0, float(np.nanmax(m.to_numpy())) * 1.12 if len(m) and np.nanmax(m.to_numpy()) > 0 else 1.0)
    ax.set_ylim(-0.6, len(m) - 0.4)
    ax.set_xlabel(_t("obstacle", lang))
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title)
    _style(fig)
    return fig


def rank_interval_plot(rank_stats: pd.DataFrame, *, year: int | None = None, labels: dict[str, str] | None = None,
                       title: str | None = None, lang: Lang = "zh"):
    """Rank intervals from the uncertainty analysis: nominal rank, median and 5–95 % interval per unit.

    ``rank_stats`` has columns ``unit, year, nominal, median, q05, q95`` (sensitivity ``rank_stats``).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"unit": ["a", "b"], "year": [1, 1], "nominal": [1, 2], "median": [1, 2], "q05": [1, 1],
    ...                   "q95": [2, 2]})
    >>> len(rank_interval_plot(r).axes)
    1
    """
    check_option(lang, Lang, param="lang", caller="rank_interval_plot")
    _need(rank_stats, ["unit", "year", "nominal", "median", "q05", "q95"], "rank_interval_plot")
    plt = _plt()
    y = year if year is not None else rank_stats["year"].max()
    r = rank_stats[rank_stats["year"] == y].sort_values("nominal")
    n = len(r)
    # type of 9–10 pt at the printed size (a 6.5 in wide figure fits a journal page without shrinking)
    fig, ax = plt.subplots(figsize=(6.5, 0.22 * n + 1.9), layout="constrained")
    pos = np.arange(n)
    ax.hlines(pos, r["q05"], r["q95"], color="#4c72b0", lw=3.2, alpha=0.6, label=_t("interval", lang))
    ax.plot(r["median"], pos, "o", color="#4c72b0", ms=4.5, label=_t("median", lang))
    ax.plot(r["nominal"], pos, "kx", ms=5.5, label=_t("nominal", lang))
    ax.set_yticks(pos)
    ax.set_yticklabels([(labels or {}).get(u, u) for u in r["unit"]], fontsize=9)
    top = int(np.nanmax(r[["nominal", "q95"]].to_numpy(dtype=float))) if n else 1
    ticks = [1] + list(range(5, top + 1, 5))
    ax.set_xticks(ticks if top not in ticks and top - ticks[-1] < 2 else sorted(set(ticks + [top])))
    ax.set_xlim(0.3, top + 0.7)
    ax.tick_params(axis="x", labelsize=9.5)
    ax.set_xlabel(_t("rank", lang), fontsize=10)
    ax.set_ylim(n - 0.4, -0.6)
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    # the legend sits below the axes (outside the plotting area), so it never covers an interval
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=9.5, frameon=False)
    ax.set_title(title or f"{y}", fontsize=11)
    _style(fig)
    return fig


# --------------------------------------------------------------------------- saving

def tight_pixel_box(bbox_inches, dpi: float, width: int, height: int, pad: float) -> tuple[int, int, int, int] | None:
    """The pixel rows and columns ``(top, bottom, left, right)`` of a figure's tight box in its rendered image.

    ``bbox_inches`` is ``Figure.get_tightbbox`` (inches from the lower left corner), padded by ``pad`` inches on
    each side as ``savefig(bbox_inches="tight", pad_inches=pad)`` pads it, then widened to whole pixels; the image
    is ``height × width`` pixels with its first row at the top. The padding may reach beyond the image (a figure
    whose layout fills it: ``savefig`` then paints the margin in the figure's face colour). ``None`` when the box
    itself reaches outside the image (an artist drawn beyond the figure's edge: only a second drawing on a larger
    canvas can show it).

    Examples
    --------
    >>> from matplotlib.transforms import Bbox
    >>> tight_pixel_box(Bbox([[0.5, 0.2], [5.5, 3.6]]), 100, 600, 400, 0.1)
    (30, 390, 40, 560)
    >>> tight_pixel_box(Bbox([[0.02, 0.2], [5.5, 3.6]]), 100, 600, 400, 0.1)
    (30, 390, -8, 560)
    >>> tight_pixel_box(Bbox([[-0.2, 0.2], [5.5, 3.6]]), 100, 600, 400, 0.1) is None
    True
    """
    if (bbox_inches.x0 * dpi < -0.5 or bbox_inches.y0 * dpi < -0.5 or bbox_inches.x1 * dpi > width + 0.5
            or bbox_inches.y1 * dpi > height + 0.5):
        return None
    x0, y0 = (bbox_inches.x0 - pad) * dpi, (bbox_inches.y0 - pad) * dpi
    x1, y1 = (bbox_inches.x1 + pad) * dpi, (bbox_inches.y1 + pad) * dpi
    left, right = int(np.floor(x0 + 1e-6)), int(np.ceil(x1 - 1e-6))
    top, bottom = height - int(np.ceil(y1 - 1e-6)), height - int(np.floor(y0 + 1e-6))
    return top, bottom, left, right


def cut_image(image: np.ndarray, box: tuple[int, int, int, int], fill: Sequence[int]) -> np.ndarray:
    """Rows ``top:bottom`` and columns ``left:right`` of an ``H × W × C`` image, the part of the box outside the
    image filled with the colour ``fill`` (``C`` values).

    Examples
    --------
    >>> img = np.arange(12, dtype=np.uint8).reshape(2, 3, 2)
    >>> cut_image(img, (0, 2, 1, 4), (9, 9))[:, :, 0].tolist()
    [[2, 4, 9], [8, 10, 9]]
    """
    top, bottom, left, right = box
    h, w = image.shape[:2]
    out = np.empty((bottom - top, right - left) + image.shape[2:], dtype=image.dtype)
    out[...] = np.asarray(fill, dtype=image.dtype)
    r0, r1, c0, c1 = max(top, 0), min(bottom, h), max(left, 0), min(right, w)
    out[r0 - top:r1 - top, c0 - left:c1 - left] = image[r0:r1, c0:c1]
    return out


def write_png(path: Path, image: np.ndarray, dpi: int) -> None:
    """Write an ``H × W × 4`` RGBA image (``uint8``, first row at the top) as a PNG with Pillow, as ``savefig`` does
    (the same ``Software`` text and resolution), but as RGB when every pixel is opaque — the same pixels in three
    bytes each instead of four — and at zlib level 3 instead of 6: on the demo's 32 figures 0.61 s instead of
    1.15 s of encoding and 3.9 MB instead of 4.2 MB (an image with transparent pixels keeps its alpha channel).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> img = np.full((2, 3, 4), 255, dtype=np.uint8)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_png(pathlib.Path(d) / "a.png", img, 100)
    ...     im = Image.open(pathlib.Path(d) / "a.png")
    ...     im.mode, im.size, round(im.info["dpi"][0])
    ('RGB', (3, 2), 100)
    """
    import matplotlib
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    opaque = bool((image[..., 3] == 255).all())
    pixels = Image.fromarray(np.ascontiguousarray(image[..., :3]) if opaque else np.ascontiguousarray(image))
    pixels.save(path, format="png", pnginfo=info, dpi=(dpi, dpi), compress_level=3)


def _save_png_drawn_once(fig, path: Path, dpi: int) -> bool:
    """Save ``fig`` as a PNG holding its tight box, drawing it once: the figure is drawn on an Agg canvas, its
    tight box (``Figure.get_tightbbox`` with the text sizes of that drawing, padded by ``savefig.pad_inches``)
    is cut from the image (:func:`tight_pixel_box`, :func:`cut_image`: a margin beyond the figure in its face
    colour, as ``savefig`` paints it) and written by :func:`write_png`. ``savefig(bbox_inches="tight")`` draws the
    figure twice (once to measure, once to paint); the cut image shows the same pixels up to a shift of less than
    one pixel.
    Returns ``False``, with nothing written, when the tight box reaches beyond the figure (then ``savefig``).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_rgba

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    old_dpi = fig.dpi
    fig.dpi = dpi
    try:
        canvas.draw()
        image = np.asarray(canvas.buffer_rgba())
        box = tight_pixel_box(fig.get_tightbbox(canvas.get_renderer()), dpi, image.shape[1], image.shape[0],
                              float(matplotlib.rcParams["savefig.pad_inches"]))
        if box is None:
            return False
        fill = np.round(np.asarray(to_rgba(fig.get_facecolor())) * 255).astype(np.uint8)
        write_png(path, cut_image(image, box, fill), dpi)
        return True
    finally:
        fig.dpi = old_dpi


def save_figure(fig, path: str | Path, *, formats: Sequence[str] = ("png", "svg"), dpi: int = 150) -> list[Path]:
    """Save ``fig`` as ``path.<format>`` for each format; refuse figures with missing glyphs.

    Raises
    ------
    MethodError
        When matplotlib reports a glyph missing from the font (text would show as boxes).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> fig = element_radar(pd.Series({"劳动者": 0.5, "劳动资料": 0.3, "劳动对象": 0.4}))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.suffix for p in save_figure(fig, pathlib.Path(d) / "radar")]
    ['.png', '.svg']
    """
    plt = _plt()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    try:
        for fmt in formats:
            p = path.with_suffix(f".{fmt}")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                # identical runs give identical files: no date, and fixed SVG ids (matplotlib draws random
                # clip-path ids unless svg.hashsalt is set)
                with plt.rc_context({"svg.hashsalt": "nqpf"}):
                    if fmt != "png" or not _save_png_drawn_once(fig, p, dpi):
                        fig.savefig(p, dpi=dpi, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
            missing = [str(w.message) for w in caught if "missing from" in str(w.message).lower()
                       or "glyph" in str(w.message).lower()]
            if missing:
                p.unlink(missing_ok=True)
                raise MethodError(f"save_figure: text would be drawn as boxes; got {missing[0]!r}. "
                                  "Install a CJK font (pip install pylopdf-fonts-zh-cn).")
            out.append(p)
    finally:
        plt.close(fig)
    return out


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class FigureType:
    """A kind of result table and the figure drawn from it.

    Attributes
    ----------
    name : figure id (file stem prefix).
    kinds : table kinds that get this figure (``<result kind>.<table>``, e.g. ``density.curves``).
    draw : ``draw(table, *, title, lang, context) -> Figure``; ``context`` holds the unit names and groups.
    title_zh, title_en : figure titles.
    section : report section the figure belongs to.
    provinces_only : drawn only for runs on the mainland provinces (maps).
    last_year : the figure shows the last year of the table only (its title names that year).
    """

    name: str
    kinds: tuple[str, ...]
    draw: Callable[..., Any]
    title_zh: str
    title_en: str
    section: str
    provinces_only: bool = False
    last_year: bool = False


FIGURE_TYPES: dict[str, FigureType] = {}


def register_figure(ft: FigureType) -> FigureType:
    """Register a figure for a kind of table (new result types plug in here).

    Examples
    --------
    >>> ft = register_figure(FigureType("my_line", ("forecast.path",), lambda t, **k: None, "我的", "Mine", "summary"))
    >>> [f.name for f in match_figure_types("forecast.path")], match_figure_types("forecast.other")
    (['my_line'], [])
    >>> FIGURE_TYPES.pop("my_line").name
    'my_line'
    """
    FIGURE_TYPES[ft.name] = ft
    return ft


def match_figure_types(kind: str) -> list[FigureType]:
    """The registered figure types drawn for tables of ``kind``."""
    return [ft for ft in FIGURE_TYPES.values() if kind in ft.kinds]


def _draw_lisa(table: pd.DataFrame, *, title: str, lang: str, context: dict) -> Any:
    last = table["year"].max() if "year" in table.columns else None
    t = table[table["year"] == last] if last is not None else table
    return lisa_map(t.set_index("unit")["cluster"], title=title, lang=lang)


def _draw_obstacle(table: pd.DataFrame, *, title: str, lang: str, context: dict) -> Any:
    t = table[table["year"] == table["year"].max()] if "year" in table.columns else table
    return obstacle_bars(t, labels=context.get("labels"), title=title, lang=lang)


register_figure(FigureType("density_surface", ("density.curves",),
                           lambda t, *, title, lang, context: density_surface(t, title=title, lang=lang,
                                                                              x_range=context.get("x_range")),
                           "核密度三维图", "Kernel density surface", "dynamics"))
register_figure(FigureType("density_ridgeline", ("density.curves",),
                           lambda t, *, title, lang, context: density_ridgeline(t, title=title, lang=lang,
                                                                                x_range=context.get("x_range")),
                           "核密度山脊图", "Kernel density ridgeline", "dynamics"))
register_figure(FigureType("markov_heatmap", ("markov.probabilities", "spatial_markov.conditional",
                                             "spatial_markov.pooled"),
                           lambda t, *, title, lang, context: markov_heatmap(t, title=title, lang=lang),
                           "马尔可夫转移概率", "Markov transition probabilities", "dynamics"))
register_figure(FigureType("dagum_chart", ("dagum.totals",),
                           lambda t, *, title, lang, context: dagum_chart(t, title=title, lang=lang),
                           "Dagum基尼系数分解", "Dagum Gini decomposition", "inequality"))
register_figure(FigureType("coupling_chart", ("coupling.coupling",),
                           lambda t, *, title, lang, context: coupling_chart(t, group=context.get("groups"), title=title,
                                                                             lang=lang),
                           "耦合协调度", "Coupling coordination", "integration"))
register_figure(FigureType("obstacle_bars", ("obstacle.indicators",), _draw_obstacle,
                           "主要障碍因素", "Main obstacle factors", "obstacles", last_year=True))
register_figure(FigureType("rank_interval", ("uncertainty.rank_stats",),
                           lambda t, *, title, lang, context: rank_interval_plot(t, labels=context.get("labels_units"),
                                                                                 title=title, lang=lang),
                           "排名不确定性区间", "Rank uncertainty intervals", "sensitivity", last_year=True))
register_figure(FigureType("lisa_map", ("lisa.local",), _draw_lisa,
                           "LISA集聚图", "LISA cluster map", "spatial", provinces_only=True, last_year=True))


def node_choropleth(result, *, node: str | None = None, year: int | None = None, lang: Lang = "zh", **kwargs):
    """Choropleth of one node's score for one year of an :class:`~nqpf.index.result.IndexResult`.

    ``node`` defaults to the index root, ``year`` to the last year; other keywords go to
    :func:`~nqpf.report.maps.choropleth`.
    """
    node = node or result.root
    year = year if year is not None else result.years[-1]
    s = result.scores
    sub = s[(s["node"] == node) & (s["year"] == year)].set_index("unit")["score"]
    name = result.node_names(lang).get(node, node)
    return choropleth(sub, title=f"{name}（{year} 年）" if lang == "zh" else f"{name} ({year})",
                      legend_title=_t("score", lang), lang=lang, **kwargs)


@dataclass(frozen=True)
class FigureRecord:
    """A figure written for a run: id, report section, titles and the files (PNG first).

    Figures shown in the HTML report are drawn in both languages: ``NAME.png``/``NAME.svg`` in the
    run's language and ``NAME-<other>.png``/``.svg`` in the other one (:meth:`png_for`).
    """

    name: str
    section: str
    title_zh: str
    title_en: str
    files: tuple[Path, ...]
    unit: str = ""

    @property
    def png(self) -> Path:
        return next(p for p in self.files if p.suffix == ".png")

    def png_for(self, lang: str) -> Path | None:
        """The PNG drawn in ``lang`` (``NAME-en.png``), or None when only the run's language was drawn."""
        return next((p for p in self.files if p.suffix == ".png" and p.stem == f"{self.name}-{lang}"), None)


#: names (zh, en) of the groupings of the provinces used in figure titles
GROUPING_NAMES = {"region4": ("四大区域", "four regions"), "belt3": ("三大地带", "three belts"),
                  "region8": ("八大综合经济区", "eight economic regions")}


def _span(years: Sequence[Any], lang: str) -> str:
    ys = sorted({int(y) for y in years if pd.notna(y) and str(y).lstrip("-").isdigit()})
    if not ys:
        return ""
    if len(ys) == 1 or ys[0] == ys[-1]:
        return _t("one_year", lang).format(a=ys[0])
    return _t("years", lang).format(a=ys[0], b=ys[-1])


def figure_title(main: str, *, lang: str, n_units: int | None = None, provinces: bool = True,
                 years: Sequence[Any] = (), grouping: str | None = None, subsystems: Sequence[str] = ()) -> str:
    """A figure title that says what is shown: the measure and node, then the sample, years, grouping, subsystems.

    Examples
    --------
    >>> figure_title("Dagum 基尼系数分解：新质生产力", lang="zh", n_units=31, years=[2013, 2022], grouping="region4")
    'Dagum 基尼系数分解：新质生产力\\n31 个省份，2013–2022 年，按四大区域分组'
    >>> figure_title("Coupling coordination", lang="en", n_units=4, provinces=False, years=[2020],
    ...              subsystems=["digital economy", "real economy"])
    'Coupling coordination\\n4 units, 2020, subsystems: digital economy × real economy'
    """
    parts = []
    if n_units:
        parts.append(_t("provinces" if provinces else "units", lang).format(n=n_units))
    span = _span(years, lang)
    if span:
        parts.append(span)
    if grouping:
        g = GROUPING_NAMES.get(grouping, (grouping, grouping))
        parts.append(f"按{g[0]}分组" if lang == "zh" else f"grouped by {g[1]}")
    if subsystems:
        parts.append(("子系统：" if lang == "zh" else "subsystems: ") + " × ".join(subsystems))
    sub = ("，" if lang == "zh" else ", ").join(parts)
    return f"{main}\n{sub}" if sub else main


def _grouping_of(table: pd.DataFrame, grouping: str = "region4") -> str | None:
    if "grouping" not in table.columns or not len(table):
        return None
    gs = table["grouping"].astype(str)
    return grouping if (gs == grouping).any() else gs.iloc[0]


def render_run_figures(run, out_dir: str | Path, **kwargs: Any) -> list[FigureRecord]:
    """Draw every figure of a run into ``out_dir`` (``DIR/figures``); see :func:`start_run_figures` for the options."""
    return start_run_figures(run, out_dir, **kwargs).result()


def start_run_figures(run, out_dir: str | Path, *, processes: int = 1, **kwargs: Any) -> "_FigureBatch":
    """Start drawing every figure of a run into ``out_dir``; ``.result()`` waits and returns the records.

    With ``processes > 1`` the figures are drawn by worker processes, so the caller can do other work
    before calling ``.result()``. Worker processes (``1``: in this process): figures are independent, so
    they are drawn in a process pool (fork start method; elsewhere in this process) and the records keep
    the order of the serial run. Every figure is drawn from the same inputs with the same settings, so the
    files are byte-identical whichever process draws them. The other options are those of
    :func:`plan_run_figures`.
    """
    return _FigureBatch(plan_run_figures(run, out_dir, **kwargs), processes=processes)


def plan_run_figures(run, out_dir: str | Path, *, lang: Lang = "zh", unit_radars: bool = False,
                     map_nodes: Sequence[str] | None = None, map_years: Sequence[int] | None = None,
                     formats: Sequence[str] = ("png",), dpi: int = 150,
                     both_languages: bool = True) -> "FigurePlan":
    """Plan every figure of a run (cheap: nothing is drawn); :meth:`FigurePlan.calls` draws them.

    Index figures (bump chart, element radars, choropleth maps of the index and of each element
    for the first and last year) are always drawn; every stage table whose kind
    (:meth:`~nqpf.report.tables.RunTables.kind`) a registered :class:`FigureType` names gets that figure. A table whose figure would repeat one
    already drawn (the spatial-Markov pooled matrix is the classical Markov matrix) is skipped.

    Parameters
    ----------
    run
        :class:`~nqpf.report.tables.RunTables`.
    out_dir
        Folder of the figure files.
    lang
        Language of titles and labels.
    unit_radars
        Draw one element radar per unit (else only the first and last ranked; the HTML report draws
        every unit's radar itself, so the per-unit files are off by default).
    map_nodes
        Nodes mapped (default: the index and its elements).
    map_years
        Years mapped (default: the first and the last year).
    formats, dpi
        File formats (PNG by default; add ``"svg"`` for vector files) and PNG resolution.
    both_languages
        Also draw the figures the HTML report shows (bump chart and stage figures) in the other
        language, as ``NAME-<lang>.<format>``, so that the page's language switch swaps them.
    """
    from .sections import table_title

    check_option(lang, Lang, param="lang", caller="render_run_figures")
    res = run.result
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = res.node_names(lang)
    root = res.root
    years = res.years
    labels_units = unit_labels(res.units, lang).to_dict()
    provinces = is_province_run(res.units)
    n_units = int(res.units.shape[0])
    other = "en" if lang == "zh" else "zh"
    langs = (lang, other) if both_languages else (lang,)

    # figures are planned first (cheap) and drawn afterwards, in this process or in a pool
    jobs: list[_FigureJob] = []

    def add(name, section, tzh, ten, draw, unit="", bilingual=False, stage=""):
        jobs.append(_FigureJob(name, section, tzh, ten, draw, unit, langs if bilingual else (lang,), stage))

    def root_name(lg):
        return res.node_names(lg).get(root, root)

    def bump(lg):
        sc = res.scores[res.scores["node"] == root].copy()
        if lg == "en":
            sc["unit_name"] = sc["unit"].map(unit_labels(res.units, "en").to_dict())
        main = f"{root_name(lg)}排名变化" if lg == "zh" else f"{root_name(lg)}: rank over time"
        return bump_chart(sc, lang=lg, title=figure_title(main, lang=lg, n_units=n_units, provinces=provinces,
                                                          years=years))

    add("bump_chart", "rankings", f"{root_name('zh')}排名变化", f"{root_name('en')}: rank over time", bump,
        bilingual=True)
    elements = res.children(root)
    known = set(res.scores["node"].astype(str))
    unknown = [n for n in (map_nodes or ()) if n not in known]
    if unknown:
        raise DataError(f"render_run_figures: map nodes not in the run; got {unknown}. "
                        f"Use framework nodes such as {[root, *elements][:5]}.")
    for node in (list(map_nodes) if map_nodes is not None else [root, *elements]) if provinces else []:
        for y in sorted(set(map_years) if map_years else {years[0], years[-1]}):
            if y not in years:
                raise DataError(f"render_run_figures: map year not in the run; got {y}. Use one of {years}.")
            nzh, nen = res.node_names("zh").get(node, node), res.node_names("en").get(node, node)
            add(f"map_{node}_{y}", "maps", f"{nzh}（{y}）", f"{nen} ({y})",
                lambda lg, node=node, y=y: node_choropleth(res, node=node, year=y, lang=lg))
    if len(elements) >= 3:
        w = res.wide(year=years[-1], nodes=elements)
        w = w.rename(columns=names)
        avg = w.mean()
        names_zh_u, names_en_u = unit_labels(res.units, "zh").to_dict(), unit_labels(res.units, "en").to_dict()
        order = res.ranking(years[-1])["unit"].tolist()
        units = order if unit_radars else [u for u in (order[:1] + order[-1:])]
        for u in units:
            if u not in w.index or w.loc[u].isna().all():
                continue
            nm = labels_units.get(u, u)
            add(f"radar_{u}", "elements", f"{names_zh_u.get(u, u)} 要素雷达图（{years[-1]}）",
                f"{names_en_u.get(u, u)}: elements ({years[-1]})",
                lambda lg, u=u, nm=nm: element_radar(w.loc[u], reference=avg,
                                                     title=f"{nm}（{years[-1]}）" if lg == "zh" else f"{nm} ({years[-1]})",
                                                     lang=lg), unit=u)

    def context(lg):
        gcol = "region4_zh" if lg == "zh" and "region4_zh" in res.units.columns else "region4"
        return {"labels": res.node_names(lg), "labels_units": unit_labels(res.units, lg).to_dict(),
                "groups": res.units.set_index("unit")[gcol] if gcol in res.units.columns else None,
                "x_range": index_range(res.scores.loc[res.scores["node"] == root, "score"])}

    subsystems = {lg: [(getattr(sub, f"name_{lg}", "") or sub.id) for sub in getattr(res.framework, "subsystems", ())]
                  for lg in ("zh", "en")}
    drawn: dict[tuple[str, str], str] = {}
    for (stage, table), df in run.stage_tables.items():
        for ft in match_figure_types(run.kind(stage, table)):
            if ft.provinces_only and not provinces:
                continue
            sub, node = figure_subset(df, root=root)
            if sub.empty:
                continue
            name = f"{ft.name}__{stage}_{table}"
            key = (ft.name, pd.util.hash_pandas_object(sub.astype(str), index=False).sum().astype(str)
                   + "|" + ",".join(map(str, sub.columns)))
            if key in drawn:  # the same figure as one already drawn (e.g. spatial_markov_pooled = markov)
                for f in out.glob(f"{name}*"):
                    if f.suffix.lstrip(".") in formats:
                        f.unlink()
                continue
            drawn[key] = name
            grouping = _grouping_of(df[df["node"].astype(str) == node] if node and "node" in df.columns else df)
            if "year" in sub.columns:
                ys = [sub["year"].max()] if ft.last_year else sub["year"].unique()
            else:
                ys = years
            units_shown = sub["unit"].nunique() if "unit" in sub.columns else n_units

            def title_of(lg, ft=ft, node=node, table=table, stage=stage, grouping=grouping, ys=ys, units_shown=units_shown):
                measure = table_title(stage, table, lg) if ft.name in ("markov_heatmap",) else (
                    ft.title_zh if lg == "zh" else ft.title_en)
                # tables without a node column (obstacles, rank intervals) are of the index itself
                nn = res.node_names(lg).get(node or root, node or root) if node or ft.name in (
                    "obstacle_bars", "rank_interval") else ""
                main = (f"{measure}：{nn}" if lg == "zh" else f"{measure}: {nn}") if nn else measure
                return figure_title(main, lang=lg, n_units=units_shown, provinces=provinces, years=ys,
                                    grouping=grouping if ft.name == "dagum_chart" else None,
                                    subsystems=subsystems[lg] if ft.name == "coupling_chart" else ())

            def draw(lg, ft=ft, sub=sub, title_of=title_of):
                return ft.draw(sub, title=title_of(lg), lang=lg, context=context(lg))

            tzh, ten = title_of("zh").split("\n", 1), title_of("en").split("\n", 1)
            add(name, ft.section, tzh[0] + (f"（{tzh[1]}）" if len(tzh) > 1 else ""),
                ten[0] + (f" ({ten[1]})" if len(ten) > 1 else ""), draw, bilingual=True, stage=stage)
    return FigurePlan(jobs, out, formats=tuple(formats), dpi=dpi)


@dataclass(frozen=True)
class _FigureJob:
    """One planned figure: ``draw(lang) -> Figure | None`` saved as ``NAME`` and ``NAME-<lang>`` for each extra language;
    ``stage``: the stage whose table it draws ("" for the figures of the index)."""

    name: str
    section: str
    title_zh: str
    title_en: str
    draw: Callable[[str], Any]
    unit: str
    langs: tuple[str, ...]
    stage: str = ""


def _draw_job(job: _FigureJob, out: Path, formats: tuple[str, ...], dpi: int) -> list[Path] | None:
    fig = job.draw(job.langs[0])
    if fig is None:
        return None
    files = list(save_figure(fig, out / job.name, formats=formats, dpi=dpi))
    for lg in job.langs[1:]:
        files += save_figure(job.draw(lg), out / f"{job.name}-{lg}", formats=formats, dpi=dpi)
    return files


@dataclass(frozen=True)
class FigurePlan:
    """The planned figures of a run: :meth:`calls` draws them (each call one figure, in every language it
    has), :meth:`records` turns the calls' values into :class:`FigureRecord` in plan order."""

    jobs: list[_FigureJob]
    out: Path
    formats: tuple[str, ...]
    dpi: int

    def calls(self) -> list[Callable[[], list[Path] | None]]:
        return [functools.partial(_draw_job, j, self.out, self.formats, self.dpi) for j in self.jobs]

    def costs(self) -> list[float]:
        """Rough relative cost of each call, for longest-first scheduling: figures drawn in two languages
        (charts with many labels) before the single-language maps and radars."""
        return [len(j.langs) * (1.0 if j.name.startswith(("map_", "radar_")) else 2.0) for j in self.jobs]

    def records(self, files: Sequence[list[Path] | None]) -> list[FigureRecord]:
        # None: the figure type drew nothing for this table
        return [FigureRecord(j.name, j.section, j.title_zh, j.title_en, tuple(f), j.unit)
                for j, f in zip(self.jobs, files) if f is not None]


def longest_first(costs: Sequence[float]) -> list[int]:
    """Indices by decreasing cost (ties in order): the order in which workers should take jobs."""
    return sorted(range(len(costs)), key=lambda i: -costs[i])


class _FigureBatch:
    """Planned figures being drawn; :meth:`result` returns their records in plan order."""

    def __init__(self, plan: FigurePlan, *, processes: int):
        from ._jobs import JobBatch

        self.plan, self.jobs = plan, plan.jobs
        self._batch = JobBatch(plan.calls(), processes=processes, order=longest_first(plan.costs()), before_fork=_plt)

    def cancel(self) -> None:
        """Stop the workers (figures not yet drawn are dropped)."""
        self._batch.cancel()

    def result(self) -> list[FigureRecord]:
        return self.plan.records(self._batch.result())


def figure_subset(table: pd.DataFrame, *, root: str, grouping: str = "region4") -> tuple[pd.DataFrame, str]:
    """The part of a stage table drawn as a figure: the index node's rows and one grouping.

    Stage tables stack several nodes (``node`` column) and groupings (``grouping`` column); the
    figure shows the index root (else the first node) and ``grouping`` (else the first one).
    Returns ``(rows without the id columns, node shown or "")``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"node": ["NQPF", "NQPF", "x"], "grouping": ["region4", "belt3", "region4"], "G": [1, 2, 3]})
    >>> sub, node = figure_subset(t, root="NQPF")
    >>> sub.to_dict("list"), node
    ({'G': [1]}, 'NQPF')
    """
    t = table
    node = ""
    if "node" in t.columns and len(t):
        nodes = t["node"].astype(str)
        node = root if (nodes == root).any() else nodes.iloc[0]
        t = t[nodes == node]
    if "grouping" in t.columns and len(t):
        gs = t["grouping"].astype(str)
        g = grouping if (gs == grouping).any() else gs.iloc[0]
        t = t[gs == g]
    return t.drop(columns=[c for c in ("node", "grouping") if c in t.columns]).reset_index(drop=True), node
