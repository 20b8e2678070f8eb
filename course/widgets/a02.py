"""Assignment 02: the negative log-likelihood of q on the car labels."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..data import load_auto_mpg
from ._base import Explorer, int_slider, skip_while_grading, slider

__all__ = ["build_nll_explorer", "explore_nll"]

_GRID = np.linspace(0.002, 0.998, 400)
_LOG_GRID, _LOG_REST = np.log(_GRID), np.log(1.0 - _GRID)


def _meets_target():
    """1 for every car with mpg >= 30, in a fixed shuffled order (so any prefix is a fair sample)."""
    flags = (load_auto_mpg()["mpg"].to_numpy() >= 30).astype(int)
    return flags[np.random.default_rng(2).permutation(len(flags))]


def _curve(heads: int, tails: int, at):
    """The NLL heads * (-log q) + tails * (-log(1 - q)), with 0 * log 0 read as 0."""
    at = np.asarray(at, dtype=float)
    with np.errstate(divide="ignore"):
        part1 = -np.log(at) * heads if heads else np.zeros_like(at)
        part0 = -np.log1p(-at) * tails if tails else np.zeros_like(at)
    return part1 + part0


def build_nll_explorer(q: float = 0.5, n: int = 398) -> Explorer:
    """A slider for q over the NLL curve of the labels y = (mpg >= 30) of the first n cars.

    Left: the curve NLL(q), the current q (red dot) and the maximum-likelihood
    estimate (dashed line at the fraction of ones).  Right: the model's
    probabilities p(y=0) = 1 - q and p(y=1) = q as bars, next to the observed
    fractions of the two labels.
    """
    labels = _meets_target()

    fig = Figure(figsize=(8.0, 3.3))
    ax, bars_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    (curve,) = ax.plot([], [], color="tab:purple", lw=1.8, label="NLL(q)")
    mle_line = ax.axvline(0.5, color="black", ls="--", lw=1, label="MLE")
    (dot,) = ax.plot([], [], "o", color="tab:red", ms=7, label="current q")
    ax.set(xlim=(0, 1), xlabel="q", ylabel=r"NLL(q) $= -\sum_i \log p(y_i)$")
    ax.legend(loc="upper center", fontsize=8)
    model = bars_ax.bar([-0.18, 0.82], [0.5, 0.5], width=0.34, color="tab:red", alpha=0.7, label="model: 1 - q, q")
    data = bars_ax.bar([0.18, 1.18], [0.5, 0.5], width=0.34, color="gray", label="data: fraction")
    bars_ax.set(xticks=[0, 1], xticklabels=["y = 0", "y = 1"], ylim=(0, 1.3), ylabel="probability")
    bars_ax.legend(loc="upper center", fontsize=8, ncol=2)
    ax.set_title("NLL", fontsize=9)
    bars_ax.set_title("p(y)", fontsize=9)
    # fixed margins instead of tight_layout: no layout engine, so each PNG is one draw
    fig.subplots_adjust(left=0.13, right=0.98, bottom=0.18, top=0.9, wspace=0.26)

    def update(q, n):
        heads = int(labels[:n].sum())
        tails = n - heads
        values = _curve(heads, tails, _GRID)
        curve.set_data(_GRID, values)
        best = heads / n
        mle_line.set_xdata([best, best])
        here = float(_curve(heads, tails, [q])[0])
        dot.set_data([q], [min(here, 1e300)])
        ax.set_ylim(0, float(np.max(values[np.isfinite(values)])) * 1.05)
        for bar, h in zip(model, (1 - q, q)):
            bar.set_height(h)
        for bar, h in zip(data, (tails / n, heads / n)):
            bar.set_height(h)
        ax.set_title(f"NLL({q:.2f}) = {here:.1f}   (MLE q = {best:.3f})", fontsize=9)
        bars_ax.set_title(f"{n} cars, {heads} of them meet the target", fontsize=9)

    controls = {"q": slider("q = p(y=1)", q, 0.01, 0.99, step=0.01),
                "n": int_slider("cars used (n)", n, 5, 398)}
    # The curve's y range follows n, so its y axis is redrawn with the data;
    # everything else (the other axes, labels, legends) is a fixed background.
    return Explorer(fig, controls, update,
                    dynamic=[ax.yaxis, curve, mle_line, dot, *model, *data, ax.title, bars_ax.title])


explore_nll = skip_while_grading(build_nll_explorer)
