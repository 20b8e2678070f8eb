"""Figures of assignment 02: the Bernoulli distribution and maximum likelihood."""
from __future__ import annotations

import numpy as np

from ..data import load_auto_mpg
from ._util import LABEL_COLORS, figure

__all__ = ["plot_flat_losses", "plot_bernoulli_pmf", "plot_coin_flips", "plot_likelihood_vs_nll"]


def _weight_and_labels():
    cars = load_auto_mpg()
    weight = cars["weight"].to_numpy()
    return (weight - weight.mean()) / weight.std(), (cars["mpg"].to_numpy() >= 30).astype(int)


@figure
def plot_flat_losses(bias: float = -1.0):
    """Accuracy and squared error of I(w x + b >= 0) as functions of the slope w.

    x is the standardized car weight, b is held fixed.  Both curves are
    staircases: flat (slope 0) except at the jumps.
    """
    import matplotlib.pyplot as plt

    x, y = _weight_and_labels()
    slopes = np.linspace(-6.0, 2.0, 801)
    predicted = (np.outer(slopes, x) + bias >= 0).astype(int)        # (slopes, cars)
    acc = (predicted == y).mean(axis=1)
    sq = ((predicted - y) ** 2).sum(axis=1)
    fig, (left, right, zoom) = plt.subplots(1, 3, figsize=(12, 3.3))
    left.plot(slopes, acc, color="tab:blue", lw=1.2, drawstyle="steps-post")
    left.set(xlabel="slope w", ylabel="accuracy", title=f"Accuracy of I(w x {bias:+g} >= 0)")
    right.plot(slopes, sq, color="tab:red", lw=1.2, drawstyle="steps-post")
    right.set(xlabel="slope w", ylabel=r"$\sum_i (f(x_i) - y_i)^2$",
              title="Squared error of the 0/1 predictions")
    lo, hi = -2.3, -1.7
    left.axvspan(lo, hi, color="gray", alpha=0.2)
    fine = np.linspace(lo, hi, 1201)
    fine_acc = ((np.outer(fine, x) + bias >= 0).astype(int) == y).mean(axis=1)
    zoom.plot(fine, fine_acc, color="tab:blue", lw=1.5, drawstyle="steps-post")
    zoom.set(xlabel="slope w", ylabel="accuracy", title="Zoom (grey band): flat steps and jumps")
    zoom.annotate("slope 0 here:\ngradient descent\ncannot move", (-2.0, float(np.interp(-2.0, fine, fine_acc))),
                  textcoords="offset points", xytext=(-10, -45), fontsize=8,
                  arrowprops=dict(arrowstyle="->", lw=0.8))
    fig.tight_layout()
    return fig


@figure
def plot_bernoulli_pmf(qs=(0.2, 0.5, 0.9)):
    """Bar charts of p(y) for y in {0, 1}, one panel per value of q."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(qs), figsize=(3.0 * len(qs), 2.8), sharey=True)
    for ax, q in zip(np.atleast_1d(axes), qs):
        heights = [1.0 - q, q]
        ax.bar([0, 1], heights, color=[LABEL_COLORS[0], LABEL_COLORS[1]], width=0.6)
        for k, h in enumerate(heights):
            ax.text(k, h + 0.02, f"{h:.2f}", ha="center")
        ax.set(xticks=[0, 1], xticklabels=["y = 0\n(tails)", "y = 1\n(heads)"], ylim=(0, 1.1),
               title=f"q = {q:g}")
    np.atleast_1d(axes)[0].set_ylabel("p(y)")
    fig.tight_layout()
    return fig


@figure
def plot_coin_flips(flips, q=None):
    """The running fraction of ones in a sequence of 0/1 flips (and the true q, if given)."""
    import matplotlib.pyplot as plt

    flips = np.asarray(flips, dtype=float)
    n = np.arange(1, len(flips) + 1)
    running = np.cumsum(flips) / n
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(n, running, color="black", lw=1.2, label="fraction of heads after n flips")
    if q is not None:
        ax.axhline(q, color="tab:blue", ls="--", label=f"true q = {q:g}")
    ax.set(xscale="log", xlabel="number of flips n (log scale)", ylabel="fraction of heads",
           ylim=(-0.02, 1.02), title="The fraction of heads settles near q")
    ax.legend(loc="upper right")
    return fig


@figure
def plot_likelihood_vs_nll(qs, likelihood, nll, mle=None):
    """The likelihood and the negative log-likelihood over a grid of q, side by side."""
    import matplotlib.pyplot as plt

    qs = np.asarray(qs, dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    left.plot(qs, np.asarray(likelihood, dtype=float), color="tab:green")
    left.set(xlabel="q", ylabel=r"$\prod_i p(y_i)$", title="Likelihood (maximize)")
    right.plot(qs, np.asarray(nll, dtype=float), color="tab:purple")
    right.set(xlabel="q", ylabel=r"$-\sum_i \log p(y_i)$", title="Negative log-likelihood (minimize)")
    if mle is not None:
        for ax in (left, right):
            ax.axvline(float(mle), color="black", ls="--", lw=1, label=f"MLE q = {float(mle):.3f}")
            ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig
