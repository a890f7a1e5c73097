"""PNG figures drawn once and cut to their tight box (``nqpf.report.figures.save_figure``) against
matplotlib's ``savefig(bbox_inches="tight")``, which draws them twice."""
from __future__ import annotations

import numpy as np
import pytest

from nqpf.report.figures import _plt, cut_image, save_figure, tight_pixel_box, write_png
from nqpf.report.fonts import cjk_font

Image = pytest.importorskip("PIL.Image")


def _rgb(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _closest(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two images at the best shift of at most one pixel."""
    h, w = min(a.shape[0], b.shape[0]) - 2, min(a.shape[1], b.shape[1]) - 2
    return min(float(np.abs(a[1:1 + h, 1:1 + w] - b[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]).mean())
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def _figure(layout=None, outside=False):
    plt = _plt()
    family = cjk_font().family
    fig, ax = plt.subplots(figsize=(4, 3), layout=layout)
    ax.plot([0, 1, 2], [1, 3, 2], label="NQPF 新质生产力")
    ax.set_title("标题 title", fontfamily=family)
    ax.legend(prop={"family": family})
    if outside:  # an artist beyond the figure's right edge: only a larger canvas shows it
        fig.text(1.15, 0.5, "outside the figure")
    return fig


@pytest.mark.parametrize("layout", [None, "constrained"])
def test_png_drawn_once_matches_savefig_tight(tmp_path, layout):
    plt = _plt()
    fig = _figure(layout)
    fig.savefig(tmp_path / "tight.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    [png] = save_figure(_figure(layout), tmp_path / "once", formats=("png",), dpi=100)
    a, b = _rgb(tmp_path / "tight.png"), _rgb(png)
    # the same box up to the rounding to whole pixels, the same pixels up to a shift of less than one pixel
    assert abs(a.shape[0] - b.shape[0]) <= 2 and abs(a.shape[1] - b.shape[1]) <= 2
    assert _closest(a, b) < 6
    assert Image.open(png).info["dpi"][0] == pytest.approx(100, abs=0.01)
    # a constrained layout fills the figure: the 0.1-inch margin lies beyond it and is painted white
    assert (b[:3] == 255).all() and (b[:, :3] == 255).all() and (b[-3:] == 255).all() and (b[:, -3:] == 255).all()


def test_missing_glyphs_are_refused_on_the_single_drawing(tmp_path):
    from nqpf import MethodError

    plt = _plt()
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.set_title("新质", fontfamily="DejaVu Sans")
    with pytest.raises(MethodError, match="text would be drawn as boxes"):
        save_figure(fig, tmp_path / "boxes", formats=("png",))
    assert not (tmp_path / "boxes.png").exists()


def test_artist_beyond_the_figure_falls_back_to_savefig(tmp_path):
    [png] = save_figure(_figure(outside=True), tmp_path / "wide", formats=("png",), dpi=100)
    assert _rgb(png).shape[1] > 400 + 50  # wider than the 4-inch figure: savefig enlarged the canvas


def test_tight_pixel_box_and_cut_image():
    from matplotlib.transforms import Bbox

    # 0.1 inch of padding at 100 dpi is 10 pixels; fractional edges widen the box to whole pixels
    assert tight_pixel_box(Bbox([[0.505, 0.2], [5.5, 3.6]]), 100, 600, 400, 0.1) == (30, 390, 40, 560)
    assert tight_pixel_box(Bbox([[0.5, 0.2], [6.5, 3.6]]), 100, 600, 400, 0.1) is None
    img = np.zeros((4, 5, 4), dtype=np.uint8)
    img[..., 3] = 255
    out = cut_image(img, (-1, 3, 2, 7), (255, 255, 255, 255))
    assert out.shape == (4, 5, 4)
    assert (out[0] == 255).all() and (out[:, 3:] == 255).all() and (out[1:, :3, :3] == 0).all()


def test_write_png_keeps_every_pixel(tmp_path):
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, size=(40, 30, 4), dtype=np.uint8)
    img[..., 3] = 255
    write_png(tmp_path / "opaque.png", img, 150)
    with Image.open(tmp_path / "opaque.png") as back:
        assert back.mode == "RGB" and back.info["dpi"][0] == pytest.approx(150, abs=0.05)  # stored per metre
        assert back.info["Software"].startswith("Matplotlib version")
        assert (np.asarray(back) == img[..., :3]).all()
    img[5, 7, 3] = 128  # one pixel not opaque: the alpha channel is kept
    write_png(tmp_path / "alpha.png", img, 150)
    with Image.open(tmp_path / "alpha.png") as back:
        assert back.mode == "RGBA" and (np.asarray(back) == img).all()
    # a figure on its white face is written as RGB
    [png] = save_figure(_figure(), tmp_path / "fig", formats=("png",), dpi=60)
    with Image.open(png) as back:
        assert back.mode == "RGB"
