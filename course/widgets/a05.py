"""Assignment 05: softmax regression on two Iris features, trained as you watch.

The explorer trains with its own small gradient-descent code (never the
student's functions).  Paths are cached per learning rate and only extended
when more steps are asked for, so moving either slider stays fast.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..data import IRIS_SPECIES, load_iris
from ._base import Explorer, int_slider, skip_while_grading, slider

__all__ = ["build_iris_explorer", "explore_iris"]

COLORS = ("#1b9e77", "#d95f02", "#7570b3")
REGIONS = ListedColormap(["#d5efe8", "#fbe3d1", "#e3e2f0"])
MAX_STEPS = 500


def _iris_features(features):
    iris = load_iris()
    raw = iris[list(features)].to_numpy(dtype=float)
    z = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    return z, iris["label"].to_numpy()


class _Trainer:
    """Full-batch gradient descent on the MEAN softmax NLL, from W = 0, cached per lr."""

    def __init__(self, features_with_bias, labels, classes):
        self.A = features_with_bias
        self.labels = labels
        self.targets = np.eye(classes)[labels]
        self.classes = classes
        self.paths = {}

    def _probabilities(self, W):
        s = self.A @ W.T
        s = np.exp(s - s.max(axis=1, keepdims=True))
        return s / s.sum(axis=1, keepdims=True)

    def _mean_nll(self, W):
        s = self.A @ W.T
        top = s.max(axis=1)
        log_norm = top + np.log(np.exp(s - top[:, None]).sum(axis=1))
        return float(np.mean(log_norm - s[np.arange(len(s)), self.labels]))

    def run(self, lr, steps):
        """Weights after `steps` steps and the mean NLL after each of 0..steps steps."""
        key = round(float(lr), 6)
        if key not in self.paths:
            W0 = np.zeros((self.classes, self.A.shape[1]))
            self.paths[key] = ([W0], [self._mean_nll(W0)])
        weights, losses = self.paths[key]
        while len(weights) <= steps:
            W = weights[-1]
            step = (self._probabilities(W) - self.targets).T @ self.A / len(self.A)
            W = W - lr * step
            weights.append(W)
            losses.append(self._mean_nll(W))
        return weights[steps], np.array(losses[:steps + 1])


def build_iris_explorer(lr: float = 0.5, steps: int = 50,
                        features=("petal_length", "sepal_width"), resolution: int = 120) -> Explorer:
    """Decision regions of softmax regression on two standardized Iris features.

    Left: the predicted class of every point of the plane (shading) and the
    flowers (dots, coloured by species).  Right: the mean NLL after each
    step.  Sliders: the learning rate and the number of gradient-descent
    steps, from W = 0 (all classes equally likely).  The loss is the MEAN
    over the 150 flowers, so these learning rates are 150 times those for
    the summed NLL of the assignment.
    """
    X, y = _iris_features(features)
    A = np.column_stack([X, np.ones(len(X))])
    trainer = _Trainer(A, y, 3)
    lo, hi = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel(), np.ones(gx.size)])

    fig = Figure(figsize=(8.0, 3.6))
    ax, ax_loss = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    regions = ax.imshow(np.zeros(gx.shape), origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
                        cmap=REGIONS, vmin=0, vmax=2, interpolation="nearest", aspect="auto")
    dots = [ax.scatter(*X[y == c].T, s=10, c=COLORS[c], edgecolors="white", linewidths=0.3, label=name)
            for c, name in enumerate(IRIS_SPECIES)]
    ax.set(xlabel=f"{features[0]} (standardized)", ylabel=f"{features[1]} (standardized)")
    legend = ax.legend(loc="upper left", fontsize=7, framealpha=0.9)
    (curve,) = ax_loss.plot([], [], color="black", lw=1.5)
    (now,) = ax_loss.plot([], [], "o", color="firebrick", ms=5)
    ax_loss.axhline(np.log(3), color="gray", lw=0.8, ls="--")
    # Fixed axes (the whole step budget, losses up to 3.5) so that only the
    # curve, the regions and the titles are redrawn on a change (Explorer's dynamic artists).
    ax_loss.set(xlabel="step", ylabel="mean NLL", xlim=(0, MAX_STEPS), ylim=(0, 3.5))
    ax.set_title("accuracy", fontsize=9)
    ax_loss.set_title("mean NLL", fontsize=9)
    fig.tight_layout()

    def update(lr, steps):
        steps = int(steps)
        W, losses = trainer.run(lr, steps)
        regions.set_data(np.argmax(grid @ W.T, axis=1).reshape(gx.shape))
        curve.set_data(np.arange(steps + 1), losses)
        now.set_data([steps], [losses[-1]])
        accuracy = np.mean(np.argmax(A @ W.T, axis=1) == y)
        ax.set_title(f"lr = {lr:.2f}, {steps} steps: accuracy {accuracy:.3f}", fontsize=9)
        ax_loss.set_title(f"mean NLL = {losses[-1]:.3f} (dashed: log 3, at W = 0)", fontsize=9)

    controls = {
        "lr": slider("learning rate", lr, 0.05, 20.0, 0.05),
        "steps": int_slider("steps", steps, 0, MAX_STEPS, 5),
    }
    return Explorer(fig, controls, update, dynamic=[regions, *dots, legend, curve, now, ax.title, ax_loss.title],
                    note="Loss: the MEAN negative log-likelihood over the 150 flowers.")


explore_iris = skip_while_grading(build_iris_explorer)
