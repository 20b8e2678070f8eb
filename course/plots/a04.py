"""Figures of assignment 04: maximum likelihood for logistic regression."""
from __future__ import annotations

import numpy as np

from ._util import LABEL_COLORS, figure

__all__ = ["plot_difference_errors", "plot_loss_curve", "plot_probability_curve"]


@figure
def plot_difference_errors(t: float = 1.0):
    """Error of one-sided and central differences of f = exp at t, against the step eps.

    The true derivative is exp(t).  One-sided differences are off by about
    eps f''/2 (a line of slope 1 on log-log axes), central ones by about
    eps^2 f'''/6 (slope 2).  For tiny eps both are swamped by rounding: the
    two values of f agree in almost all their digits, and their difference
    keeps only the few that differ (the rising left part).
    """
    import matplotlib.pyplot as plt

    eps = np.logspace(-13, -1, 97)
    exact = np.exp(t)
    one_sided = np.abs((np.exp(t + eps) - np.exp(t)) / eps - exact)
    central = np.abs((np.exp(t + eps) - np.exp(t - eps)) / (2 * eps) - exact)
    fig, ax = plt.subplots(figsize=(6.2, 4))
    tiny = 1e-17
    ax.loglog(eps, one_sided + tiny, label="one-sided  (f(t+eps) - f(t)) / eps", color="#d95f02")
    ax.loglog(eps, central + tiny, label="central  (f(t+eps) - f(t-eps)) / (2 eps)", color="#1b9e77")
    ax.axvline(1e-6, color="gray", ls=":", lw=1)
    ax.text(1e-6, 1e-15, " eps = 1e-6", color="gray")
    ax.set(xlabel="step eps", ylabel="|error| of the derivative", ylim=(1e-16, 1),
           title=f"Derivative of exp at t = {t:g}: central differences win")
    ax.legend(fontsize=8, loc="upper left")
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
    return fig


@figure
def plot_probability_curve(x, y, w, name="weight (standardized)"):
    """The labels (0/1, slightly jittered) against one feature, and p(y=1 | x) = sigmoid(w[0] x + w[1])."""
    import matplotlib.pyplot as plt

    x, y = np.asarray(x, dtype=float), np.asarray(y)
    slope, bias = float(w[0]), float(w[1])
    grid = np.linspace(x.min() - 0.5, x.max() + 0.5, 300)
    p = np.exp(-np.logaddexp(0.0, -(slope * grid + bias)))
    jitter = np.random.default_rng(0).uniform(-0.04, 0.04, len(y))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label in (0, 1):
        mask = y == label
        ax.scatter(x[mask], y[mask] + jitter[mask], s=10, c=LABEL_COLORS[label], alpha=0.7,
                   label=f"label {label}")
    ax.plot(grid, p, color="black", lw=2, label=r"$p(y=1 \mid x) = \sigma(wx + b)$")
    ax.axhline(0.5, color="gray", ls="--", lw=0.8)
    if slope != 0:
        ax.axvline(-bias / slope, color="gray", ls=":", lw=1)
    ax.set(xlabel=name, ylabel="label / probability", ylim=(-0.15, 1.15),
           title=f"Maximum likelihood fit: w = {slope:.2f}, b = {bias:.2f}")
    ax.legend(loc="center right", fontsize=8)
    return fig
