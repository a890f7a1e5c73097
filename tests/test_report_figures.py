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


def test_figure_registry_matches_by_columns(curves):
    names = {ft.name for ft in F.match_figure_types(curves)}
    assert names == {"density_surface", "density_ridgeline"}
    assert F.match_figure_types(pd.DataFrame({"foo": [1]})) == []


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
