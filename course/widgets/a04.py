"""Assignment 04: the logistic NLL as a surface, and three per-observation losses.

Both explorers are drawn by the student's own functions: the surface and the
path by ``logistic_nll``, ``logistic_nll_grad`` and ``gradient_descent``, the
per-observation NLL and its slope by ``logistic_nll`` and ``logistic_nll_grad``
on one observation.  A wrong gradient sends the path astray.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..data import load_auto_mpg, load_standardized
from ._base import Explorer, int_slider, skip_while_grading, slider

__all__ = ["build_loss_surface_explorer", "explore_loss_surface",
           "build_pointwise_loss_explorer", "explore_pointwise_loss"]

EXERCISES = {"logistic_nll": "exercise 1", "logistic_nll_grad": "exercise 2",
             "numerical_gradient": "exercise 3", "gradient_descent": "exercise 4"}
SLOPES = (-15.0, 5.0)   # the lecture's ranges
BIASES = (-10.0, 10.0)


def _weight_and_label():
    """Standardized car weight (precomputed: standardize is 01's exercise) and the label mpg >= 30."""
    feature = load_standardized("auto_mpg", ["weight"])[:, 0]
    return feature, (load_auto_mpg()["mpg"].to_numpy() >= 30.0).astype(int)


def build_loss_surface_explorer(logistic_nll, logistic_nll_grad, gradient_descent, lr: float = 1.0,
                                steps: int = 20, slope: float = 2.0, bias: float = 6.0,
                                resolution: int = 60) -> Explorer:
    """YOUR mean NLL over (slope, bias) for p(mpg >= 30 | weight) = sigmoid(slope x + bias).

    x is the standardized car weight.  The contours are ``logistic_nll`` on a
    grid, computed once; a slider change runs ``gradient_descent`` on
    ``logistic_nll_grad`` again (from the red start point, with the given
    learning rate and number of steps).  The loss is the MEAN over the 398
    cars, as in the lecture's figure: your NLL and gradient divided by 398,
    so a learning rate here corresponds to lr / 398 for the sum.
    """
    feature, label = _weight_and_label()
    X = np.column_stack([feature, np.ones(len(feature))])
    N = len(label)

    def mean_nll(w):
        return float(logistic_nll(np.asarray(w, dtype=float), X, label)) / N

    def mean_grad(w):
        return np.asarray(logistic_nll_grad(w, X, label), dtype=float) / N

    slopes, biases = np.linspace(*SLOPES, resolution), np.linspace(*BIASES, resolution)
    grid_s, grid_b = np.meshgrid(slopes, biases)
    surface = np.array([[mean_nll((s, b)) for s in slopes] for b in biases])
    finite = np.isfinite(surface)
    best = np.unravel_index(np.argmin(np.where(finite, surface, np.inf)), surface.shape)

    fig = Figure(figsize=(5.6, 4.4))
    ax = fig.add_subplot()
    levels = np.unique(np.quantile(surface[finite], np.linspace(0.0, 1.0, 26) ** 2)) if finite.any() else [0.0]
    if len(levels) > 1:
        ax.contour(grid_s, grid_b, surface, levels=levels, cmap="cividis", linewidths=0.8)
    ax.plot([grid_s[best]], [grid_b[best]], marker="*", color="#F0E442", ms=13, mec="black",
            linestyle="none", label="grid minimum")
    (path_line,) = ax.plot([], [], "-o", color="black", ms=2.5, lw=1.2, label="your gradient descent")
    (start_dot,) = ax.plot([], [], "s", color="#D55E00", ms=8, mec="black", label="start")
    ax.set(xlim=SLOPES, ylim=BIASES, xlabel="slope (w)", ylabel="bias (b)")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_title("mean NLL\n(w, b)", fontsize=10)  # two-line placeholder: the layout leaves room
    fig.tight_layout()
    state = {}

    def update(lr, steps, slope, bias):
        path = np.asarray(gradient_descent(mean_grad, np.array([slope, bias]), lr, int(steps)), dtype=float)
        path = path.reshape(len(path), -1)
        path_line.set_data(path[:, 0], path[:, 1])
        start_dot.set_data([slope], [bias])
        start_loss, end_loss = mean_nll(path[0]), mean_nll(path[-1])
        ax.set_title(f"mean NLL: {start_loss:.3f} at the start, {end_loss:.3f} after {int(steps)} steps\n"
                     f"(w, b) = ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})", fontsize=10)
        state.update(start=(slope, bias), end=tuple(path[-1, :2]), losses=(start_loss, end_loss),
                     steps=int(steps), lr=lr)

    def describe():
        (s0, b0), (s1, b1) = state["start"], state["end"]
        return (f"Contours of your mean NLL over slope and bias; your gradient descent goes from "
                f"({s0:.2f}, {b0:.2f}) to ({s1:.2f}, {b1:.2f}) in {state['steps']} steps of learning rate "
                f"{state['lr']:.2f}, and the loss from {state['losses'][0]:.3f} to {state['losses'][1]:.3f}.")

    controls = {
        "lr": slider("learning rate", lr, 0.05, 10.0, 0.05, tooltip="the step size of gradient descent"),
        "steps": int_slider("steps", steps, 0, 200, tooltip="how many gradient-descent steps the path takes"),
        "slope": slider("start slope", slope, SLOPES[0], SLOPES[1], 0.5,
                        tooltip="the slope w where gradient descent starts (the square)"),
        "bias": slider("start bias", bias, BIASES[0], BIASES[1], 0.5,
                       tooltip="the bias b where gradient descent starts (the square)"),
    }
    # The contours, axes and legend are drawn once (Explorer's background).
    return Explorer(fig, controls, update, dynamic=[path_line, start_dot, ax.title],
                    note="Loss: YOUR negative log-likelihood divided by the 398 cars (the mean, as in the lecture).",
                    describe=describe, exercises=EXERCISES)


def build_pointwise_loss_explorer(logistic_nll, logistic_nll_grad, z: float = 1.5) -> Explorer:
    """Three losses of one observation with label y = 0, as functions of its score z = x.w.

    squared error z^2 (the prediction z against the label 0), YOUR NLL of
    that one observation, ``logistic_nll`` with X = [[1]], y = [0] and w = [z]
    (the lecture's log(1 + e^z)), with its slope from ``logistic_nll_grad``,
    and the 0-1 loss I(z >= 0).  The slider moves z; the markers show each
    loss at z and the short lines their slopes there, which is all that
    gradient descent gets to see.
    """
    one, label0 = np.ones((1, 1)), np.zeros(1, dtype=int)

    def nll(t):
        return float(logistic_nll(np.array([float(t)]), one, label0))

    def nll_slope(t):
        return float(np.asarray(logistic_nll_grad(np.array([float(t)]), one, label0)).ravel()[0])

    zs = np.linspace(-4.0, 4.0, 201)
    curves = {
        "squared error $z^2$": (lambda t: t * t, lambda t: 2.0 * t, "#CC79A7", "-", "s"),
        "your NLL (lecture: $\\log(1 + e^{z})$)": (nll, nll_slope, "#0072B2", "-", "o"),
        "0-1 loss $\\mathbb{I}(z \\geq 0)$": (lambda t: float(t >= 0), lambda t: 0.0, "#D55E00", "-.", "^"),
    }
    fig = Figure(figsize=(6.2, 4.0))
    ax = fig.add_subplot()
    markers, tangents = [], []
    for name, (f, _, color, dash, marker) in curves.items():
        ax.plot(zs, [f(t) for t in zs], color=color, lw=2, ls=dash, label=name)
        (dot,) = ax.plot([], [], marker, color=color, ms=7, mec="black")
        (tangent,) = ax.plot([], [], "--", color=color, lw=1.5)
        markers.append(dot)
        tangents.append(tangent)
    ax.axvline(0.0, color="gray", lw=0.5)
    ax.set(xlim=(-4, 4), ylim=(-0.5, 6.0), xlabel="score $z = x^T w$ (the label is y = 0)",
           ylabel="loss of this observation")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("slopes", fontsize=10)
    fig.tight_layout()
    state = {}

    def update(z):
        slopes, values = [], []
        for (f, df, *_), dot, tangent in zip(curves.values(), markers, tangents):
            value, slope = f(z), df(z)
            dot.set_data([z], [value])
            half = 0.8
            tangent.set_data([z - half, z + half], [value - half * slope, value + half * slope])
            slopes.append(slope)
            values.append(value)
        ax.set_title(f"slopes at z = {z:.2f}:  squared error {slopes[0]:.2f},  NLL {slopes[1]:.3f},  "
                     f"0-1 loss {abs(slopes[2]):.0f}", fontsize=10)
        state.update(z=z, values=values, slopes=slopes)

    def describe():
        v, s = state["values"], state["slopes"]
        return (f"At score z = {state['z']:.2f} with label 0: squared error {v[0]:.2f} (slope {s[0]:.2f}), "
                f"your NLL {v[1]:.3f} (slope {s[1]:.3f}), 0-1 loss {v[2]:.0f} (slope 0).")

    return Explorer(fig, {"z": slider("score z", z, -4.0, 4.0, 0.1,
                                      tooltip="the score x.w of one observation whose label is 0")},
                    update, dynamic=[*markers, *tangents, ax.title], describe=describe, exercises=EXERCISES)


explore_loss_surface = skip_while_grading(build_loss_surface_explorer, EXERCISES)
explore_pointwise_loss = skip_while_grading(build_pointwise_loss_explorer, EXERCISES)
