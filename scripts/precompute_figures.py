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
* ``sigmoid`` (03, before exercise 1): sigma and sigma' on a grid
  (``sigmoid``, ``sigmoid_derivative``);
* ``difference_errors`` (04, before exercise 3): errors of one-sided and of
  central differences (``numerical_gradient``) of exp at t = 1.
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
from course.data import load_auto_mpg  # noqa: E402

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


def compute() -> dict:
    return {"_generated_by": "scripts/precompute_figures.py, with the reference implementations (do not edit)",
            "flat_losses": flat_losses(), "sigmoid": sigmoid(), "difference_errors": difference_errors()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(compute(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
