"""Figures of assignment 02: the Bernoulli distribution and maximum likelihood."""
from __future__ import annotations

import numpy as np

from ..data import load_figure_data
from ._util import LABEL_COLORS, figure

__all__ = ["plot_flat_losses", "plot_bernoulli_pmf", "plot_coin_flips", "plot_likelihood_vs_nll"]


@figure
def plot_flat_losses():
    """Accuracy and squared error of I(w x + b >= 0) as functions of the slope w.

    x is the standardized car weight, b = -1 is held fixed.  Both curves are
    staircases: flat (slope 0) except at the jumps.  The curves are
    precomputed (course/data/figures.json): the figure comes before the
    exercises, and drawing it would take assignment 01's classifier.
    """
    import matplotlib.pyplot as plt

    data = load_figure_data("flat_losses")
    bias, slopes, acc, sq = data["bias"], data["slopes"], data["accuracy"], data["squared_error"]
    fig, (left, right, zoom) = plt.subplots(1, 3, figsize=(12, 3.3))
    left.plot(slopes, acc, color="#0072B2", lw=1.2, drawstyle="steps-post")
    left.set(xlabel="slope w", ylabel="accuracy", title=f"Accuracy of I(w x {bias:+g} >= 0)")
    right.plot(slopes, sq, color="#D55E00", lw=1.2, ls="--", drawstyle="steps-post")
    right.set(xlabel="slope w", ylabel=r"$\sum_i (f(x_i) - y_i)^2$",
              title="Squared error of the 0/1 predictions")
    lo, hi = -2.3, -1.7
    left.axvspan(lo, hi, color="gray", alpha=0.2)
    fine, fine_acc = data["zoom_slopes"], data["zoom_accuracy"]
    zoom.plot(fine, fine_acc, color="#0072B2", lw=1.5, drawstyle="steps-post")
    zoom.set(xlabel="slope w", ylabel="accuracy", title="Zoom (grey band): flat steps and jumps")
    zoom.annotate("slope 0 here:\ngradient descent\ncannot move", (-2.0, float(np.interp(-2.0, fine, fine_acc))),
                  textcoords="offset points", xytext=(-10, -45), fontsize=8,
                  arrowprops=dict(arrowstyle="->", lw=0.8))
    fig.tight_layout()
    fig.course_description = (f"Three panels: accuracy (from {acc.min():.2f} to {acc.max():.2f}) and squared error "
                              "against the slope w are staircases, flat between jumps; the zoom shows flat steps "
                              "where the slope, and so the gradient, is 0.")
    return fig


@figure
def plot_bernoulli_pmf(qs=(0.2, 0.5, 0.9)):
    """Bar charts of p(y) for y in {0, 1}, one panel per value of q (a multiple of 0.01).

    The figure comes before the exercise that asks for the pmf, so its bars
    are precomputed (course/data/figures.json), on the grid q = 0, 0.01, ..., 1.
    """
    import matplotlib.pyplot as plt

    table = load_figure_data("bernoulli_pmf")
    rows = [int(round(q * 100)) for q in qs]
    if any(not 0 <= r <= 100 or abs(r / 100 - q) > 1e-9 for r, q in zip(rows, qs)):
        raise ValueError(f"plot_bernoulli_pmf draws q = 0, 0.01, ..., 1 only, not {tuple(qs)}")
    fig, axes = plt.subplots(1, len(qs), figsize=(3.0 * len(qs), 2.8), sharey=True)
    for ax, q, r in zip(np.atleast_1d(axes), qs, rows):
        heights = [float(table["p0"][r]), float(table["p1"][r])]
        ax.bar([0, 1], heights, color=[LABEL_COLORS[0], LABEL_COLORS[1]], width=0.6, hatch=["//", ""])
        for k, h in enumerate(heights):
            ax.text(k, h + 0.02, f"{h:.2f}", ha="center")
        ax.set(xticks=[0, 1], xticklabels=["y = 0\n(tails)", "y = 1\n(heads)"], ylim=(0, 1.1),
               title=f"q = {q:g}")
    np.atleast_1d(axes)[0].set_ylabel("p(y)")
    fig.tight_layout()
    fig.course_description = ("Bar charts of p(y = 0) = 1 - q and p(y = 1) = q for q = "
                              + ", ".join(f"{q:g}" for q in qs) + ".")
    return fig


@figure
def plot_coin_flips(flips, bernoulli_mle, q=None):
    """YOUR estimate ``bernoulli_mle(flips[:n])`` after n flips, for n = 1 .. len(flips)
    (and the true q, if given)."""
    import matplotlib.pyplot as plt

    flips = np.asarray(flips)
    n = np.unique(np.geomspace(1, len(flips), 300).astype(int))  # log-spaced: the x axis is logarithmic
    running = np.array([float(bernoulli_mle(flips[:k])) for k in n])
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(n, running, color="black", lw=1.2, label="your MLE after n flips")
    if q is not None:
        ax.axhline(q, color="#0072B2", ls="--", label=f"true q = {q:g}")
    ax.set(xscale="log", xlabel="number of flips n (log scale)", ylabel="estimate of q",
           ylim=(-0.02, 1.02), title="The estimate settles near q")
    ax.legend(loc="upper right")
    fig.course_description = (f"Your bernoulli_mle after the first n of {len(flips)} flips, n on a log scale: "
                              f"{running[0]:.2f} after 1 flip, {running[-1]:.3f} after all"
                              + (f", against the true q = {q:g}." if q is not None else "."))
    return fig


@figure
def plot_likelihood_vs_nll(qs, likelihood, nll, mle=None):
    """The likelihood and the negative log-likelihood over a grid of q, side by side."""
    import matplotlib.pyplot as plt

    qs = np.asarray(qs, dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    left.plot(qs, np.asarray(likelihood, dtype=float), color="#009E73")
    left.set(xlabel="q", ylabel=r"$\prod_i p(y_i)$", title="Likelihood (maximize)")
    right.plot(qs, np.asarray(nll, dtype=float), color="#CC79A7", ls="--")
    right.set(xlabel="q", ylabel=r"$-\sum_i \log p(y_i)$", title="Negative log-likelihood (minimize)")
    if mle is not None:
        for ax in (left, right):
            ax.axvline(float(mle), color="black", ls="--", lw=1, label=f"MLE q = {float(mle):.3f}")
            ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    likelihood, nll = np.asarray(likelihood, dtype=float), np.asarray(nll, dtype=float)
    fig.course_description = (f"The likelihood over q (highest at q = {qs[np.nanargmax(likelihood)]:.3f}) and the "
                              f"negative log-likelihood (lowest at q = {qs[np.nanargmin(nll)]:.3f}): the same "
                              "best q, one a peak, the other a valley.")
    return fig
