"""Assignment 06: the strength of the L2 penalty, on the student's own fit.

The explorer is handed the student's ``split_indices`` and
``fit_logistic_regression``, and the notebook's ``linear_classify`` (assignment
01's, given in 06's notebook), and computes nothing graded itself: the split
and every weight vector come from the student's two functions, every
predicted class (the shading and the mistakes counted on both sets) from
``linear_classify``.  The features are scaled with the mean and standard
deviation of the student's training cars (not shippable: the split is the
student's), the one formula of 01 this module keeps.
All fits (one per lam on a log grid) are made once, when the explorer is
built, so moving the slider only looks one up and redraws: the student's
fit may be slow gradient descent without making the slider slow.  A function
that is still the stub (NotImplementedError) gives one friendly line naming
it and its exercise instead of a traceback (``skip_while_grading``).
"""
from __future__ import annotations

import time

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..data import load_auto_mpg
from ._base import Explorer, skip_while_grading

__all__ = ["build_regularization_explorer", "explore_regularization"]

FEATURES = ("weight", "acceleration")
LAMS = np.logspace(-3, 3, 25)
REGIONS = ListedColormap(["#fbe3d1", "#d5efe8"])
COLORS = ("#d95f02", "#1b9e77")
BUDGET_S = 8.0  # fitting stops at the next lam once this much time is spent
EXERCISES = {"split_indices": "exercise 1", "fit_logistic_regression": "exercise 4",
             "linear_classify": "the cell from assignment 01"}


def cubic_features(Z):
    """All monomials of the two columns of Z up to degree 3, then the column of ones (last)."""
    a, b = Z[:, 0], Z[:, 1]
    return np.column_stack([a, b, a * a, a * b, b * b, a ** 3, a * a * b, a * b * b, b ** 3, np.ones(len(Z))])


def _data(split_indices, test_fraction, seed):
    cars = load_auto_mpg(drop_unknown_horsepower=True)
    raw = cars[list(FEATURES)].to_numpy(dtype=float)
    y = (cars["mpg"].to_numpy() >= 30.0).astype(int)
    train, test = (np.asarray(i, dtype=int) for i in split_indices(len(y), test_fraction, seed))
    # Scaled by the statistics of YOUR training cars, which no file can ship (the split is yours):
    # 06's lesson (the test set influences nothing the fit uses), and with all 392 cars' statistics
    # a plain Newton fit diverges at one of the smallest lam.
    mean, std = raw[train].mean(axis=0), raw[train].std(axis=0)
    return (raw - mean) / std, y, train, test


def _fits(fit_logistic_regression, P, y, budget_s):
    """(lams, weights) from the largest lam down, until the time budget is spent."""
    lams, weights, start = [], [], time.perf_counter()
    for lam in LAMS[::-1]:
        weights.append(np.asarray(fit_logistic_regression(P, y, float(lam)), dtype=float))
        lams.append(float(lam))
        if time.perf_counter() - start > budget_s:
            break
    return np.array(lams[::-1]), np.array(weights[::-1])


def build_regularization_explorer(split_indices, fit_logistic_regression, linear_classify,
                                  test_fraction: float = 0.9, seed: int = 4, resolution: int = 110,
                                  budget_s: float = BUDGET_S) -> Explorer:
    """Decision boundary of a cubic model of two car features, for a lam chosen on a log scale.

    ``split_indices`` splits the cars, ``fit_logistic_regression(X, y, lam)``
    fits the weights on the training cars, ``linear_classify(X, w)`` (1 where
    the score is >= 0) predicts the class of the cars and of the plane.
    Left: the predicted class over the plane (shading), the training cars
    (large dots) and the test cars (small dots).  Right: the misclassified
    training and test cars against lam (log scale; two count axes, the sets
    differ in size), with the chosen lam marked.  The title shows both counts
    and ||w|| (without the bias).  The training set is
    small on purpose (1 - test_fraction of the 392 cars): a flexible model
    fitted to few points is where the penalty matters.
    """
    import ipywidgets as ipw

    Z, y, train, test = _data(split_indices, test_fraction, seed)
    P = cubic_features(Z)
    lams, weights = _fits(fit_logistic_regression, P[train], y[train], budget_s)

    def mistakes(w, idx):  # a count of YOUR linear_classify's errors, not 01's accuracy
        return int(np.count_nonzero(np.asarray(linear_classify(P[idx], w)) != y[idx]))

    train_err = np.array([mistakes(w, train) for w in weights])
    test_err = np.array([mistakes(w, test) for w in weights])
    norms = np.linalg.norm(weights[:, :-1], axis=1)

    lo, hi = Z.min(axis=0) - 0.3, Z.max(axis=0) + 0.3
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = cubic_features(np.column_stack([gx.ravel(), gy.ravel()]))
    regions_by_lam = [np.asarray(linear_classify(grid, w), dtype=float).reshape(gx.shape) for w in weights]

    fig = Figure(figsize=(8.6, 3.7))
    ax, ax_curve = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    regions = ax.imshow(regions_by_lam[0], origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), cmap=REGIONS,
                        vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    dots = []
    for label in (0, 1):
        for idx, size, kind in ((test, 6, "test"), (train, 30, "train")):
            chosen = idx[y[idx] == label]
            dots.append(ax.scatter(*Z[chosen].T, s=size, c=COLORS[label], edgecolors="black" if kind == "train" else "none",
                       linewidths=0.5, label=f"{kind}, y = {label}", alpha=1.0 if kind == "train" else 0.6))
    ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), xlabel=f"{FEATURES[0]} (standardized)",
           ylabel=f"{FEATURES[1]} (standardized)")
    ax_test = ax_curve.twinx()
    curves = ax_curve.plot(lams, train_err, "-o", ms=3, color="black", label="training mistakes (left)")
    curves += ax_test.plot(lams, test_err, "-o", ms=3, color="firebrick", label="test mistakes (right)")
    ax_curve.set_xscale("log")
    ax_curve.set(xlabel="lam (log scale)", ylabel=f"misclassified of {len(train)} training cars",
                 ylim=(0, len(train) / 2))
    ax_test.set_ylim(0, len(test) / 2)
    ax_test.set_ylabel(f"misclassified of {len(test)} test cars", color="firebrick")
    # One legend, on the static right panel: text is the costliest thing to redraw.
    ax_curve.legend(handles=curves + dots, loc="upper left", fontsize=6, ncol=2, framealpha=0.9)
    marker = ax_curve.axvline(lams[0], color="gray", lw=1.5, ls="--")
    ax.set_title("lam\nmistakes", fontsize=9)
    ax_curve.set_title("mistakes against lam", fontsize=9)
    ax_curve.minorticks_off()  # the log axis' minor ticks cost more to lay out than the fits
    # fixed margins instead of tight_layout: no layout pass over every tick label at build time
    fig.subplots_adjust(left=0.075, right=0.925, bottom=0.13, top=0.87, wspace=0.32)

    state = {}

    def update(lam_index):
        k = int(lam_index)
        regions.set_data(regions_by_lam[k])
        marker.set_xdata([lams[k], lams[k]])
        ax.set_title(f"lam = {lams[k]:.3g}:  ||w|| = {norms[k]:.2f}\n"
                     f"misclassified: {train_err[k]} of {len(train)} training cars, "
                     f"{test_err[k]} of {len(test)} test cars", fontsize=9)
        state.update(k=k, share=float(np.mean(regions_by_lam[k])))

    def describe():
        k = state["k"]
        return (f"Decision regions of your fit_logistic_regression for lam = {lams[k]:.3g}: "
                f"||w|| = {norms[k]:.2f} (without the bias), {train_err[k]} of {len(train)} training "
                f"cars and {test_err[k]} of {len(test)} test cars misclassified; "
                f"{state['share']:.0%} of the plane is predicted to meet the target.")

    options = [(f"{lam:.3g}", k) for k, lam in enumerate(lams)]
    control = ipw.SelectionSlider(options=options, value=min(len(lams) - 1, int(np.searchsorted(lams, 1.0))),
                                  description="lam (penalty)", continuous_update=True,
                                  tooltip="the strength lam of the L2 penalty, on a log scale: "
                                          "small lets the boundary twist, large flattens it",
                                  style={"description_width": "initial"}, layout=ipw.Layout(width="420px"))
    note = (f"Trained on {len(train)} cars, tested on {len(test)}; each lam fitted once by your "
            "fit_logistic_regression, features: all monomials of degree <= 3 and the bias.")
    if len(lams) < len(LAMS):
        note += f" (Your fit took over {budget_s:.0f} s, so lam below {lams[0]:.3g} was left out.)"
    return Explorer(fig, {"lam_index": control}, update, dynamic=[regions, *dots, marker, ax.title], note=note,
                    describe=describe, exercises=EXERCISES)


explore_regularization = skip_while_grading(build_regularization_explorer, EXERCISES)
