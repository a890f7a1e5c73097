"""Figures: every figure function on small tables, CJK glyphs in the output, refusal of missing glyphs."""
import warnings

import numpy as np
import pandas as pd
import pytest

from nqpf import MethodError, NqpfError
from nqpf.report import figures as F
from nqpf.report.fonts import cjk_font, font_subset_base64


def glyph_id(char: str) -> str:
    """The id matplotlib's SVG backend gives the glyph of ``char`` in the CJK font."""
    from fontTools.ttLib import TTFont

    f = TTFont(str(cjk_font().path), fontNumber=0, lazy=True)
    gid = f.getGlyphID(f.getBestCmap()[ord(char)])
    return f"{f['name'].getDebugName(6)}-{gid:x}"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    F._plt().close("all")


@pytest.fixture
def curves():
    x = np.linspace(0, 1, 40)
    return pd.DataFrame({"year": np.repeat([2020, 2021, 2022], 40), "x": np.tile(x, 3),
                         "density": np.concatenate([np.exp(-((x - m) ** 2) / 0.02) for m in (0.3, 0.4, 0.5)])})


def test_cjk_font_is_registered_and_licensed():
    f = cjk_font()
    assert f.path.exists()
    from matplotlib import font_manager

    assert f.family in {x.name for x in font_manager.fontManager.ttflist}
    from nqpf.report.fonts import FONT_LICENCE

    assert "SIL Open Font License 1.1" in FONT_LICENCE


def test_saved_svg_contains_the_chinese_glyphs(tmp_path):
    t = pd.DataFrame({"year": [2020, 2021], "G": [0.3, 0.25], "Gw_share": [0.2, 0.2], "Gnb_share": [0.7, 0.6],
                      "Gt_share": [0.1, 0.2]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would be a warning
        files = F.save_figure(F.dagum_chart(t, title="区域差异", lang="zh"), tmp_path / "dagum")
    svg = files[1].read_text(encoding="utf-8")
    for ch in "区域内间净值超变密度":
        assert glyph_id(ch) in svg, ch
    assert f"{glyph_id('区').rsplit('-', 1)[0]}-0\"" not in svg  # glyph 0 (.notdef, the "tofu" box) never drawn
    from PIL import Image

    with Image.open(files[0]) as im:
        assert im.size[0] > 600 and im.size[1] > 300
        assert len(np.unique(np.asarray(im.convert("L")))) > 10  # not blank


def test_missing_glyph_is_refused(tmp_path):
    plt = F._plt()
    fig, ax = plt.subplots()
    ax.set_title("\U0001F600", family=cjk_font().family)  # an emoji the CJK font does not have
    with pytest.raises(MethodError, match="save_figure: text would be drawn as boxes"):
        F.save_figure(fig, tmp_path / "bad", formats=("png",))
    assert not (tmp_path / "bad.png").exists()


def test_every_figure_function(tmp_path, curves):
    ranks = pd.DataFrame({"unit": list("abc") * 2, "unit_name": ["甲", "乙", "丙"] * 2, "year": [1] * 3 + [2] * 3,
                          "rank": [1, 2, 3, 2, 1, 3]})
    probs = pd.DataFrame({"from_state": ["low", "high"], "n": [5, 5], "low": [0.8, 0.1], "high": [0.2, 0.9]})
    cond = pd.concat([probs.assign(lag_class="L1"), probs.assign(lag_class="L2")])
    coup = pd.DataFrame({"unit": list("ab") * 2, "year": [1, 1, 2, 2], "D": [0.4, 0.5, 0.45, 0.55]})
    obst = pd.DataFrame({"unit": ["a"] * 3, "indicator": ["x1", "x2", "x3"], "obstacle_pct": [50.0, 30.0, 20.0]})
    rs = pd.DataFrame({"unit": list("abc"), "year": [1] * 3, "nominal": [1, 2, 3], "median": [1, 2, 3], "q05": [1, 1, 2],
                       "q95": [2, 3, 3]})
    figs = {
        "bump": F.bump_chart(ranks), "radar": F.element_radar(pd.Series({"劳动者": 0.5, "劳动资料": 0.3, "劳动对象": 0.4}),
                                                               reference=pd.Series({"劳动者": 0.4, "劳动资料": 0.4, "劳动对象": 0.4})),
        "surface": F.density_surface(curves), "ridge": F.density_ridgeline(curves, lang="en"),
        "markov": F.markov_heatmap(probs), "smarkov": F.markov_heatmap(cond),
        "coupling": F.coupling_chart(coup, group=pd.Series({"a": "东部", "b": "西部"})),
        "obstacle": F.obstacle_bars(obst, labels={"x1": "研发强度"}), "interval": F.rank_interval_plot(rs),
    }
    assert len(figs["smarkov"].axes) == 3  # two lag classes + colour bar
    assert figs["surface"].axes[0].name == "3d"
    for name, fig in figs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = F.save_figure(fig, tmp_path / name)
        assert [p.suffix for p in out] == [".png", ".svg"]
        assert out[0].stat().st_size > 5000


def test_bump_chart_puts_rank_one_on_top():
    ranks = pd.DataFrame({"unit": ["a", "b"], "unit_name": ["甲", "乙"], "year": [1, 1], "rank": [1, 2]})
    ax = F.bump_chart(ranks).axes[0]
    lo, hi = ax.get_ylim()
    assert lo > hi  # inverted axis


def test_radar_needs_three_axes():
    with pytest.raises(NqpfError, match=r"element_radar: a radar needs at least 3 axes; got 2"):
        F.element_radar(pd.Series({"a": 0.1, "b": 0.2}))


def test_missing_columns_are_named():
    with pytest.raises(NqpfError) as e:
        F.dagum_chart(pd.DataFrame({"year": [1], "G": [0.2]}))
    assert str(e.value).startswith("dagum_chart: the table lacks columns ['Gw_share', 'Gnb_share', 'Gt_share']; got ['year', 'G'].")


def test_bad_language_is_rejected():
    with pytest.raises(NqpfError, match=r"The 'lang' parameter of markov_heatmap must be one of 'zh', 'en'; got 'fr'\."):
        F.markov_heatmap(pd.DataFrame({"from_state": ["a"], "a": [1.0]}), lang="fr")


def test_figure_registry_matches_by_table_kind(curves):
    names = {ft.name for ft in F.match_figure_types("density.curves")}
    assert names == {"density_surface", "density_ridgeline"}
    assert {ft.name for ft in F.match_figure_types("spatial_markov.conditional")} == {"markov_heatmap"}
    assert [ft.name for ft in F.match_figure_types("uncertainty.rank_stats")] == ["rank_interval"]
    # the columns of a table do not choose its figure: the density layout under another kind gets none
    assert {"year", "x", "density"} <= set(curves.columns)
    assert F.match_figure_types("forecast.curves") == [] and F.match_figure_types("density_curves") == []


def test_font_subset_holds_only_the_requested_characters():
    import base64
    import io

    from fontTools.ttLib import TTFont

    data, fmt = font_subset_base64("新质生产力")
    f = TTFont(io.BytesIO(base64.b64decode(data)))
    cmap = f.getBestCmap()
    assert all(ord(c) in cmap for c in "新质生产力")
    assert ord("省") not in cmap
    assert fmt == "opentype"
    # the layout features a browser applies (fontTools' defaults), not the alternates nothing asks for
    gsub = {r.FeatureTag for r in f["GSUB"].table.FeatureList.FeatureRecord}
    assert "locl" in gsub and not gsub & {"aalt", "fwid", "hwid", "ruby", "ss01"}


def test_the_same_figure_saves_to_identical_bytes(tmp_path):
    """Exact replay: matplotlib's SVG clip-path ids are random unless svg.hashsalt is set; the date is off."""
    t = pd.DataFrame({"year": [2020, 2021], "G": [0.3, 0.25], "Gw_share": [0.2, 0.2], "Gnb_share": [0.7, 0.6],
                      "Gt_share": [0.1, 0.2]})
    a = F.save_figure(F.dagum_chart(t, title="区域差异", lang="zh"), tmp_path / "a" / "dagum")
    b = F.save_figure(F.dagum_chart(t, title="区域差异", lang="zh"), tmp_path / "b" / "dagum")
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes(), x.name
    assert 'id="p' in a[1].read_text(encoding="utf-8")  # the SVG has clip paths whose ids had to be fixed


# ----------------------------------------------------------------------------- layout a reviewer checks

def _text_boxes(fig):
    """(owner, kind, text, bbox) of every visible label of the figure after drawing: tick labels, axis labels,
    titles, suptitle, legend texts (the numbers written inside heat-map cells are not labels)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    out = []
    for i, ax in enumerate(fig.axes):
        axes3d = [ax.xaxis, ax.yaxis] + ([ax.zaxis] if hasattr(ax, "zaxis") else [])
        for axis in axes3d:
            if not axis.get_visible():
                continue  # e.g. the shared x axis of a twin axes
            for t in axis.get_ticklabels():
                out.append((i, f"tick-{axis.axis_name}", t))
            out.append((i, f"label-{axis.axis_name}", axis.label))
        out.append((i, "title", ax.title))
        if ax.get_legend() is not None:
            out += [(i, "legend", t) for t in ax.get_legend().get_texts()]
    for leg in fig.legends:
        out += [("fig", "legend", t) for t in leg.get_texts()]
    if fig._suptitle is not None:
        out.append(("fig", "suptitle", fig._suptitle))
    boxes = []
    for owner, kind, t in out:
        if not t.get_visible() or not t.get_text().strip():
            continue
        bb = t.get_window_extent(r)
        if bb.width > 0 and bb.height > 0:
            boxes.append((owner, kind, t.get_text(), bb))
    return boxes


def overlaps(fig, pad: float = 1.0):
    """Pairs of labels whose boxes overlap (shrunk by ``pad`` pixels so touching boxes do not count)."""
    boxes = _text_boxes(fig)
    bad = []
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            (oa, ka, ta, ba), (ob, kb, tb, bb) = boxes[a], boxes[b]
            if oa == ob and ka == kb and ka.startswith("tick"):
                continue  # neighbouring ticks of one axis are checked separately below
            x = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
            y = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
            if x > pad and y > pad:
                bad.append(((oa, ka, ta), (ob, kb, tb)))
    return bad


def tick_crowding(fig, axis_name: str, pad: float = 1.0):
    """Overlapping neighbouring tick labels of one axis (e.g. year ticks of a 3-D plot)."""
    bad = []
    boxes = [b for b in _text_boxes(fig) if b[1] == f"tick-{axis_name}"]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if boxes[i][0] != boxes[j][0]:
                continue
            a, b = boxes[i][3], boxes[j][3]
            if min(a.x1, b.x1) - max(a.x0, b.x0) > pad and min(a.y1, b.y1) - max(a.y0, b.y0) > pad:
                bad.append((boxes[i][2], boxes[j][2]))
    return bad


@pytest.fixture
def conditional():
    states = ["low", "lower-middle", "upper-middle", "high"]
    rng = np.random.default_rng(0)
    rows = []
    for k in range(4):
        for s in states:
            p = rng.dirichlet(np.ones(4))
            rows.append({"lag_class": f"L{k + 1}", "from_state": s, "n": 20, **dict(zip(states, p))})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_spatial_markov_panels_form_a_2x2_grid_without_overlap(conditional, lang):
    fig = F.markov_heatmap(conditional, lang=lang, title="空间马尔可夫\n31 个省份，2013–2022 年")
    assert overlaps(fig) == []
    heat = [ax for ax in fig.axes if ax.images]
    assert len(heat) == 4
    # four neighbourhood classes: two columns, two rows (L1 L2 / L3 L4), not one cramped row
    grid = [ax.get_subplotspec().get_geometry()[:2] for ax in heat]
    assert grid == [(2, 2)] * 4
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    pos = [ax.get_window_extent(r) for ax in heat]
    assert abs(pos[0].y0 - pos[1].y0) < 1 and abs(pos[2].y0 - pos[3].y0) < 1  # rows aligned
    assert abs(pos[0].x0 - pos[2].x0) < 1 and abs(pos[1].x0 - pos[3].x0) < 1  # columns aligned
    assert pos[0].x1 < pos[1].x0 and pos[2].y1 < pos[0].y0
    # the initial-state axis is labelled in the left column only, the final-state axis in the bottom row only
    from_label = "期初状态" if lang == "zh" else "State at t"
    assert [ax.get_ylabel() for ax in heat] == [from_label, "", from_label, ""]
    assert [bool(ax.get_xlabel()) for ax in heat] == [False, False, True, True]
    shown = [[t.get_text() for t in ax.get_yticklabels() if t.get_visible() and t.get_text()] for ax in heat]
    assert [bool(x) for x in shown] == [True, False, True, False]
    # no panel's labels (期初状态, state names, title) reach into the neighbouring panel
    boxes = [ax.get_tightbbox(r) for ax in heat]
    assert boxes[0].x1 <= pos[1].x0 + 1 and boxes[2].x1 <= pos[3].x0 + 1
    assert boxes[2].y1 <= pos[0].y0 + 1 and boxes[3].y1 <= pos[1].y0 + 1


def test_two_neighbourhood_classes_stay_side_by_side():
    probs = pd.DataFrame({"from_state": ["low", "high"], "n": [5, 5], "low": [0.8, 0.1], "high": [0.2, 0.9]})
    fig = F.markov_heatmap(pd.concat([probs.assign(lag_class="L1"), probs.assign(lag_class="L2")]), lang="zh")
    heat = [ax for ax in fig.axes if ax.images]
    assert [ax.get_subplotspec().get_geometry()[:2] for ax in heat] == [(1, 2)] * 2
    assert overlaps(fig) == []


def test_markov_states_are_in_the_language_of_the_figure(conditional):
    zh = F.markov_heatmap(conditional, lang="zh")
    labels = [t.get_text() for t in zh.axes[2].get_xticklabels()]  # bottom row of the 2 × 2 grid
    assert labels == ["低水平", "中低水平", "中高水平", "高水平"]
    assert "低水平" in zh.axes[0].get_title() and "L1" in zh.axes[0].get_title()
    en = F.markov_heatmap(conditional, lang="en")
    assert [t.get_text() for t in en.axes[0].get_yticklabels()] == ["Low", "Lower-middle", "Upper-middle", "High"]


def _cjk(text: str) -> bool:
    return any("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in text)


def test_english_figures_have_no_chinese_text(curves, conditional):
    rs = pd.DataFrame({"unit": list("abc"), "year": [1] * 3, "nominal": [1, 2, 3], "median": [1, 2, 3],
                       "q05": [1, 1, 2], "q95": [2, 3, 3]})
    from nqpf.report import maps

    figs = [F.markov_heatmap(conditional, lang="en"), F.density_surface(curves, lang="en"),
            F.density_ridgeline(curves, lang="en"), F.rank_interval_plot(rs, lang="en"),
            maps.lisa_map({"110000": "HH", "650000": "ns"}, lang="en")]
    for fig in figs:
        fig.canvas.draw()
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_visible())]
        assert not [t for t in texts if _cjk(t)], [t for t in texts if _cjk(t)]


def test_rank_interval_legend_covers_no_bar():
    n = 31
    rs = pd.DataFrame({"unit": [f"u{i}" for i in range(n)], "year": 1, "nominal": np.arange(1, n + 1),
                       "median": np.arange(1, n + 1), "q05": np.maximum(1, np.arange(1, n + 1) - 12),
                       "q95": np.minimum(n, np.arange(1, n + 1) + 3)})
    fig = F.rank_interval_plot(rs, lang="zh", title="排名不确定性区间\n31 个省份，2022 年")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legends = list(fig.legends) + ([ax.get_legend()] if ax.get_legend() else [])
    assert legends
    plot_area = ax.get_window_extent(r)
    for leg in legends:
        lb = leg.get_window_extent(r)
        assert lb.y1 <= plot_area.y0 or lb.x0 >= plot_area.x1 or lb.y0 >= plot_area.y1, "legend inside the axes"
    assert overlaps(fig) == []


def test_density_surface_labels_and_range(curves):
    wide = pd.concat([curves, curves.assign(x=curves["x"] - 0.2)]).groupby(["year", "x"], as_index=False)["density"].mean()
    years = pd.DataFrame({"year": np.repeat(np.arange(2013, 2023), 40), "x": np.tile(np.linspace(-0.1, 1.05, 40), 10),
                          "density": 1.0})
    for table in (wide, years):
        fig = F.density_surface(table, lang="zh", x_range=(0.0, 1.0), title="核密度三维图\n31 个省份，2013–2022 年")
        ax = fig.axes[0]
        assert ax.get_xlim()[0] >= 0.0 and ax.get_xlim()[1] <= 1.0  # the index's range, no axis below 0
        assert overlaps(fig) == []
        assert tick_crowding(fig, "y") == []  # year ticks readable


def test_titles_and_subtitles_of_the_dagum_and_bump_charts_do_not_collide():
    t = pd.DataFrame({"year": range(2013, 2023), "G": np.linspace(0.3, 0.22, 10), "Gw_share": 0.2, "Gnb_share": 0.7,
                      "Gt_share": 0.1})
    fig = F.dagum_chart(t, title=F.figure_title("Dagum 基尼系数分解：新质生产力", lang="zh", n_units=31,
                                                years=t["year"], grouping="region4"), lang="zh")
    assert "31 个省份，2013–2022 年，按四大区域分组" in fig.axes[0].get_title()
    assert overlaps(fig) == []


def test_lisa_not_significant_and_no_data_are_told_apart():
    from matplotlib.colors import to_rgba

    from nqpf.report import maps

    fig = maps.lisa_map({"110000": "HH", "650000": "ns"}, lang="zh")
    leg = fig.axes[0].get_legend()
    patches = dict(zip([t.get_text() for t in leg.get_texts()], leg.get_patches()))
    ns, nd = patches["不显著"], patches["无数据"]
    assert nd.get_hatch() and not ns.get_hatch()
    # the map draws provinces without a value hatched as well
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) >= 29
    assert to_rgba(ns.get_facecolor()) != to_rgba(nd.get_facecolor())
    inset_text = [t.get_text() for t in fig.axes[0].child_axes[0].texts]
    assert inset_text == ["南海诸岛"]
    en = maps.lisa_map({"110000": "HH"}, lang="en")
    assert [t.get_text() for t in en.axes[0].child_axes[0].texts] == ["South China Sea Islands"]
    for f in (fig, en):  # the label stays inside the inset's frame
        f.canvas.draw()
        ins = f.axes[0].child_axes[0]
        box, frame = ins.texts[0].get_window_extent(), ins.get_window_extent()
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


# ----------------------------------------------------------------------------- journal layout (reviewer's list)

def _coupling_table():
    """Four regions whose alphabetical order (central, east, northeast, west) is not their order by D."""
    level = {"a": 0.62, "b": 0.48, "c": 0.35, "d": 0.41}  # east, central, northeast, west (last-year D)
    rows = [{"unit": u, "year": y, "D": v - 0.02 * (2022 - y)} for u, v in level.items() for y in (2020, 2021, 2022)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("lang,names,expected", [
    ("en", {"a": "east", "b": "central", "c": "northeast", "d": "west"}, ["East", "Central", "West", "Northeast"]),
    ("zh", {"a": "东部", "b": "中部", "c": "东北", "d": "西部"}, ["东部", "中部", "西部", "东北"]),
])
def test_coupling_legend_follows_the_coordination_grade(lang, names, expected):
    fig = F.coupling_chart(_coupling_table(), group=pd.Series(names), lang=lang, title="耦合协调度\n4 个地区")
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert len(legends) == 1
    assert [t.get_text() for t in legends[0].get_texts()] == expected  # highest mean D first, capitalised in English
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_label() in expected]
    last = {ln.get_label(): ln.get_ydata()[-1] for ln in lines}
    assert [round(last[n], 2) for n in expected] == [0.62, 0.48, 0.41, 0.35]
    # the legend sits outside the plotting area: it covers no box and no line
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert legends[0].get_window_extent(r).y1 <= ax.get_window_extent(r).y0
    # the dotted lines are the coordination-class edges, named on the right-hand axis in the figure's language
    grade = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert ("勉强协调" in grade) if lang == "zh" else ("Barely coordinated" in grade)
    assert overlaps(fig) == []


def test_coupling_colours_do_not_change_with_the_language():
    zh = F.coupling_chart(_coupling_table(), group=pd.Series({"a": "东部", "b": "中部", "c": "东北", "d": "西部"}), lang="zh")
    en = F.coupling_chart(_coupling_table(), group=pd.Series({"a": "east", "b": "central", "c": "northeast", "d": "west"}),
                          lang="en")
    colour = {fig: {ln.get_label(): ln.get_color() for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")}
              for fig in (zh, en)}
    pairs = {"东部": "East", "中部": "Central", "东北": "Northeast", "西部": "West"}
    assert {colour[zh][z] for z in pairs} == {colour[en][e] for e in pairs.values()}
    assert all(colour[zh][z] == colour[en][e] for z, e in pairs.items())  # each region keeps its colour
    assert len(set(colour[zh].values())) == 4


def test_group_labels_are_capitalised_in_english_only():
    assert [F.group_label(g, "en") for g in ("east", "northeast", "Yangtze belt", "iPhone users")] == [
        "East", "Northeast", "Yangtze belt", "iPhone users"]
    assert F.group_label("东北", "zh") == "东北"


def test_obstacle_bars_show_the_full_chinese_names():
    names = {"x1": "企业信息化水平（有电子商务交易活动的企业比重）", "x2": "每亿元R&D经费发明专利授权数",
             "x3": "高技术产业营业收入占GDP比重", "x4": "人均地区生产总值"}
    o = pd.DataFrame({"unit": ["a"] * 4, "indicator": list(names), "obstacle_pct": [40.0, 30.0, 20.0, 10.0]})
    fig = F.obstacle_bars(o, labels=names, lang="zh", title="主要障碍因素：新质生产力\n31 个省份，2022 年")
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert [s.replace("\n", "") for s in shown] == list(names.values())[::-1]  # every character kept, none cut to …
    assert shown[-1] == "企业信息化水平（有电子\n商务交易活动的企业比重）"  # the largest obstacle on top
    assert max(len(line) for s in shown for line in s.split("\n")) <= 13
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    width = fig.get_window_extent(r).x1
    for t in ax.get_yticklabels():
        bb = t.get_window_extent(r)
        assert bb.x0 >= 0 and bb.x1 <= width  # inside the figure, nothing clipped at the left edge
    assert overlaps(fig) == []


def test_obstacle_bars_wrap_english_names_instead_of_cutting_them():
    name = "Enterprise informatisation (share of enterprises with e-commerce activity)"
    o = pd.DataFrame({"unit": ["a", "a"], "indicator": ["x1", "x2"], "obstacle_pct": [60.0, 40.0]})
    fig = F.obstacle_bars(o, labels={"x1": name, "x2": "GDP per resident"}, lang="en")
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert shown[1].replace("\n", " ") == name and "…" not in "".join(shown)
    assert shown[0] == "GDP per resident"


def test_wrap_label_keeps_latin_runs_and_balances_lines():
    assert F.wrap_label("每亿元R&D经费发明专利授权数", 12) == "每亿元R&D经费\n发明专利授权数"
    assert F.wrap_label("人均地区生产总值", 12) == "人均地区生产总值"
    assert F.wrap_label("R&D personnel (FTE) per 10,000 residents", 14) == "R&D personnel (FTE)\nper 10,000 residents"


def _surface_polys(fig):
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    return [c for c in fig.axes[0].collections if isinstance(c, Poly3DCollection)][0]


def test_density_surface_has_no_blank_band_and_spans_the_index_range():
    # each year's kernel evaluated on its own grid (per-year normalisation): a pivot on x leaves NaN gaps
    rows = []
    for k, y in enumerate(range(2013, 2023)):
        x = np.linspace(-0.1 + 0.003 * k, 1.05 - 0.002 * k, 60)
        rows.append(pd.DataFrame({"year": y, "x": x, "density": np.exp(-((x - 0.3 - 0.02 * k) ** 2) / 0.02)}))
    curves = pd.concat(rows, ignore_index=True)
    assert curves.pivot_table(index="year", columns="x", values="density").isna().to_numpy().mean() > 0.8
    fig = F.density_surface(curves, lang="zh", x_range=(0.0, 1.0), title="核密度三维图\n31 个省份，2013–2022 年")
    poly = _surface_polys(fig)
    assert len(poly.get_facecolors()) == (10 - 1) * (161 - 1)  # one facet per year step and grid step: no hole
    assert fig.axes[0].get_xlim() == (0.0, 1.0)
    assert fig.axes[0].get_ylim() == (2013.0, 2022.0)
    assert overlaps(fig) == []  # 年份 / 得分 / 核密度 clear of the tick labels
    assert tick_crowding(fig, "y") == [] and tick_crowding(fig, "x") == []
    grid, years, z = F.surface_grid(curves, x_range=(0.0, 1.0))
    assert grid[0] == 0.0 and grid[-1] == 1.0 and len(grid) == 161
    assert years.tolist() == list(range(2013, 2023)) and z.shape == (10, 161)
    assert np.isfinite(z).all() and (z.max(axis=1) > 0.9).all()  # every year present across the whole grid


def test_density_surface_without_a_range_spans_the_curves():
    x = np.linspace(-2.0, 3.0, 50)
    curves = pd.DataFrame({"year": np.repeat([2020, 2021], 50), "x": np.tile(x, 2), "density": np.tile(np.exp(-x ** 2), 2)})
    fig = F.density_surface(curves, lang="en")
    assert fig.axes[0].get_xlim() == (-2.0, 3.0)
    assert overlaps(fig) == []


def test_rank_interval_type_is_readable():
    n = 31
    rs = pd.DataFrame({"unit": [f"u{i}" for i in range(n)], "year": 2022, "nominal": np.arange(1, n + 1),
                       "median": np.arange(1, n + 1), "q05": np.maximum(1, np.arange(1, n + 1) - 4),
                       "q95": np.minimum(n, np.arange(1, n + 1) + 4)})
    fig = F.rank_interval_plot(rs, labels={f"u{i}": f"省份{i}" for i in range(n)}, lang="zh")
    ax = fig.axes[0]
    assert min(t.get_fontsize() for t in ax.get_yticklabels()) >= 9
    assert min(t.get_fontsize() for t in fig.legends[0].get_texts()) >= 9
    assert fig.get_size_inches()[0] <= 7.0  # printed at a journal's text width, the type is not shrunk
    assert [t for t in ax.get_xticks()][:3] == [1, 5, 10]  # ranks start at 1
    assert overlaps(fig) == []


def _all_texts(fig):
    from matplotlib.text import Text

    fig.canvas.draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_every_text_of_a_figure_uses_the_cjk_font(conditional, curves):
    """Numbers in heat-map cells, colour-bar and 3-D ticks were drawn in matplotlib's default font."""
    fam = cjk_font().family
    o = pd.DataFrame({"unit": ["a"] * 2, "indicator": ["x1", "x2"], "obstacle_pct": [60.0, 40.0]})
    for fig in (F.markov_heatmap(conditional, lang="zh"), F.density_surface(curves, lang="zh"),
                F.obstacle_bars(o, lang="zh"), F.coupling_chart(_coupling_table(), lang="zh")):
        fams = {t.get_fontfamily()[0] for t in _all_texts(fig)}
        assert fams == {fam}, fams


def test_chinese_figures_have_chinese_state_names(conditional):
    fig = F.markov_heatmap(conditional, lang="zh", title="空间马尔可夫转移概率")
    texts = [t.get_text() for t in _all_texts(fig)]
    for name in ("低水平", "中低水平", "中高水平", "高水平", "期初状态", "期末状态", "转移概率"):
        assert any(name in t for t in texts), name
    english = {"low", "lower-middle", "upper-middle", "high", "Low", "High", "State at t"}
    assert not [t for t in texts if t in english or any(w in t for w in ("Neighbourhood", "State at"))]
    en = F.markov_heatmap(conditional, lang="en")
    assert not [t for t in (x.get_text() for x in _all_texts(en)) if _cjk(t)]


def test_english_figures_of_the_reviewer_list_have_no_chinese_text():
    o = pd.DataFrame({"unit": ["a"] * 2, "indicator": ["x1", "x2"], "obstacle_pct": [60.0, 40.0]})
    figs = [F.coupling_chart(_coupling_table(), group=pd.Series({"a": "east", "b": "central", "c": "northeast",
                                                                 "d": "west"}), lang="en"),
            F.obstacle_bars(o, labels={"x1": "R&D intensity", "x2": "GDP per resident"}, lang="en"),
            F.dagum_chart(pd.DataFrame({"year": [2021, 2022], "G": [0.3, 0.25], "Gw_share": [0.2, 0.2],
                                        "Gnb_share": [0.7, 0.6], "Gt_share": [0.1, 0.2]}), lang="en")]
    for fig in figs:
        texts = [t.get_text() for t in _all_texts(fig)]
        assert not [t for t in texts if _cjk(t)], texts
    assert figs[2].axes[0].get_xlabel() == "Year"
    assert overlaps(figs[2]) == []  # the year label clear of the legend below it
    fig = F.dagum_chart(pd.DataFrame({"year": [2021, 2022], "G": [0.3, 0.25], "Gw_share": [0.2, 0.2],
                                      "Gnb_share": [0.7, 0.6], "Gt_share": [0.1, 0.2]}), lang="zh")
    assert fig.axes[0].get_xlabel() == "年份" and fig.axes[0].get_ylabel() == "贡献率（%）"


def test_radar_element_names_clear_the_outer_circle():
    s = pd.Series({"新型劳动者": 1.0, "新型劳动资料": 0.9, "新型劳动对象": 0.6, "要素优化组合": 0.9})
    fig = F.element_radar(s, reference=s * 0.4, title="北京（2022）")
    ax = fig.axes[0]
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    circle = ax.get_window_extent(r)
    label = [t for t in ax.get_xticklabels() if t.get_text() == "新型劳动者"][0].get_window_extent(r)
    assert label.x0 >= circle.x1 - 1  # the rightmost name starts outside the plotting circle
    assert overlaps(fig) == []
