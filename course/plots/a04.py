"""Figures of assignment 04: maximum likelihood for logistic regression."""
from __future__ import annotations

import numpy as np

from ..data import load_figure_data
from ._util import LABEL_COLORS, LABEL_MARKERS, LABEL_REGIONS, figure

__all__ = ["plot_boundary_line", "plot_difference_errors", "plot_loss_curve", "plot_probability_curve"]


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
def plot_probability_curve(x, y, w, logistic_nll_grad, name="weight (standardized)"):
    """The labels (0/1, slightly jittered) against one feature, and p(y=1 | x) = sigmoid(w[0] x + w[1]).

    The curve comes from YOUR ``logistic_nll_grad``: for a single observation
    (x, 1) with label 0 the gradient is sigmoid(w . (x, 1)) (x, 1), so its
    last (bias) component is the probability of label 1.
    """
    import matplotlib.pyplot as plt

    x, y = np.asarray(x, dtype=float), np.asarray(y)
    slope, bias = float(w[0]), float(w[1])
    grid = np.linspace(x.min() - 0.5, x.max() + 0.5, 300)
    w = np.array([slope, bias])
    zero = np.zeros(1, dtype=int)
    p = np.array([float(np.asarray(logistic_nll_grad(w, np.array([[g, 1.0]]), zero)).ravel()[-1]) for g in grid])
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


@figure
def plot_boundary_line(X, y, w, names=("feature 1", "feature 2"), title=""):
    """Two-feature data coloured by label, and the line w[0] x1 + w[1] x2 + w[2] = 0.

    The half-plane the normal (w[0], w[1]) points into, where the score is
    positive and label 1 is predicted, is shaded: geometry of the line, no
    observation is classified here.
    """
    import matplotlib.pyplot as plt

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    w1, w2, b = (float(v) for v in w)
    pad = 0.5
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.set_facecolor(LABEL_REGIONS[0])
    if w2 != 0:
        xs = np.linspace(x0, x1, 2)
        line = -(w1 * xs + b) / w2
        ax.fill_between(xs, line, y1 if w2 > 0 else y0, color=LABEL_REGIONS[1], zorder=0)
        ax.plot(xs, line, color="black", lw=1.5, label="boundary $x^Tw = 0$")
    elif w1 != 0:
        cut = -b / w1
        ax.axvspan(cut, x1 if w1 > 0 else x0, color=LABEL_REGIONS[1], zorder=0)
        ax.axvline(cut, color="black", lw=1.5, label="boundary $x^Tw = 0$")
    for label in (0, 1):
        ax.scatter(*X[y == label].T, s=12, c=LABEL_COLORS[label], marker=LABEL_MARKERS[label],
                   label=("fails target (label 0)", "meets target (label 1)")[label], zorder=2)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel=names[0], ylabel=names[1],
           title=title or "Decision boundary (shaded: label 1 predicted)")
    ax.legend(loc="upper left", fontsize=8)
    slope = f"{-w1 / w2:.2f}" if w2 != 0 else "vertical"
    fig.course_description = (f"The {len(y)} points over {names[0]} and {names[1]} with the line "
                              f"{w1:.2f} x1 + {w2:.2f} x2 + {b:.2f} = 0 (slope {slope}); the side "
                              f"where the score is positive is shaded.")
    return fig
