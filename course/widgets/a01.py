"""Assignment 01: a linear classifier on standardized weight and displacement."""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..data import load_auto_mpg
from ._base import Explorer, skip_while_grading, slider

COLORS = {0: "#d95f02", 1: "#1b9e77"}        # fails / meets the target
REGION = ListedColormap(["#fbe3d1", "#d5efe8"])  # predicted 0 / predicted 1
LIMITS = (-2.2, 3.2)


def _car_features():
    """Weight and displacement as z-scores, and the label mpg >= 30."""
    cars = load_auto_mpg()
    z = cars[["weight", "displacement"]].apply(lambda c: (c - c.mean()) / c.std(ddof=0))
    return z.to_numpy(), (cars["mpg"] >= 30).to_numpy().astype(int)


def _boundary(w1, w2, b, lo, hi):
    """Two points of the line w1 x + w2 y + b = 0 spanning the box [lo, hi]^2."""
    if abs(w2) >= abs(w1):
        if w2 == 0:
            return [np.nan, np.nan], [np.nan, np.nan]
        xs = np.array([lo, hi])
        return xs, -(w1 * xs + b) / w2
    ys = np.array([lo, hi])
    return -(w2 * ys + b) / w1, ys


def build_classifier_explorer(w1: float = -0.5, w2: float = -1.5, b: float = -0.5) -> Explorer:
    """Sliders for w = (w_weight, w_displacement) and the bias b.

    The shading shows the predicted class of every point of the plane
    (green: meets the target, orange: fails); the dots are the cars, coloured
    by their true label; the black line is the decision boundary x.w + b = 0
    and the arrow is w, which always points into the region predicted 1.
    """
    X, y = _car_features()
    lo, hi = LIMITS
    grid = np.linspace(lo, hi, 160)
    gx, gy = np.meshgrid(grid, grid)

    fig = Figure(figsize=(6.0, 4.5))
    ax = fig.add_subplot()
    region = ax.imshow(np.zeros_like(gx), origin="lower", extent=(lo, hi, lo, hi), cmap=REGION,
                       vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    dots = [ax.scatter(*X[y == label].T, s=12, c=COLORS[label], edgecolors="white", linewidths=0.3,
                       label=name)
            for label, name in ((0, "fails target (mpg < 30)"), (1, "meets target (mpg >= 30)"))]
    (line,) = ax.plot([], [], color="black", lw=2, label="boundary $x^Tw + b = 0$")
    arrow = ax.annotate("", xy=(0, 0), xytext=(0, 0),
                        arrowprops=dict(arrowstyle="->", color="black", lw=2))
    ax.set(xlim=LIMITS, ylim=LIMITS, xlabel="weight (standardized)",
           ylabel="displacement (standardized)")
    legend = ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title("accuracy", fontsize=10)  # placeholder, so the layout leaves room for it
    fig.tight_layout()

    def update(w1, w2, b):
        region.set_data((w1 * gx + w2 * gy + b >= 0).astype(float))
        line.set_data(*_boundary(w1, w2, b, lo, hi))
        norm2 = w1 * w1 + w2 * w2
        if norm2 > 0:
            foot = np.array([w1, w2]) * (-b / norm2)  # the boundary's point nearest the origin
            tip = foot + np.array([w1, w2]) / np.sqrt(norm2)
            arrow.xy, arrow.xyann = tuple(tip), tuple(foot)
        arrow.set_visible(norm2 > 0)
        predicted = (X @ np.array([w1, w2]) + b >= 0).astype(int)
        ax.set_title(f"accuracy = {np.mean(predicted == y):.3f}   "
                     f"(w = [{w1:.2f}, {w2:.2f}], b = {b:.2f})", fontsize=10)

    controls = {
        "w1": slider("w (weight)", w1, -5, 5),
        "w2": slider("w (displacement)", w2, -5, 5),
        "b": slider("b (bias)", b, -5, 5),
    }
    # Everything drawn over the shaded regions changes with them; axes, ticks and
    # labels do not (see Explorer: they are rendered once).
    return Explorer(fig, controls, update, dynamic=[region, *dots, line, arrow, legend, ax.title])


explore_classifier = skip_while_grading(build_classifier_explorer)
