"""Assignment 05: softmax regression on two Iris features, trained as you watch.

Drawn by the student's own code: the notebook's ``train`` (gradient descent
on YOUR ``softmax_nll`` and ``softmax_nll_grad``) fits the weights, and YOUR
``predict_class`` shades the regions and scores the flowers.  A wrong
gradient shows as a loss curve that does not fall and regions that do not
fit the flowers.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .._style import CLASS_COLORS, CLASS_MARKERS, CLASS_REGIONS
from ..data import IRIS_SPECIES, load_iris, load_standardized
from ._base import Explorer, int_slider, skip_while_grading, slider

__all__ = ["build_iris_explorer", "explore_iris"]

EXERCISES = {"predict_class": "exercise 1", "one_hot": "exercise 2", "softmax": "exercise 3",
             "log_softmax": "exercise 4", "softmax_nll": "exercise 5", "softmax_nll_grad": "exercise 6",
             "gradient_descent": "the cell from assignment 04"}
REGIONS = ListedColormap(list(CLASS_REGIONS))
MAX_STEPS = 500
LOG3 = 1.0986122886681098  # the mean NLL at W = 0 (three equally likely classes), a reference line


def _iris_features(features):
    # precomputed z-scores: 05 has no standardize of its own (it is 01's exercise)
    return load_standardized("iris", features), load_iris()["label"].to_numpy()


def build_iris_explorer(train, predict_class, lr: float = 0.5, steps: int = 50,
                        features=("petal_length", "sepal_width"), resolution: int = 120) -> Explorer:
    """Decision regions of softmax regression on two standardized Iris features, by YOUR code.

    ``train(W_start, X, y, lr, steps)`` is the notebook's gradient descent
    (it returns the final W and the NLL before the first step and after each
    one); ``predict_class(X, W)`` gives the shading and the misclassified count.  Left:
    the predicted class of every point of the plane and the flowers (one
    colour and one marker shape per species).  Right: the mean NLL after each
    step.  Sliders: the learning rate and the number of steps, from W = 0.
    The loss is the MEAN over the 150 flowers (your summed NLL divided by
    150), so these learning rates are 150 times those for the summed NLL:
    ``train`` is called with lr / 150.
    """
    X, y = _iris_features(features)
    A = np.column_stack([X, np.ones(len(X))])
    N = len(A)
    runs = {}  # (lr, steps) -> (W, mean losses): moving back to a value costs nothing

    def run(lr, steps):
        key = (round(float(lr), 6), int(steps))
        if key not in runs:
            W, history = train(np.zeros((3, A.shape[1])), A, y, float(lr) / N, int(steps))
            runs[key] = (np.asarray(W, dtype=float), np.asarray(history, dtype=float).ravel() / N)
        return runs[key]

    lo, hi = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel(), np.ones(gx.size)])

    fig = Figure(figsize=(8.0, 3.6))
    ax, ax_loss = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    regions = ax.imshow(np.zeros(gx.shape), origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
                        cmap=REGIONS, vmin=0, vmax=2, interpolation="nearest", aspect="auto")
    dots = [ax.scatter(*X[y == c].T, s=12, c=CLASS_COLORS[c], marker=CLASS_MARKERS[c], edgecolors="white",
                       linewidths=0.3, label=name)
            for c, name in enumerate(IRIS_SPECIES)]
    ax.set(xlabel=f"{features[0]} (standardized)", ylabel=f"{features[1]} (standardized)")
    legend = ax.legend(loc="upper left", fontsize=7, framealpha=0.9)
    (curve,) = ax_loss.plot([], [], color="black", lw=1.5)
    (now,) = ax_loss.plot([], [], "o", color="#D55E00", ms=5, mec="black")
    ax_loss.axhline(LOG3, color="gray", lw=0.8, ls="--")
    # Fixed axes (the whole step budget, losses up to 3.5) so that only the
    # curve, the regions and the titles are redrawn on a change (Explorer's dynamic artists).
    ax_loss.set(xlabel="step", ylabel="mean NLL", xlim=(0, MAX_STEPS), ylim=(0, 3.5))
    ax.set_title("misclassified", fontsize=9)
    ax_loss.set_title("mean NLL", fontsize=9)
    fig.tight_layout()
    state = {}

    def update(lr, steps):
        steps = int(steps)
        W, losses = run(lr, steps)
        shade = np.asarray(predict_class(grid, W)).reshape(gx.shape)
        # misclassified flowers, counted: a readout of YOUR predict_class that is not 01's accuracy
        mistakes = int(np.count_nonzero(np.asarray(predict_class(A, W)) != y))
        regions.set_data(shade)
        curve.set_data(np.arange(len(losses)), losses)
        now.set_data([len(losses) - 1], [losses[-1]])
        ax.set_title(f"lr = {lr:.2f}, {steps} steps: {mistakes} of {N} flowers misclassified", fontsize=9)
        ax_loss.set_title(f"mean NLL = {losses[-1]:.3f} (dashed: log 3, at W = 0)", fontsize=9)
        state.update(lr=lr, steps=steps, mistakes=mistakes, loss=float(losses[-1]),
                     shares=[float(np.mean(shade == c)) for c in range(3)])

    def describe():
        shares = ", ".join(f"{name} {share:.0%}" for name, share in zip(IRIS_SPECIES, state["shares"]))
        return (f"After {state['steps']} steps of your training with learning rate {state['lr']:.2f}: "
                f"mean NLL {state['loss']:.3f}, {state['mistakes']} of {N} flowers misclassified; "
                f"share of the plane predicted as each species: {shares}.")

    controls = {
        "lr": slider("learning rate", lr, 0.05, 20.0, 0.05, tooltip="the step size of gradient descent"),
        "steps": int_slider("steps", steps, 0, MAX_STEPS, 5,
                            tooltip="how many gradient-descent steps are taken from W = 0"),
    }
    return Explorer(fig, controls, update, dynamic=[regions, *dots, legend, curve, now, ax.title, ax_loss.title],
                    note="Loss: YOUR negative log-likelihood divided by the 150 flowers (the mean).",
                    describe=describe, exercises=EXERCISES)


explore_iris = skip_while_grading(build_iris_explorer, EXERCISES)
