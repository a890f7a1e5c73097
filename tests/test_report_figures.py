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
def test_spatial_markov_panels_do_not_overlap(conditional, lang):
    fig = F.markov_heatmap(conditional, lang=lang, title="空间马尔可夫\n31 个省份，2013–2022 年")
    assert overlaps(fig) == []
    heat = [ax for ax in fig.axes if ax.images]
    assert len(heat) == 4
    # the state axis is labelled once (first panel), the others share it
    assert heat[0].get_ylabel() and all(not ax.get_ylabel() for ax in heat[1:])
    assert all(not any(t.get_visible() and t.get_text() for t in ax.get_yticklabels()) for ax in heat[1:])
    # panels do not overlap one another
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(r) for ax in heat]
    for a, b in zip(boxes, boxes[1:]):
        assert a.x1 <= b.x0 + 1, (a, b)


def test_markov_states_are_in_the_language_of_the_figure(conditional):
    zh = F.markov_heatmap(conditional, lang="zh")
    labels = [t.get_text() for t in zh.axes[0].get_xticklabels()]
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
