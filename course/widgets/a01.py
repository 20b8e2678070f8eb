"""Assignment 01: a linear classifier on standardized weight and displacement.

The explorer is drawn by the student's own ``standardize`` (the features),
``linear_classify`` and ``accuracy``.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .._style import LABEL_COLORS, LABEL_MARKERS, LABEL_REGIONS
from ..data import load_auto_mpg
from ._base import Explorer, skip_while_grading, slider

__all__ = ["build_classifier_explorer", "explore_classifier"]

EXERCISES = {"standardize": "exercise 2", "linear_classify": "exercise 4", "accuracy": "exercise 5"}
REGION = ListedColormap(list(LABEL_REGIONS))  # predicted 0 / predicted 1
LIMITS = (-2.2, 3.2)


def _car_features(standardize):
    """Weight and displacement standardized by YOUR ``standardize``, and the label mpg >= 30."""
    cars = load_auto_mpg()
    z = np.asarray(standardize(cars[["weight", "displacement"]].to_numpy(dtype=float)), dtype=float)
    return z, (cars["mpg"] >= 30).to_numpy().astype(int)


def _boundary(w1, w2, b, lo, hi):
    """Two points of the line w1 x + w2 y + b = 0 spanning the box [lo, hi]^2."""
    if abs(w2) >= abs(w1):
        if w2 == 0:
            return [np.nan, np.nan], [np.nan, np.nan]
        xs = np.array([lo, hi])
        return xs, -(w1 * xs + b) / w2
    ys = np.array([lo, hi])
    return -(w2 * ys + b) / w1, ys


def build_classifier_explorer(linear_classify, accuracy, standardize, w1: float = -0.5, w2: float = -1.5,
                              b: float = -0.5) -> Explorer:
    """Sliders for w = (w_weight, w_displacement) and the bias b, drawn by YOUR functions.

    ``linear_classify(X, w)`` predicts the class of every point of the plane
    (the shading: blue predicted 1, orange predicted 0) and of every car, and
    ``accuracy(y_pred, y_true)`` scores the cars, whose features are
    ``standardize`` of their weight and displacement; the markers are the cars
    (blue discs meet the target, orange squares do not), the black line is the
    boundary x.w + b = 0 and the arrow is w.
    """
    X, y = _car_features(standardize)
    lo, hi = LIMITS
    grid = np.linspace(lo, hi, 160)
    gx, gy = np.meshgrid(grid, grid)
    plane = np.column_stack([gx.ravel(), gy.ravel(), np.ones(gx.size)])
    cars = np.column_stack([X, np.ones(len(X))])

    fig = Figure(figsize=(6.0, 4.5))
    ax = fig.add_subplot()
    region = ax.imshow(np.zeros_like(gx), origin="lower", extent=(lo, hi, lo, hi), cmap=REGION,
                       vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    dots = [ax.scatter(*X[y == label].T, s=13, c=LABEL_COLORS[label], marker=LABEL_MARKERS[label],
                       edgecolors="white", linewidths=0.3, label=name)
            for label, name in ((0, "fails target (mpg < 30)"), (1, "meets target (mpg >= 30)"))]
    (line,) = ax.plot([], [], color="black", lw=2, label="boundary $x^Tw + b = 0$")
    arrow = ax.annotate("", xy=(0, 0), xytext=(0, 0),
                        arrowprops=dict(arrowstyle="->", color="black", lw=2))
    ax.set(xlim=LIMITS, ylim=LIMITS, xlabel="weight (standardized)",
           ylabel="displacement (standardized)")
    legend = ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title("accuracy", fontsize=10)  # placeholder, so the layout leaves room for it
    fig.tight_layout()
    state = {}

    def update(w1, w2, b):
        w = np.array([w1, w2, b])
        shade = np.asarray(linear_classify(plane, w), dtype=float).reshape(gx.shape)
        score = float(accuracy(np.asarray(linear_classify(cars, w)), y))
        region.set_data(shade)
        line.set_data(*_boundary(w1, w2, b, lo, hi))
        norm2 = w1 * w1 + w2 * w2
        if norm2 > 0:
            foot = np.array([w1, w2]) * (-b / norm2)  # the boundary's point nearest the origin
            tip = foot + np.array([w1, w2]) / np.sqrt(norm2)
            arrow.xy, arrow.xyann = tuple(tip), tuple(foot)
        arrow.set_visible(norm2 > 0)
        ax.set_title(f"accuracy = {score:.3f}   "
                     f"(w = [{w1:.2f}, {w2:.2f}], b = {b:.2f})", fontsize=10)
        state.update(w=(w1, w2, b), accuracy=score, share=float(np.mean(shade)))

    def describe():
        w1, w2, b = state["w"]
        return (f"Decision regions of your linear_classify for w = [{w1:.2f}, {w2:.2f}], b = {b:.2f}: "
                f"{state['share']:.0%} of the plane is predicted to meet the target, and your accuracy "
                f"on the 398 cars is {state['accuracy']:.3f}.")

    controls = {
        "w1": slider("w (weight)", w1, -5, 5, tooltip="the weight of the car's weight: turns the boundary"),
        "w2": slider("w (displacement)", w2, -5, 5,
                     tooltip="the weight of the engine displacement: turns the boundary"),
        "b": slider("b (bias)", b, -5, 5, tooltip="the bias: shifts the boundary without turning it"),
    }
    # Everything drawn over the shaded regions changes with them; axes, ticks and
    # labels do not (see Explorer: they are rendered once).
    return Explorer(fig, controls, update, dynamic=[region, *dots, line, arrow, legend, ax.title],
                    describe=describe, exercises=EXERCISES)


explore_classifier = skip_while_grading(build_classifier_explorer, EXERCISES)
