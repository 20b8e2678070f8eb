"""The explorers, driven by setting slider values in code."""
import io

import numpy as np
import pytest
from PIL import Image

from course import widgets
from course.widgets.a01 import _car_features

from ._student import reference_args

ARGS = reference_args("build_classifier_explorer")


def _image(explorer):
    return np.asarray(Image.open(io.BytesIO(explorer.image.value)).convert("RGB"))


def test_classifier_explorer_draws_what_the_sliders_say():
    e = widgets.build_classifier_explorer(*ARGS, w1=-1.0, w2=-1.0, b=-1.5)
    ax = e.fig.axes[0]
    X, y = _car_features(lambda raw: (raw - raw.mean(axis=0)) / raw.std(axis=0))
    expected = np.mean(((X @ [-1.0, -1.0] - 1.5) >= 0) == y)
    assert f"accuracy = {expected:.3f}" in ax.get_title()
    before = _image(e)

    e.controls["b"].value = 2.0
    X_line, Y_line = ax.lines[0].get_data()
    # The boundary satisfies w.x + b = 0 at both drawn points.
    assert np.allclose(-1.0 * np.asarray(X_line) - 1.0 * np.asarray(Y_line) + 2.0, 0.0)
    region = np.asarray(ax.images[0].get_array())
    assert region[0, 0] == 1.0, "bottom-left (light, small engines) is predicted 1"
    assert region[-1, -1] == 0.0, "top-right (heavy, big engines) is predicted 0"
    expected = np.mean(((X @ [-1.0, -1.0] + 2.0) >= 0) == y)
    assert f"accuracy = {expected:.3f}" in ax.get_title()
    assert not np.array_equal(before, _image(e)), "the picture changed"
    assert len(e.latencies) == 2


def test_classifier_explorer_flip_gives_complement():
    e = widgets.build_classifier_explorer(*ARGS, w1=-1.0, w2=-0.5, b=-1.0)
    acc = float(e.fig.axes[0].get_title().split("=")[1].split()[0])
    for name, value in (("w1", 1.0), ("w2", 0.5), ("b", 1.0)):
        e.controls[name].value = value
    flipped = float(e.fig.axes[0].get_title().split("=")[1].split()[0])
    assert flipped == pytest.approx(1 - acc, abs=2e-3)


def _shown_explorers():
    return [name for name in dir(widgets) if name.startswith("explore_")]


@pytest.mark.parametrize("name", _shown_explorers())
def test_explorers_skip_while_grading(name, monkeypatch, capsys):
    """Every explorer a notebook shows does nothing while nbgrader grades, and works otherwise."""
    show = getattr(widgets, name)
    for mode in ("autograde", "validate"):
        monkeypatch.setenv("NBGRADER_EXECUTION", mode)
        assert show(*reference_args(name)) is None
        assert "skipped while grading" in capsys.readouterr().out
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert isinstance(show(*reference_args(name)), widgets.Explorer)


def _explorers():
    return [name for name in dir(widgets) if name.startswith("build_")]


@pytest.mark.parametrize("name", _explorers())
def test_fast_redraw_shows_the_same_picture_as_a_full_render(name):
    """Blitting (a cached background plus the dynamic artists) must draw exactly what a
    full render of the figure draws, after any slider change."""
    e = getattr(widgets, name)(*reference_args(name))
    for control in e.controls.values():
        if hasattr(control, "options"):  # a selection slider: 70% of the way along its options
            control.index = int(0.7 * (len(control.options) - 1))
            continue
        low, high = control.min, control.max
        control.value = type(control.value)(low + 0.7 * (high - low))
    fast = _image(e)
    for artist in e._dynamic:
        artist.set_animated(False)
    buffer = io.BytesIO()
    e.fig.savefig(buffer, format="png", dpi=e.dpi)
    full = np.asarray(Image.open(buffer).convert("RGB"))
    assert fast.shape == full.shape
    differing = np.mean(np.any(np.abs(fast.astype(int) - full.astype(int)) > 40, axis=-1))
    # a stale background would differ in whole regions; drawing order and
    # antialiasing at the edges of the dynamic artists differ in a few pixels
    assert differing < 0.01, f"{differing:.2%} of the pixels differ"
