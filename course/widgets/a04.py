"""Assignment 04: the logistic NLL as a surface, and three per-observation losses.

Both explorers use their own small computations (never the student's
functions), so they also work in the released notebook where those are stubs.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..data import load_auto_mpg
from ._base import Explorer, int_slider, skip_while_grading, slider

__all__ = ["build_loss_surface_explorer", "explore_loss_surface",
           "build_pointwise_loss_explorer", "explore_pointwise_loss"]

SLOPES = (-15.0, 5.0)   # the lecture's ranges
BIASES = (-10.0, 10.0)


def _weight_and_label():
    """Standardized car weight (population std) and the label mpg >= 30."""
    cars = load_auto_mpg()
    kg = cars["weight"].to_numpy(dtype=float)
    feature = (kg - kg.mean()) / kg.std()
    return feature, (cars["mpg"].to_numpy() >= 30.0).astype(int)


def _mean_loss(slope, bias, feature, sign):
    """Mean NLL of p(y | x) = sigmoid(slope x + bias); slope and bias may be grids."""
    slope = np.asarray(slope, dtype=float)[..., None]
    bias = np.asarray(bias, dtype=float)[..., None]
    return np.logaddexp(0.0, -sign * (slope * feature + bias)).mean(axis=-1)


def _descent_path(feature, sign, start, lr, steps):
    """Gradient descent on the mean NLL over (slope, bias); returns a (steps + 1, 2) array."""
    out = np.empty((steps + 1, 2))
    out[0] = start
    for k in range(steps):
        slope, bias = out[k]
        # d/dz log(1 + e^{-s z}) = -s sigma(-s z) = -s / (1 + e^{s z})
        weight = -sign * np.exp(-np.logaddexp(0.0, sign * (slope * feature + bias)))
        out[k + 1] = out[k] - lr * np.array([np.mean(weight * feature), np.mean(weight)])
    return out


def build_loss_surface_explorer(lr: float = 1.0, steps: int = 20, slope: float = 2.0,
                                bias: float = 6.0, resolution: int = 90) -> Explorer:
    """The MEAN NLL over (slope, bias) for p(mpg >= 30 | weight) = sigmoid(slope x + bias).

    x is the standardized car weight.  The contours are computed once; a
    slider change only recomputes the black gradient-descent path (from the
    red start point, with the given learning rate and number of steps) and
    the title.  The loss is the mean over the 398 cars, as in the lecture's
    figure: the sum of the assignment is 398 times larger, and so is its
    gradient, so a learning rate here corresponds to lr / 398 for the sum.
    """
    feature, label = _weight_and_label()
    sign = 2.0 * label - 1.0
    grid_s, grid_b = np.meshgrid(np.linspace(*SLOPES, resolution), np.linspace(*BIASES, resolution))
    surface = _mean_loss(grid_s, grid_b, feature, sign)
    best = np.unravel_index(np.argmin(surface), surface.shape)

    fig = Figure(figsize=(5.6, 4.4))
    ax = fig.add_subplot()
    levels = np.quantile(surface, np.linspace(0.0, 1.0, 26) ** 2)
    ax.contour(grid_s, grid_b, surface, levels=np.unique(levels), cmap="viridis", linewidths=0.8)
    ax.plot([grid_s[best]], [grid_b[best]], marker="*", color="gold", ms=12, mec="black",
            linestyle="none", label="grid minimum")
    (path_line,) = ax.plot([], [], "-o", color="black", ms=2.5, lw=1.2, label="gradient descent")
    (start_dot,) = ax.plot([], [], "o", color="firebrick", ms=8, mec="black", label="start")
    ax.set(xlim=SLOPES, ylim=BIASES, xlabel="slope (w)", ylabel="bias (b)")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_title("mean NLL\n(w, b)", fontsize=10)  # two-line placeholder: the layout leaves room
    fig.tight_layout()

    def update(lr, steps, slope, bias):
        path = _descent_path(feature, sign, (slope, bias), lr, int(steps))
        path_line.set_data(path[:, 0], path[:, 1])
        start_dot.set_data([slope], [bias])
        start_loss, end_loss = _mean_loss(path[[0, -1], 0], path[[0, -1], 1], feature, sign)
        ax.set_title(f"mean NLL: {start_loss:.3f} at the start, {end_loss:.3f} after {int(steps)} steps\n"
                     f"(w, b) = ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})", fontsize=10)

    controls = {
        "lr": slider("learning rate", lr, 0.05, 10.0, 0.05),
        "steps": int_slider("steps", steps, 0, 200),
        "slope": slider("start slope", slope, SLOPES[0], SLOPES[1], 0.5),
        "bias": slider("start bias", bias, BIASES[0], BIASES[1], 0.5),
    }
    # The contours, axes and legend are drawn once (Explorer's background).
    return Explorer(fig, controls, update, dynamic=[path_line, start_dot, ax.title],
                    note="Loss: the MEAN negative log-likelihood over the 398 cars (as in the lecture).")


def build_pointwise_loss_explorer(z: float = 1.5) -> Explorer:
    """Three losses of one observation with label y = 0, as functions of its score z = x.w.

    squared error z^2 (the prediction z against the label 0), the NLL
    -log p(y=0) = log(1 + e^z), and the 0-1 loss I(z >= 0).  The slider moves
    z; the dots mark each loss at z and the short lines their slopes there,
    which is all that gradient descent gets to see.
    """
    zs = np.linspace(-4.0, 4.0, 401)
    curves = {
        "squared error $z^2$": (lambda t: t * t, lambda t: 2.0 * t, "#7570b3"),
        "NLL $\\log(1 + e^{z})$": (lambda t: np.logaddexp(0.0, t),
                                   lambda t: np.exp(-np.logaddexp(0.0, -t)), "#1b9e77"),
        "0-1 loss $\\mathbb{I}(z \\geq 0)$": (lambda t: (np.asarray(t) >= 0).astype(float),
                                            lambda t: 0.0 * t, "#d95f02"),
    }
    fig = Figure(figsize=(6.2, 4.0))
    ax = fig.add_subplot()
    markers, tangents = [], []
    for name, (f, _, color) in curves.items():
        ax.plot(zs, f(zs), color=color, lw=2, label=name)
        (dot,) = ax.plot([], [], "o", color=color, ms=7, mec="black")
        (tangent,) = ax.plot([], [], "--", color=color, lw=1.5)
        markers.append(dot)
        tangents.append(tangent)
    ax.axvline(0.0, color="gray", lw=0.5)
    ax.set(xlim=(-4, 4), ylim=(-0.5, 6.0), xlabel="score $z = x^T w$ (the label is y = 0)",
           ylabel="loss of this observation")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("slopes", fontsize=10)
    fig.tight_layout()

    def update(z):
        slopes = []
        for (f, df, _), dot, tangent in zip(curves.values(), markers, tangents):
            value, slope = float(f(np.array(z))), float(df(np.array(z)))
            dot.set_data([z], [value])
            half = 0.8
            tangent.set_data([z - half, z + half], [value - half * slope, value + half * slope])
            slopes.append(slope)
        ax.set_title(f"slopes at z = {z:.2f}:  squared error {slopes[0]:.2f},  NLL {slopes[1]:.3f},  "
                     f"0-1 loss {abs(slopes[2]):.0f}", fontsize=10)

    return Explorer(fig, {"z": slider("score z", z, -4.0, 4.0, 0.1)}, update,
                    dynamic=[*markers, *tangents, ax.title])


explore_loss_surface = skip_while_grading(build_loss_surface_explorer)
explore_pointwise_loss = skip_while_grading(build_pointwise_loss_explorer)
