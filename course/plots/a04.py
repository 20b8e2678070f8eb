"""Figures of assignment 04: maximum likelihood for logistic regression."""
from __future__ import annotations

import numpy as np

from ..data import load_figure_data
from ._util import LABEL_COLORS, LABEL_MARKERS, figure

__all__ = ["plot_difference_errors", "plot_loss_curve", "plot_probability_curve"]


@figure
def plot_difference_errors():
    """Error of one-sided and central differences of f = exp at t = 1, against the step eps.

    The true derivative is exp(t).  One-sided differences are off by about
    eps f''/2 (a line of slope 1 on log-log axes), central ones by about
    eps^2 f'''/6 (slope 2).  For tiny eps both are swamped by rounding: the
    two values of f agree in almost all their digits, and their difference
    keeps only the few that differ (the rising left part).  The errors are
    precomputed (course/data/figures.json): the figure comes before the
    exercise that asks for central differences.
    """
    import matplotlib.pyplot as plt

    data = load_figure_data("difference_errors")
    t, eps, one_sided, central = data["t"], data["eps"], data["one_sided"], data["central"]
    fig, ax = plt.subplots(figsize=(6.2, 4))
    tiny = 1e-17
    ax.loglog(eps, one_sided + tiny, label="one-sided  (f(t+eps) - f(t)) / eps", color="#D55E00", ls="--")
    ax.loglog(eps, central + tiny, label="central  (f(t+eps) - f(t-eps)) / (2 eps)", color="#0072B2")
    ax.axvline(1e-6, color="gray", ls=":", lw=1)
    ax.text(1e-6, 1e-15, " eps = 1e-6", color="gray")
    ax.set(xlabel="step eps", ylabel="|error| of the derivative", ylim=(1e-16, 1),
           title=f"Derivative of exp at t = {t:g}: central differences win")
    ax.legend(fontsize=8, loc="upper left")
    best = int(np.argmin(central))
    fig.course_description = (f"Log-log plot of the error against the step eps: one-sided differences (dashed) "
                              f"are never better than {one_sided.min():.0e}, central ones reach {central[best]:.0e} "
                              f"near eps = {eps[best]:.0e}; both get worse again for tiny eps, from rounding.")
    return fig


@figure
def plot_loss_curve(losses, ylabel="NLL", title="The loss along the gradient-descent path"):
    """A loss after each of the steps 0, 1, ..., steps (pass a list or an array)."""
    import matplotlib.pyplot as plt

    losses = np.asarray(losses, dtype=float)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.plot(np.arange(len(losses)), losses, color="black")
    ax.set(xlabel="step k", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    fig.course_description = (f"The loss after each of {len(losses) - 1} steps, from {losses[0]:.2f} at the start "
                              f"to {losses[-1]:.2f} at the end.")
    return fig


@figure
def plot_probability_curve(x, y, w, logistic_nll, name="weight (standardized)"):
    """The labels (0/1, slightly jittered) against one feature, and p(y=1 | x) = sigmoid(w[0] x + w[1]).

    The curve comes from YOUR ``logistic_nll``: the NLL of a single
    observation (x, 1) is -log p(y=1 | x), so p = exp(-NLL).
    """
    import matplotlib.pyplot as plt

    x, y = np.asarray(x, dtype=float), np.asarray(y)
    slope, bias = float(w[0]), float(w[1])
    grid = np.linspace(x.min() - 0.5, x.max() + 0.5, 300)
    w = np.array([slope, bias])
    one = np.ones(1, dtype=int)
    nll = np.array([float(logistic_nll(w, np.array([[g, 1.0]]), one)) for g in grid])
    p = np.exp(-nll)  # allowed: turns your own NLL back into the probability it came from
    jitter = np.random.default_rng(0).uniform(-0.04, 0.04, len(y))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label in (0, 1):
        mask = y == label
        ax.scatter(x[mask], y[mask] + jitter[mask], s=10, c=LABEL_COLORS[label], marker=LABEL_MARKERS[label],
                   alpha=0.7, label=f"label {label}")
    ax.plot(grid, p, color="black", lw=2, label=r"$p(y=1 \mid x) = \sigma(wx + b)$")
    ax.axhline(0.5, color="gray", ls="--", lw=0.8)
    if slope != 0:
        ax.axvline(-bias / slope, color="gray", ls=":", lw=1)
    ax.set(xlabel=name, ylabel="label / probability", ylim=(-0.15, 1.15),
           title=f"Maximum likelihood fit: w = {slope:.2f}, b = {bias:.2f}")
    ax.legend(loc="center right", fontsize=8)
    where = f"it crosses 1/2 at {name} = {-bias / slope:.2f}" if slope != 0 else "it is flat"
    fig.course_description = (f"The car labels against {name} with your fitted probability of label 1, "
                              f"from {p[0]:.2f} at the left to {p[-1]:.2f} at the right; {where}.")
    return fig
