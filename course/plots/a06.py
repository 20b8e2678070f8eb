"""Figures of assignment 06: runaway weights, and the confusion matrix.

They draw numbers the notebook computed with the student's own functions;
nothing here evaluates a loss or a gradient.
"""
from __future__ import annotations

import numpy as np

from ._util import figure

__all__ = ["plot_runaway_weights", "plot_confusion_matrix"]


@figure
def plot_runaway_weights(steps, norms, losses, norms_penalized=None, lam=None):
    """||w|| and the NLL along gradient descent on separable data (log-scaled steps).

    ``norms`` / ``losses``: without a penalty; ``norms_penalized``: with the L2
    penalty of strength ``lam``, which levels off instead of growing for ever.
    """
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(8.6, 3.3))
    left.plot(steps, norms, color="firebrick", label="no penalty")
    if norms_penalized is not None:
        left.plot(steps, norms_penalized, color="#1b9e77", label=f"L2 penalty, lam = {lam:g}")
    left.set(xscale="log", xlabel="gradient-descent step", ylabel="||w|| (without the bias)",
             title="The weights run away")
    left.legend(fontsize=8)
    right.plot(steps, losses, color="firebrick")
    right.set(xscale="log", yscale="log", xlabel="gradient-descent step", ylabel="NLL (no penalty)",
              title="... while the NLL creeps towards 0")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.minorticks_off()  # decades suffice; the log axes' minor ticks were a third of the drawing time
    # fixed margins instead of tight_layout, which measures every tick label once more
    fig.subplots_adjust(left=0.08, right=0.985, bottom=0.15, top=0.9, wspace=0.28)
    return fig


@figure
def plot_confusion_matrix(M, names=("0: below target", "1: meets target"), title="Confusion matrix"):
    """A C by C count matrix: rows are the true classes, columns the predicted ones."""
    import matplotlib.pyplot as plt

    M = np.asarray(M)
    fig, ax = plt.subplots(figsize=(3.8, 3.4))
    ax.imshow(M, cmap="Blues", vmin=0)
    for (i, j), count in np.ndenumerate(M):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if count > M.max() / 2 else "black", fontsize=12)
    ticks = range(len(M))
    ax.set(xticks=ticks, yticks=ticks, xticklabels=names[:len(M)], yticklabels=names[:len(M)],
           xlabel="predicted class", ylabel="true class", title=title)
    fig.tight_layout()
    return fig
