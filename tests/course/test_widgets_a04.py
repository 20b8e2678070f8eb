"""The explorers of assignment 04, driven by setting slider values in code."""
import io

import numpy as np
from PIL import Image

from course import widgets

from ._student import reference_args
from course.widgets.a04 import _weight_and_label


def _image(explorer):
    return np.asarray(Image.open(io.BytesIO(explorer.image.value)).convert("RGB"))


def _mean_nll(slope, bias):
    x, y = _weight_and_label()
    z = slope * x + bias
    # independent formula: -[y log sigma(z) + (1 - y) log sigma(-z)], with log sigma(t) = -log1p(exp(-t))
    return float(np.mean(y * np.log1p(np.exp(-z)) + (1 - y) * np.log1p(np.exp(z))))


def test_loss_surface_path_starts_at_the_sliders_and_descends():
    e = widgets.build_loss_surface_explorer(*reference_args("build_loss_surface_explorer"), lr=1.0, steps=10, slope=2.0, bias=6.0)
    ax = e.fig.axes[0]
    path_line, start_dot = ax.lines[1], ax.lines[2]
    xs, ys = (np.asarray(v) for v in path_line.get_data())
    assert len(xs) == 11 and (xs[0], ys[0]) == (2.0, 6.0)
    assert list(start_dot.get_xdata()) == [2.0]
    losses = [_mean_nll(s, b) for s, b in zip(xs, ys)]
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:])), "a small lr only goes downhill"
    assert f"{losses[0]:.3f} at the start" in ax.get_title()
    assert f"{losses[-1]:.3f} after 10 steps" in ax.get_title()
    before = _image(e)

    e.controls["steps"].value = 0
    assert len(path_line.get_xdata()) == 1
    e.controls["slope"].value = -3.0
    e.controls["bias"].value = -3.0
    assert list(start_dot.get_xdata()) == [-3.0] and list(start_dot.get_ydata()) == [-3.0]
    e.controls["steps"].value = 200
    xs, ys = (np.asarray(v) for v in path_line.get_data())
    assert len(xs) == 201
    assert not np.array_equal(before, _image(e)), "the picture changed"
    assert len(e.latencies) == 5


def test_loss_surface_first_step_is_minus_lr_times_the_gradient():
    e = widgets.build_loss_surface_explorer(*reference_args("build_loss_surface_explorer"), lr=0.5, steps=1, slope=1.0, bias=1.0)
    xs, ys = (np.asarray(v) for v in e.fig.axes[0].lines[1].get_data())
    h = 1e-6
    grad = np.array([(_mean_nll(1 + h, 1) - _mean_nll(1 - h, 1)) / (2 * h),
                     (_mean_nll(1, 1 + h) - _mean_nll(1, 1 - h)) / (2 * h)])
    assert np.allclose([xs[1], ys[1]], np.array([1.0, 1.0]) - 0.5 * grad, atol=1e-6)


def test_loss_surface_converges_to_the_minimum():
    e = widgets.build_loss_surface_explorer(*reference_args("build_loss_surface_explorer"), lr=2.0, steps=200, slope=0.0, bias=0.0)
    xs, ys = (np.asarray(v) for v in e.fig.axes[0].lines[1].get_data())
    star = e.fig.axes[0].lines[0]
    # the end of a long path is at (or below) the grid minimum's loss
    assert _mean_nll(xs[-1], ys[-1]) <= _mean_nll(star.get_xdata()[0], star.get_ydata()[0]) + 1e-3


def test_pointwise_losses_and_slopes():
    e = widgets.build_pointwise_loss_explorer(*reference_args("build_pointwise_loss_explorer"), z=-3.0)
    ax = e.fig.axes[0]
    dots = [line for line in ax.lines if line.get_marker() not in ("None", "", None)]
    assert len(dots) == 3
    values = [float(d.get_ydata()[0]) for d in dots]
    assert np.allclose(values, [9.0, np.log1p(np.exp(-3.0)), 0.0])
    assert "squared error -6.00" in ax.get_title()
    assert f"NLL {1 / (1 + np.exp(3.0)):.3f}" in ax.get_title()
    assert "0-1 loss 0" in ax.get_title()
    before = _image(e)
    e.controls["z"].value = 2.0
    values = [float(d.get_ydata()[0]) for d in dots]
    assert np.allclose(values, [4.0, np.log1p(np.exp(2.0)), 1.0])
    assert "squared error 4.00" in ax.get_title()
    tangents = [line for line in ax.lines if line.get_linestyle() == "--"]
    slopes = [np.diff(t.get_ydata())[0] / np.diff(t.get_xdata())[0] for t in tangents]
    assert np.allclose(slopes, [4.0, 1 / (1 + np.exp(-2.0)), 0.0])
    assert not np.array_equal(before, _image(e))
