#!/usr/bin/env python
"""Write course/data/figures.json: the curves of the figures shown BEFORE an exercise.

Generated file, do not edit: run ``.venv/bin/python scripts/precompute_figures.py``
after changing this script or autograder/reference/ (a test fails when the
shipped file differs from a fresh run).

A figure that motivates an exercise cannot be drawn by the student's function
(it is not written yet) and must not be drawn by code in ``course/`` (which
every student receives): so its curves are computed here, by the reference
implementations, which never ship, and only the numbers ship.

* ``flat_losses`` (02, before any exercise): accuracy and squared error of the
  thresholded classifier I(w x + b >= 0) over a range of slopes w
  (``linear_classify`` and ``accuracy`` of 01);
* ``bernoulli_pmf`` (02, before exercise 1): p(y=0) and p(y=1) for
  q = 0, 0.01, ..., 1 (``bernoulli_pmf``);
* ``sigmoid`` (03, before exercise 1): sigma and sigma' on a grid
  (``sigmoid``, ``sigmoid_derivative``);
* ``difference_errors`` (04, before exercise 3): errors of one-sided and of
  central differences (``numerical_gradient``) of exp at t = 1;
* ``runaway_weights`` (06, before exercise 4): the weights along gradient
  descent (``gradient_descent`` of 04 on ``l2_logistic_nll_grad``) for
  setosa against the rest, without a penalty and with lam = 1, at about 200
  steps (the notebook evaluates the student's own ``l2_logistic_nll`` there);
* ``standardized_*``: z-scores (``standardize`` of 01) of the columns the
  explorers and notebooks use, for assignments that do not have the
  student's ``standardize``: ``auto_mpg`` (the 398 cars), ``auto_mpg_392``
  (the 392 with a known horsepower), ``iris``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder import reference as R  # noqa: E402
from course.data import load_auto_mpg, load_iris  # noqa: E402

OUT = REPO / "course" / "data" / "figures.json"


def _floats(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float).ravel()]


def flat_losses(bias: float = -1.0) -> dict:
    cars = load_auto_mpg()
    weight = cars["weight"].to_numpy()
    x = (weight - weight.mean()) / weight.std()
    y = R.make_labels(cars["mpg"].to_numpy())

    def curves(slopes):
        acc, sq = [], []
        for w in slopes:
            predicted = R.linear_classify(np.column_stack([x, np.ones(len(x))]), np.array([w, bias]))
            acc.append(R.accuracy(predicted, y))
            sq.append(float(np.sum((predicted - y) ** 2)))
        return acc, sq

    slopes, zoom = np.linspace(-6.0, 2.0, 801), np.linspace(-2.3, -1.7, 1201)
    acc, sq = curves(slopes)
    zoom_acc, _ = curves(zoom)
    return {"bias": bias, "slopes": _floats(slopes), "accuracy": _floats(acc), "squared_error": _floats(sq),
            "zoom_slopes": _floats(zoom), "zoom_accuracy": _floats(zoom_acc)}


def bernoulli_pmf() -> dict:
    q = np.linspace(0.0, 1.0, 101)
    return {"q": _floats(q), "p0": _floats(R.bernoulli_pmf(np.zeros(101), q)),
            "p1": _floats(R.bernoulli_pmf(np.ones(101), q))}


def sigmoid() -> dict:
    t = np.linspace(-8, 8, 401)
    return {"t": _floats(t), "sigmoid": _floats(R.sigmoid(t)), "derivative": _floats(R.sigmoid_derivative(t))}


def difference_errors(t: float = 1.0) -> dict:
    eps = np.logspace(-13, -1, 97)
    exact = np.exp(t)
    one_sided = [abs((np.exp(t + e) - np.exp(t)) / e - exact) for e in eps]
    central = [abs(float(R.numerical_gradient(lambda v: float(np.exp(v[0])), np.array([t]), eps=e)[0]) - exact)
               for e in eps]
    return {"t": t, "eps": _floats(eps), "one_sided": _floats(one_sided), "central": _floats(central)}


def standardized(frame, columns) -> dict:
    z = R.standardize(frame[list(columns)].to_numpy(dtype=float))
    return {name: _floats(z[:, k]) for k, name in enumerate(columns)}


def runaway_weights(lam: float = 1.0, steps: int = 2000, lr: float = 0.01) -> dict:
    iris = load_iris()
    X = R.add_bias(R.standardize(iris[["petal_length", "petal_width"]].to_numpy(dtype=float)))
    y = (iris["label"].to_numpy() == 0).astype(int)
    free = R.gradient_descent(lambda w: R.l2_logistic_nll_grad(w, X, y, 0.0), np.zeros(3), lr, steps)
    held = R.gradient_descent(lambda w: R.l2_logistic_nll_grad(w, X, y, lam), np.zeros(3), lr, steps)
    # about 200 steps, spread evenly on the log scale the figure uses: the curves, not every step
    shown = np.unique(np.geomspace(1, steps, 200).round().astype(int))
    return {"lam": lam, "lr": lr, "steps": _floats(shown),
            "path_free": [_floats(w) for w in free[shown]], "path_penalized": [_floats(w) for w in held[shown]]}


def compute() -> dict:
    cars = load_auto_mpg()
    return {"_generated_by": "scripts/precompute_figures.py, with the reference implementations (do not edit)",
            "flat_losses": flat_losses(), "bernoulli_pmf": bernoulli_pmf(), "sigmoid": sigmoid(), "difference_errors": difference_errors(),
            "runaway_weights": runaway_weights(),
            "standardized_auto_mpg": standardized(cars, ["weight", "displacement"]),
            "standardized_auto_mpg_392": standardized(load_auto_mpg(drop_unknown_horsepower=True),
                                                      ["weight", "horsepower", "displacement", "acceleration"]),
            "standardized_iris": standardized(load_iris(), ["sepal_length", "sepal_width", "petal_length",
                                                            "petal_width"])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(compute(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
