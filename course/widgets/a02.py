"""Assignment 02: the negative log-likelihood of q on the car labels.

Drawn by the student's own ``bernoulli_nll`` (the curve), ``bernoulli_mle``
(the dashed line) and ``bernoulli_pmf`` (the right-hand bars).
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .._style import LABEL_COLORS
from ..data import load_auto_mpg
from ._base import Explorer, int_slider, skip_while_grading, slider

__all__ = ["build_nll_explorer", "explore_nll"]

EXERCISES = {"bernoulli_pmf": "exercise 1", "bernoulli_log_pmf": "exercise 2",
             "bernoulli_nll": "exercise 3", "bernoulli_mle": "exercise 4"}
_GRID = np.linspace(0.002, 0.998, 250)


def _meets_target():
    """1 for every car with mpg >= 30, in a fixed shuffled order (so any prefix is a fair sample)."""
    flags = (load_auto_mpg()["mpg"].to_numpy() >= 30).astype(int)
    return flags[np.random.default_rng(2).permutation(len(flags))]


def build_nll_explorer(bernoulli_nll, bernoulli_mle, bernoulli_pmf, q: float = 0.5, n: int = 398) -> Explorer:
    """A slider for q over YOUR NLL curve of the labels y = (mpg >= 30) of the first n cars.

    Left: ``bernoulli_nll(q, y)`` over a grid of q, the current q (red dot)
    and ``bernoulli_mle(y)`` (dashed line).  Right: the model's probabilities
    ``bernoulli_pmf([0, 1], q)`` as bars, next to those of your estimate.
    """
    labels = _meets_target()
    outcomes = np.array([0, 1])
    curves = {}  # n -> your NLL over the grid: one curve per sample size, reused on every q move

    def curve_for(n):
        if n not in curves:
            sample = labels[:n]
            with np.errstate(divide="ignore"):
                curves[n] = np.array([float(bernoulli_nll(float(t), sample)) for t in _GRID])
        return curves[n]

    fig = Figure(figsize=(8.0, 3.3))
    ax, bars_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    (curve,) = ax.plot([], [], color="black", lw=1.8, label="your NLL(q)")
    mle_line = ax.axvline(0.5, color="#0072B2", ls="--", lw=1.2, label="your MLE")
    (dot,) = ax.plot([], [], "o", color="#D55E00", ms=7, mec="black", label="current q")
    ax.set(xlim=(0, 1), xlabel="q", ylabel=r"NLL(q) $= -\sum_i \log p(y_i)$")
    ax.legend(loc="upper center", fontsize=8)
    model = bars_ax.bar([-0.18, 0.82], [0.5, 0.5], width=0.34, color=LABEL_COLORS[0], label="model: your pmf at q")
    mle = bars_ax.bar([0.18, 1.18], [0.5, 0.5], width=0.34, color="white", edgecolor="black", hatch="//",
                      label="your pmf at your MLE q*")
    bars_ax.set(xticks=[0, 1], xticklabels=["y = 0", "y = 1"], ylim=(0, 1.3), ylabel="probability")
    bars_ax.legend(loc="upper center", fontsize=8, ncol=2)
    ax.set_title("NLL", fontsize=9)
    bars_ax.set_title("p(y)", fontsize=9)
    # fixed margins instead of tight_layout: no layout engine, so each PNG is one draw
    fig.subplots_adjust(left=0.13, right=0.98, bottom=0.18, top=0.9, wspace=0.26)
    state = {}

    def update(q, n):
        sample = labels[:n]
        values = curve_for(n)
        best = float(bernoulli_mle(sample))
        with np.errstate(divide="ignore"):
            here = float(bernoulli_nll(float(q), sample))
        curve.set_data(_GRID, values)
        mle_line.set_xdata([best, best])
        dot.set_data([q], [min(here, 1e300)])
        finite = values[np.isfinite(values)]
        top = float(np.max(finite)) if finite.size else 1.0
        ax.set_ylim(min(0.0, float(np.min(finite)) if finite.size else 0.0), (top if top > 0 else 1.0) * 1.05)
        for bars, at in ((model, q), (mle, best)):
            heights = np.asarray(bernoulli_pmf(outcomes, at), dtype=float).ravel() if np.isfinite(at) else [0, 0]
            for bar, h in zip(bars, heights):
                bar.set_height(h if np.isfinite(h) else 0.0)
        ax.set_title(f"NLL({q:.2f}) = {here:.1f}   (your MLE q* = {best:.3f})", fontsize=9)
        bars_ax.set_title(f"{n} cars, {int(sample.sum())} of them meet the target", fontsize=9)
        state.update(q=q, n=n, nll=here, mle=best, lowest=float(_GRID[np.nanargmin(values)])
                     if finite.size else float("nan"))

    def describe():
        return (f"Your NLL of q for the first {state['n']} cars: {state['nll']:.1f} at q = {state['q']:.2f}; "
                f"the curve is lowest near q = {state['lowest']:.2f}, and your bernoulli_mle "
                f"gives q* = {state['mle']:.3f}.")

    controls = {"q": slider("q = p(y=1)", q, 0.01, 0.99, step=0.01,
                            tooltip="the model's probability that a car meets the target: moves the red dot"),
                "n": int_slider("cars used (n)", n, 5, 398,
                                tooltip="how many cars the NLL is summed over: changes the curve and the MLE")}
    # The curve's y range follows n, so its y axis is redrawn with the data;
    # everything else (the other axes, labels, legends) is a fixed background.
    return Explorer(fig, controls, update,
                    dynamic=[ax.yaxis, curve, mle_line, dot, *model, *mle, ax.title, bars_ax.title],
                    describe=describe, exercises=EXERCISES)


explore_nll = skip_while_grading(build_nll_explorer, EXERCISES)
