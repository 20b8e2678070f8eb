"""Figures of assignment 03: the sigmoid and the logistic regression model."""
from __future__ import annotations

import numpy as np

from ..data import load_figure_data
from ._util import LABEL_COLORS, LABEL_MARKERS, figure

__all__ = ["plot_sigmoid", "plot_probability_map"]


@figure
def plot_sigmoid(x_mark: float = 2.5):
    """Left: sigma(x) with its properties marked; right: its derivative sigma (1 - sigma).

    The curves are precomputed (course/data/figures.json): this figure comes
    before the exercise that asks for the sigmoid.
    """
    import matplotlib.pyplot as plt

    data = load_figure_data("sigmoid")
    t, s, ds = data["t"], data["sigmoid"], data["derivative"]

    def _squash(at):  # read off the precomputed curve
        return float(np.interp(at, t, s))

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.plot(t[100:300], 0.25 * t[100:300] + 0.5, color="gray", ls=":", label="a linear function: leaves [0, 1]")
    left.plot(t, s, color="black", lw=2, label=r"$\sigma(x) = 1 / (1 + e^{-x})$")
    for level in (0.0, 1.0):
        left.axhline(level, color="gray", lw=0.6)
    left.plot([0], [0.5], "o", color="#0072B2")
    left.annotate(r"$\sigma(0) = \frac{1}{2}$", (0, 0.5), textcoords="offset points", xytext=(-70, 12))
    a, b = _squash(x_mark), _squash(-x_mark)
    left.vlines([x_mark, -x_mark], 0, [a, b], color="#009E73", lw=1.5)
    left.annotate(rf"$\sigma({x_mark:g})$", (x_mark, a / 2), textcoords="offset points", xytext=(5, 0),
                  color="#009E73")
    left.annotate(rf"$\sigma(-{x_mark:g}) = 1 - \sigma({x_mark:g})$", (-x_mark, b),
                  textcoords="data", xytext=(-7.6, 0.33), color="#009E73",
                  arrowprops=dict(arrowstyle="->", color="#009E73", lw=0.8))
    left.vlines([x_mark], a, 1, color="#D55E00", lw=1.5, linestyles="--")
    left.annotate(rf"$1 - \sigma({x_mark:g})$", (x_mark, (a + 1) / 2), textcoords="data",
                  xytext=(x_mark + 0.6, 1.12), color="#D55E00")
    left.set(xlim=(-8, 8), ylim=(-0.3, 1.3), xlabel="x", ylabel=r"$\sigma(x)$",
             title="The sigmoid squashes R into (0, 1)")
    left.legend(loc="upper left", fontsize=8)
    right.plot(t, ds, color="#CC79A7", lw=2)
    right.plot([0], [0.25], "o", color="#CC79A7")
    right.annotate("largest slope 1/4 at x = 0", (0, 0.25), textcoords="offset points", xytext=(12, -4))
    right.set(xlim=(-8, 8), ylim=(0, 0.3), xlabel="x", ylabel=r"$\sigma'(x)$",
              title="Its derivative: positive everywhere, tiny far from 0")
    fig.tight_layout()
    fig.course_description = (f"Left: the S-shaped sigmoid rising from 0 to 1, equal to 1/2 at 0, with "
                              f"sigma({x_mark:g}) = {_squash(x_mark):.2f} and sigma(-{x_mark:g}) = "
                              f"{_squash(-x_mark):.2f} marked; right: its bell-shaped derivative, largest (1/4) at 0.")
    return fig


@figure
def plot_probability_map(X, y, proba, names=("weight (standardized)", "displacement (standardized)"),
                         title=""):
    """Two-feature data over a shading of p(y=1 | x) with contours at 0.1, 0.5 and 0.9.

    ``proba(points)`` takes an (M, 2) array of points and returns their
    probabilities of label 1, e.g. ``lambda P: predict_proba(with_ones(P), w)``.
    """
    import matplotlib.pyplot as plt

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(x0, x1, 150), np.linspace(y0, y1, 150))
    P = np.asarray(proba(np.column_stack([gx.ravel(), gy.ravel()])), dtype=float).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(6.8, 4.6))
    shade = ax.imshow(P, origin="lower", extent=(x0, x1, y0, y1), aspect="auto", cmap="cividis",
                      vmin=0, vmax=1, alpha=0.55)
    lines = ax.contour(gx, gy, P, levels=[0.1, 0.5, 0.9], colors="black",
                       linewidths=[0.8, 2.0, 0.8], linestyles=["--", "-", "--"])
    ax.clabel(lines, fmt="p = %.1f", fontsize=8)
    for label, name in ((0, "fails target (label 0)"), (1, "meets target (label 1)")):
        ax.scatter(*X[y == label].T, s=12, c=LABEL_COLORS[label], marker=LABEL_MARKERS[label],
                   edgecolors="white", linewidths=0.3, label=name)
    fig.colorbar(shade, ax=ax, label="p(y = 1 | x, w)")
    ax.set(xlabel=names[0], ylabel=names[1], title=title or "Predicted probability of meeting the target")
    ax.legend(loc="upper left", fontsize=8)
    fig.course_description = (f"Your predicted probability of label 1 over {names[0]} and {names[1]}, shaded from "
                              f"{np.nanmin(P):.2f} to {np.nanmax(P):.2f}, with contour lines at 0.1, 0.5 and 0.9; "
                              f"{np.mean(P >= 0.5):.0%} of the plane has p >= 0.5.")
    return fig
