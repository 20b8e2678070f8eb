"""The Iris explorer of assignment 05, driven by setting slider values in code."""
import io

import numpy as np
from PIL import Image

from course import widgets

from ._student import reference_args
from course.widgets.a05 import _iris_features


def _image(explorer):
    return np.asarray(Image.open(io.BytesIO(explorer.image.value)).convert("RGB"))


def _train(lr, steps, features=("petal_length", "sepal_width")):
    """Independent gradient descent on the mean softmax NLL, with an explicit loop over flowers."""
    X, y = _iris_features(features)
    A = np.column_stack([X, np.ones(len(X))])
    W = np.zeros((3, 3))
    for _ in range(steps):
        G = np.zeros_like(W)
        for a, label in zip(A, y):
            s = W @ a
            p = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
            p[label] -= 1.0
            G += np.outer(p, a)
        W = W - lr * G / len(A)
    return W, A, y


def test_regions_and_title_follow_the_sliders():
    e = widgets.build_iris_explorer(*reference_args("build_iris_explorer"), lr=0.5, steps=0)
    ax, ax_loss = e.fig.axes
    regions = np.asarray(ax.images[0].get_array())
    assert np.all(regions == 0), "at W = 0 all scores tie and the argmax is class 0"
    assert np.isclose(ax_loss.lines[0].get_ydata()[0], np.log(3))
    before = _image(e)

    e.controls["steps"].value = 40
    W, A, y = _train(0.5, 40)
    mistakes = int(np.sum(np.argmax(A @ W.T, axis=1) != y))
    assert f"40 steps: {mistakes} of 150 flowers misclassified" in ax.get_title()
    regions = np.asarray(ax.images[0].get_array())
    assert set(np.unique(regions)) == {0, 1, 2}, "three regions after training"
    losses = np.asarray(ax_loss.lines[0].get_ydata())
    assert len(losses) == 41 and losses[-1] < losses[0]
    assert not np.array_equal(before, _image(e))


def test_cache_extends_and_reuses_paths():
    e = widgets.build_iris_explorer(*reference_args("build_iris_explorer"), lr=1.0, steps=30)
    e.controls["steps"].value = 10
    short = np.asarray(e.fig.axes[1].lines[0].get_ydata()).copy()
    e.controls["steps"].value = 30
    long = np.asarray(e.fig.axes[1].lines[0].get_ydata())
    assert np.allclose(long[:11], short), "the first 10 steps are the same path"
    e.controls["lr"].value = 2.0
    e.controls["lr"].value = 1.0
    assert np.allclose(np.asarray(e.fig.axes[1].lines[0].get_ydata()), long)


def test_slider_change_reuses_the_cached_path():
    e = widgets.build_iris_explorer(*reference_args("build_iris_explorer"), lr=0.5, steps=50)
    for steps in range(55, 300, 25):
        e.controls["steps"].value = steps
    assert len(e.latencies) == 11
