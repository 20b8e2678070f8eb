"""Figures of assignment 03: the sigmoid and the logistic regression model."""
from __future__ import annotations

import numpy as np

from ._util import LABEL_COLORS, figure

__all__ = ["plot_sigmoid", "plot_probability_map"]


def _squash(t):
    """The logistic function, written through tanh (stable for any t)."""
    return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(t, dtype=float))


@figure
def plot_sigmoid(x_mark: float = 2.5):
    """Left: sigma(x) with its properties marked; right: its derivative sigma (1 - sigma)."""
    import matplotlib.pyplot as plt

    t = np.linspace(-8, 8, 400)
    s = _squash(t)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.plot(t[100:300], 0.25 * t[100:300] + 0.5, color="gray", ls=":", label="a linear function: leaves [0, 1]")
    left.plot(t, s, color="black", lw=2, label=r"$\sigma(x) = 1 / (1 + e^{-x})$")
    for level in (0.0, 1.0):
        left.axhline(level, color="gray", lw=0.6)
    left.plot([0], [0.5], "o", color="tab:blue")
    left.annotate(r"$\sigma(0) = \frac{1}{2}$", (0, 0.5), textcoords="offset points", xytext=(-70, 12))
    a, b = _squash(x_mark), _squash(-x_mark)
    left.vlines([x_mark, -x_mark], 0, [a, b], color="tab:green", lw=1.5)
    left.annotate(rf"$\sigma({x_mark:g})$", (x_mark, a / 2), textcoords="offset points", xytext=(5, 0),
                  color="tab:green")
    left.annotate(rf"$\sigma(-{x_mark:g}) = 1 - \sigma({x_mark:g})$", (-x_mark, b),
                  textcoords="data", xytext=(-7.6, 0.33), color="tab:green",
                  arrowprops=dict(arrowstyle="->", color="tab:green", lw=0.8))
    left.vlines([x_mark], a, 1, color="tab:red", lw=1.5, linestyles="--")
    left.annotate(rf"$1 - \sigma({x_mark:g})$", (x_mark, (a + 1) / 2), textcoords="data",
                  xytext=(x_mark + 0.6, 1.12), color="tab:red")
    left.set(xlim=(-8, 8), ylim=(-0.3, 1.3), xlabel="x", ylabel=r"$\sigma(x)$",
             title="The sigmoid squashes R into (0, 1)")
    left.legend(loc="upper left", fontsize=8)
    right.plot(t, s * (1 - s), color="tab:purple", lw=2)
    right.plot([0], [0.25], "o", color="tab:purple")
    right.annotate("largest slope 1/4 at x = 0", (0, 0.25), textcoords="offset points", xytext=(12, -4))
    right.set(xlim=(-8, 8), ylim=(0, 0.3), xlabel="x", ylabel=r"$\sigma'(x) = \sigma(x)(1 - \sigma(x))$",
              title="Its derivative: positive everywhere, tiny far from 0")
    fig.tight_layout()
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
    shade = ax.imshow(P, origin="lower", extent=(x0, x1, y0, y1), aspect="auto", cmap="RdYlGn",
                      vmin=0, vmax=1, alpha=0.55)
    lines = ax.contour(gx, gy, P, levels=[0.1, 0.5, 0.9], colors="black",
                       linewidths=[0.8, 2.0, 0.8], linestyles=["--", "-", "--"])
    ax.clabel(lines, fmt="p = %.1f", fontsize=8)
    for label, name in ((0, "fails target (label 0)"), (1, "meets target (label 1)")):
        ax.scatter(*X[y == label].T, s=12, c=LABEL_COLORS[label], edgecolors="white", linewidths=0.3,
                   label=name)
    fig.colorbar(shade, ax=ax, label="p(y = 1 | x, w)")
    ax.set(xlabel=names[0], ylabel=names[1], title=title or "Predicted probability of meeting the target")
    ax.legend(loc="upper left", fontsize=8)
    return fig
