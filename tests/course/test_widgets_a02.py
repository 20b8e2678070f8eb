"""The NLL explorer of assignment 02, driven by setting slider values in code."""
import io
import math

import numpy as np
from PIL import Image

from course import widgets

from ._student import reference_args
from course.data import load_auto_mpg


def _image(explorer):
    return np.asarray(Image.open(io.BytesIO(explorer.image.value)).convert("RGB"))


def _nll(q, labels):
    return -math.fsum(math.log(q) if v == 1 else math.log(1 - q) for v in labels)


def test_nll_explorer_draws_the_curve_the_dot_and_the_mle():
    e = widgets.build_nll_explorer(*reference_args("build_nll_explorer"), q=0.5, n=398)
    ax, bars = e.fig.axes
    labels = (load_auto_mpg()["mpg"].to_numpy() >= 30).astype(int)
    k = int(labels.sum())
    # the MLE line sits at the fraction of ones, and the title says so
    assert np.allclose(ax.lines[1].get_xdata(), k / 398)
    assert f"your MLE q* = {k / 398:.3f}" in ax.get_title()
    qs, values = ax.lines[0].get_data()
    i = int(np.argmin(values))
    assert abs(qs[i] - k / 398) < 0.01, "the curve's minimum is at the MLE"
    assert np.isclose(values[100], _nll(qs[100], labels), rtol=1e-12)
    before = _image(e)

    e.controls["q"].value = 0.8
    dot_q, dot_v = ax.lines[2].get_data()
    assert dot_q[0] == 0.8 and np.isclose(dot_v[0], _nll(0.8, labels), rtol=1e-12)
    assert f"NLL(0.80) = {_nll(0.8, labels):.1f}" in ax.get_title()
    heights = [p.get_height() for p in bars.patches]
    assert np.allclose(heights, [0.2, 0.8, 1 - k / 398, k / 398])  # model bars, then the bars of the MLE
    assert not np.array_equal(before, _image(e)), "the picture changed"


def test_nll_explorer_uses_the_first_n_cars():
    e = widgets.build_nll_explorer(*reference_args("build_nll_explorer"), q=0.3, n=398)
    ax, bars = e.fig.axes
    full_min = ax.get_ylim()[1]
    e.controls["n"].value = 20
    title = bars.get_title()
    assert title.startswith("20 cars")
    k = int(title.split(",")[1].split()[0])
    assert np.allclose(ax.lines[1].get_xdata(), k / 20)
    assert ax.get_ylim()[1] < full_min, "fewer cars, smaller NLL: the axis follows"
    assert len(e.latencies) == 2


def test_nll_explorer_is_fast():
    e = widgets.build_nll_explorer(*reference_args("build_nll_explorer"))
    for q in np.linspace(0.05, 0.95, 12):
        e.controls["q"].value = float(q)
    # generous bound: the target (median < 50 ms) is measured on an idle machine
    assert np.median(e.latencies) < 0.5
