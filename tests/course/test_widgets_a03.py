"""The S-curve explorer of assignment 03, driven by setting slider values in code."""
import io

import numpy as np
from PIL import Image

from course import widgets

from ._student import reference_args
from course.widgets.a03 import _weight_z_and_target


def _image(explorer):
    return np.asarray(Image.open(io.BytesIO(explorer.image.value)).convert("RGB"))


def _sigma(t):
    return 1.0 / (1.0 + np.exp(-np.asarray(t, dtype=float)))


def test_sigmoid_explorer_draws_the_s_curve_and_decision_point():
    e = widgets.build_sigmoid_explorer(*reference_args("build_sigmoid_explorer"), slope=-3.0, bias=-2.0)
    ax = e.fig.axes[0]
    x, y = _weight_z_and_target()
    curve = next(l for l in ax.lines if len(l.get_xdata()) > 10)
    gx, gy = curve.get_data()
    assert np.allclose(gy, _sigma(-3.0 * np.asarray(gx) - 2.0), atol=1e-12)
    decision = [l for l in ax.lines if l.get_linestyle() == "--"][0]
    assert np.allclose(decision.get_xdata(), -2.0 / 3.0)
    mistakes = int(np.sum(((-3.0 * x - 2.0) >= 0) != y))
    assert f"{mistakes} of 398 cars circled" in ax.get_title()
    wrong = ax.collections[2].get_offsets()
    assert len(wrong) == int(np.sum(((-3.0 * x - 2.0) >= 0) != y))
    band = ax.patches[0]
    assert np.isclose(band.get_x() + band.get_width(), -2.0 / 3.0), "light cars (left) predicted 1"
    before = _image(e)

    e.controls["bias"].value = 1.0
    assert np.allclose(decision.get_xdata(), 1.0 / 3.0)
    gx, gy = curve.get_data()
    assert np.allclose(gy, _sigma(-3.0 * np.asarray(gx) + 1.0), atol=1e-12)
    assert not np.array_equal(before, _image(e)), "the picture changed"


def test_sigmoid_explorer_half_at_the_decision_point_and_flat_slope():
    e = widgets.build_sigmoid_explorer(*reference_args("build_sigmoid_explorer"), slope=2.0, bias=-1.0)
    ax = e.fig.axes[0]
    curve = next(l for l in ax.lines if len(l.get_xdata()) > 10)
    gx, gy = curve.get_data()
    assert np.isclose(np.interp(0.5, gx, gy), 0.5, atol=1e-3)
    band = ax.patches[0]
    assert np.isclose(band.get_x(), 0.5), "a rising curve predicts 1 to the right"
    e.controls["slope"].value = 0.0
    gx, gy = curve.get_data()
    assert np.allclose(gy, _sigma(-1.0))
    assert "no decision point" in ax.get_title()
    assert band.get_width() == 0.0, "sigma(-1) < 1/2: no car is predicted 1"


def test_sigmoid_explorer_stays_finite_for_extreme_sliders():
    with np.errstate(over="raise", invalid="raise"):
        e = widgets.build_sigmoid_explorer(*reference_args("build_sigmoid_explorer"), slope=-10.0, bias=10.0)
        e.controls["slope"].value = 10.0
    gy = e.fig.axes[0].lines[0].get_ydata()
    assert np.all(np.isfinite(gy))
