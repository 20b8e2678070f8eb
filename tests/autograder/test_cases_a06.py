"""Pieces of 06's hidden checks that the catalogue runs do not isolate."""
import numpy as np
import pytest

from autograder import wire
from autograder.cases import core
from autograder.hidden import run_calls
from autograder.reference import a06 as ref


def test_a_returned_pair_of_arrays_travels_part_by_part():
    value = (np.array([3, 1, 2]), np.array([0]))
    returned = wire.decode_result(wire.encode_result(value))
    assert returned.array is None and len(returned.parts) == 2
    assert returned.parts[0].array.tolist() == [3, 1, 2] and returned.parts[1].array.tolist() == [0]
    # parts never nest, and a list of arrays stays opaque as before
    with pytest.raises(wire.WireError):
        wire.decode_result({"__parts__": [{"__parts__": []}]})
    assert wire.decode_result(wire.encode_result([np.zeros(2), np.ones(3)])).parts == ()


def _verdict(check_id, fn, seed=0):
    calls, judge = core.prepare(check_id, seed=seed)
    return judge(run_calls(fn, calls))


def test_split_must_return_a_pair():
    verdict = _verdict("split_indices.partition", lambda N, f, s: np.random.default_rng(s).permutation(N))
    assert not verdict["ok"] and "expected a tuple (train_idx, test_idx)" in verdict["message"]
    verdict = _verdict("split_indices.partition",
                       lambda N, f, s: tuple(i.astype(float) for i in ref.split_indices(N, f, s)))
    assert not verdict["ok"] and "indices must be integers" in verdict["message"]


def test_each_grading_compares_only_its_own_calls():
    """The seeded check remembers splits per prepared check: a second grading starts afresh."""
    state = {"k": 0}

    def drifting(N, test_fraction, seed):
        state["k"] += 1  # a different split on every call, whatever the seed
        return ref.split_indices(N, test_fraction, seed + 1000 * state["k"])

    assert not _verdict("split_indices.seeded", drifting)["ok"]
    assert _verdict("split_indices.seeded", ref.split_indices)["ok"]
    assert _verdict("split_indices.seeded", ref.split_indices)["ok"]


def test_fit_judge_names_a_fit_that_penalizes_the_bias():
    def penalizes_bias(X, y, lam):
        w = np.zeros(X.shape[1])
        for _ in range(50):
            p = 1 / (1 + np.exp(-(X @ w)))
            H = X.T @ ((p * (1 - p))[:, None] * X) + lam * np.eye(len(w))
            w = w - np.linalg.solve(H, X.T @ (p - y) + lam * w)
        return w

    verdict = _verdict("fit_logistic_regression.optimal", penalizes_bias)
    assert not verdict["ok"] and "also penalizes the bias" in verdict["message"]
