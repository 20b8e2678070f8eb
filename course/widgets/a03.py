"""Assignment 03: the S-curve p(y=1 | weight) = sigma(slope * weight + bias) on the cars.

Drawn by the student's own ``predict_proba`` (the curve) and ``predict`` (the
circled cars and their count).
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .._style import LABEL_COLORS, LABEL_MARKERS, LABEL_REGIONS
from ..data import load_auto_mpg, load_standardized
from ._base import Explorer, skip_while_grading, slider

__all__ = ["build_sigmoid_explorer", "explore_sigmoid"]

EXERCISES = {"sigmoid": "exercise 1", "sigmoid_derivative": "exercise 2", "log_sigmoid": "exercise 3",
             "predict_proba": "exercise 4", "predict": "exercise 5"}
XLIM = (-2.2, 3.0)


def _weight_z_and_target():
    # precomputed z-scores: 03 has no standardize of its own (it is 01's exercise)
    z = load_standardized("auto_mpg", ["weight"])[:, 0]
    return z, np.where(load_auto_mpg()["mpg"].to_numpy() >= 30, 1, 0)


def build_sigmoid_explorer(predict_proba, predict, slope: float = -3.0, bias: float = -2.0) -> Explorer:
    """Sliders for the slope and bias of p(y=1 | x) = sigma(slope * x + bias), drawn by YOUR functions.

    The curve is ``predict_proba`` on a grid of weights, the circled cars are
    those whose ``predict`` differs from their label.

    x is the standardized car weight.  The cars are drawn at height 0 or 1
    (their label, also their colour, with a little vertical jitter); cars on
    the wrong side of the decision point are circled.  The dashed vertical line
    is the decision point where p = 0.5 (the score is 0), the green band the
    weights predicted to meet the target.
    """
    x, labels = _weight_z_and_target()
    jitter = np.random.default_rng(1).uniform(-0.03, 0.03, len(x))
    grid = np.linspace(*XLIM, 300)
    grid_with_bias = np.column_stack([grid, np.ones(len(grid))])
    cars = np.column_stack([x, np.ones(len(x))])

    fig = Figure(figsize=(6.5, 3.8))
    ax = fig.add_subplot()
    band = Rectangle((0, -0.1), 0, 1.2, color=LABEL_REGIONS[1], zorder=0)
    ax.add_patch(band)
    dots = [ax.scatter(x[labels == label], labels[labels == label] + jitter[labels == label], s=10,
                       c=LABEL_COLORS[label], marker=LABEL_MARKERS[label], label=f"label {label}", zorder=2)
            for label in (0, 1)]
    wrong = ax.scatter([], [], s=40, facecolors="none", edgecolors="black", linewidths=0.7,
                       label="misclassified", zorder=3)
    (curve,) = ax.plot([], [], color="black", lw=2, label=r"$p(y=1 \mid x) = \sigma(w x + b)$", zorder=4)
    ax.axhline(0.5, color="gray", lw=0.8, ls=":")
    decision = ax.axvline(0.0, color="#CC79A7", lw=1.5, ls="--", label="p = 0.5 (score 0)")
    ax.set(xlim=XLIM, ylim=(-0.1, 1.1), xlabel="weight (standardized)", ylabel="p(y = 1 | weight)")
    legend = ax.legend(loc="center right", fontsize=7, framealpha=0.9)
    legend.set_zorder(5)
    ax.set_title("cars circled", fontsize=9)
    # fixed margins instead of tight_layout: no layout engine, so each PNG is one draw
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.91)
    points = np.column_stack([x, labels + jitter])

    state = {}

    def update(slope, bias):
        w = np.array([slope, bias])
        proba = np.asarray(predict_proba(grid_with_bias, w), dtype=float)
        guess = np.asarray(predict(cars, w))
        curve.set_data(grid, proba)
        wrong.set_offsets(points[guess != labels])
        if slope != 0:
            cut = -bias / slope
            decision.set_xdata([cut, cut])
            decision.set_visible(True)
            lo, hi = (XLIM[0], cut) if slope < 0 else (cut, XLIM[1])
        else:  # a flat curve: every car gets the same prediction
            decision.set_visible(False)
            lo, hi = XLIM if bias >= 0 else (XLIM[0], XLIM[0])
        band.set_x(lo)
        band.set_width(max(hi - lo, 0.0))
        where = f"decision point x = {-bias / slope:.2f}" if slope != 0 else "no decision point"
        # the circled cars, counted: a readout of YOUR predict that is not 01's accuracy
        mistakes = int(np.count_nonzero(guess != labels))
        ax.set_title(f"w = {slope:.2f}, b = {bias:.2f}: {where}, {mistakes} of {len(labels)} cars circled",
                     fontsize=9)
        state.update(w=(slope, bias), where=where, wrong=mistakes, ends=(float(proba[0]), float(proba[-1])))

    def describe():
        slope, bias = state["w"]
        return (f"Your predict_proba for w = {slope:.2f}, b = {bias:.2f} goes from {state['ends'][0]:.2f} "
                f"for the lightest cars to {state['ends'][1]:.2f} for the heaviest; {state['where']}; "
                f"your predict gets {state['wrong']} of the {len(labels)} cars wrong (circled).")

    controls = {"slope": slider("slope w", slope, -10, 10,
                                tooltip="the slope: how steep the S-curve is, and which way it faces"),
                "bias": slider("bias b", bias, -10, 10,
                               tooltip="the bias: slides the S-curve and its decision point sideways")}
    # The band lies under the cars, so they are redrawn with it; axes and labels are not.
    return Explorer(fig, controls, update,
                    dynamic=[band, *dots, wrong, curve, decision, legend, ax.title],
                    describe=describe, exercises=EXERCISES)


explore_sigmoid = skip_while_grading(build_sigmoid_explorer, EXERCISES)
