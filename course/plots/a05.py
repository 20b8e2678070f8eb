"""Figures of assignment 05: softmax regression."""
from __future__ import annotations

import numpy as np

from ._util import CLASS_COLORS, CLASS_MARKERS, CLASS_REGIONS, figure

__all__ = ["plot_iris", "plot_scores_and_probabilities", "plot_class_regions"]


@figure
def plot_iris(iris, features=("petal_length", "sepal_width")):
    """Two Iris features, one colour per species."""
    import matplotlib.pyplot as plt

    from ..data import IRIS_SPECIES

    fig, ax = plt.subplots(figsize=(6, 4))
    for c, name in enumerate(IRIS_SPECIES):
        rows = iris["label"] == c
        ax.scatter(iris.loc[rows, features[0]], iris.loc[rows, features[1]], s=14,
                   c=CLASS_COLORS[c], marker=CLASS_MARKERS[c], label=f"{c}: {name}")
    ax.set(xlabel=f"{features[0]} (cm)", ylabel=f"{features[1]} (cm)", title="Iris: three species")
    ax.legend(fontsize=8)
    fig.course_description = (f"Scatter plot of {features[0]} against {features[1]} for {len(iris)} iris flowers, "
                              "one colour and marker per species: setosa (discs) stands apart, versicolor "
                              "(squares) and virginica (triangles) overlap.")
    return fig


@figure
def plot_scores_and_probabilities(z, p, names=None):
    """Scores z (any real numbers) next to the probabilities p = softmax(z) you computed."""
    import matplotlib.pyplot as plt

    z, p = np.asarray(z, dtype=float).ravel(), np.asarray(p, dtype=float).ravel()
    names = list(names) if names is not None else [f"class {c}" for c in range(len(z))]
    colors = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in range(len(z))]
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
    left.bar(names, z, color=colors)
    left.axhline(0, color="gray", lw=0.8)
    left.set(title="scores z (any sign, any size)", ylabel="score")
    right.bar(names, p, color=colors)
    right.set(title=f"softmax(z): positive, sum = {p.sum():.3f}", ylabel="probability", ylim=(0, 1))
    for ax in (left, right):
        ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.course_description = ("Bar charts of the scores (" + ", ".join(f"{v:.2f}" for v in z)
                              + ") and of your softmax of them (" + ", ".join(f"{v:.3f}" for v in p)
                              + f"), which sum to {p.sum():.3f}.")
    return fig


@figure
def plot_class_regions(X, y, predict, names=("feature 1", "feature 2"), title="", classes=None):
    """Data coloured by class over the regions a multi-class classifier predicts.

    ``predict(points)`` takes an (M, 2) array of points and returns integer
    classes 0 .. C-1, e.g. ``lambda P: predict_class(add_bias(P), W)``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    C = int(max(y.max(), 0)) + 1
    pad = 0.4
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, 250), np.linspace(y0, y1, 250))
    regions = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    light = list(CLASS_REGIONS)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.imshow(regions, origin="lower", extent=(x0, x1, y0, y1), aspect="auto", vmin=0, vmax=C - 1,
              cmap=ListedColormap(light[:C]), interpolation="nearest")
    ax.contour(gx, gy, regions, levels=np.arange(C) + 0.5, colors="black", linewidths=1)
    for c in range(C):
        label = classes[c] if classes is not None else f"class {c}"
        ax.scatter(*X[y == c].T, s=14, c=CLASS_COLORS[c], marker=CLASS_MARKERS[c], edgecolors="white",
                   linewidths=0.3, label=label)
    ax.set(xlabel=names[0], ylabel=names[1], title=title or "Decision regions (shaded: predicted class)")
    ax.legend(loc="upper left", fontsize=8)
    right = int(np.sum(np.asarray(predict(X)) == y))
    fig.course_description = (f"Decision regions of your classifier over {names[0]} and {names[1]}, one shade per "
                              f"predicted class; it gets {right} of the {len(y)} points right.")
    return fig
