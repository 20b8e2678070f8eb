"""Hidden checks of assignment 02: the Bernoulli distribution and maximum likelihood."""
from __future__ import annotations

import numpy as np

from ..reference import a02 as ref
from .core import uses, LOSS_ATOL, LOSS_RTOL, Call, Check, against, as_numeric, compare, register


def _labels(rng, shape):
    return rng.integers(0, 2, shape)


def _edge_message(call, got, expected):
    """Name the 0 log 0 / impossible-outcome case that went wrong, if any."""
    y = np.broadcast_to(np.asarray(call.args[0], dtype=float), expected.shape)
    q = np.broadcast_to(np.asarray(call.args[1], dtype=float), expected.shape)
    for i in np.ndindex(expected.shape):
        g, e = float(got[i]), float(expected[i])
        if np.isnan(g):
            return (f"returned nan for y = {y[i]:g}, q = {q[i]:g}; the expected value is {e:g}. "
                    "0 * log(0) is nan in numpy: never multiply a label of 0 by log(0). "
                    "Pick log(q) or log(1 - q) according to y (e.g. with np.where) instead")
        if e == 0.0 and g != 0.0:
            return (f"returned {g:.6g} for y = {y[i]:g}, q = {q[i]:g}, where the outcome is certain: "
                    "its probability is 1, so its log is exactly 0. Do not clip or shift q")
        if np.isneginf(e) and not np.isneginf(g):
            return (f"returned {g:.6g} for y = {y[i]:g}, q = {q[i]:g}, an impossible outcome: "
                    "its probability is 0, so its log is -inf. Do not clip q or add a small epsilon")
    return None


def _judge_log_pmf(call, returned):
    expected = np.asarray(ref.bernoulli_log_pmf(*call.args))
    got, message = as_numeric(returned, expected, scalar=(expected.shape == ()))
    if message:
        return message
    message = _edge_message(call, got, expected)
    if message:
        return message
    return against(ref.bernoulli_log_pmf, "loss", input_index=1, input_name="q")(call, returned)


# --- bernoulli_pmf -----------------------------------------------------------
def _pmf_random(rng):
    calls = []
    for n in (1, 8, 40):
        y, q = _labels(rng, n), rng.uniform(0.0, 1.0, n)
        calls.append(Call((y, q), about=f"{n} random labels y (ints) and probabilities q of the same shape"))
    y, q = _labels(rng, 12).astype(float), rng.uniform(0.0, 1.0, 12)
    calls.append(Call((y, q), about="12 labels stored as floats 0.0/1.0 and random q"))
    calls.append(Call((np.array([1, 0, 1, 0, 0]), np.array([0.3, 0.3, 0.9, 0.9, 0.05])), fixed=True,
                      about="y = [1, 0, 1, 0, 0], q = [0.3, 0.3, 0.9, 0.9, 0.05]"))
    return calls


def _pmf_broadcast(rng):
    q = float(rng.uniform(0.05, 0.95))
    return [
        Call((_labels(rng, 9), q), about=f"an array y of 9 labels and a single number q = {q:.4f}"),
        Call((1, rng.uniform(0, 1, 5)), about="a single label y = 1 and an array q of 5 probabilities"),
        Call((0, rng.uniform(0, 1, 5)), about="a single label y = 0 and an array q of 5 probabilities"),
        Call((_labels(rng, 6), rng.uniform(0, 1, (3, 1))),
             about="y of shape (6,) and q of shape (3, 1) (the result has shape (3, 6))"),
        Call((_labels(rng, (2, 4)), rng.uniform(0, 1, (2, 4))), about="y and q of shape (2, 4)"),
        Call((1, q), about=f"a single label y = 1 and a single number q = {q:.4f}"),
        Call((0, q), about=f"a single label y = 0 and a single number q = {q:.4f}"),
        Call((np.array([1, 0, 0, 1, 1, 0]), np.array([[0.2], [0.5], [0.9]])), fixed=True,
             about="y = [1, 0, 0, 1, 1, 0] and q = [[0.2], [0.5], [0.9]] of shape (3, 1)"),
        Call((np.array([1, 0, 1]), 0.3), fixed=True, about="y = [1, 0, 1] and a single number q = 0.3"),
        Call((0, np.array([0.1, 0.5, 0.8])), fixed=True, about="y = 0 and q = [0.1, 0.5, 0.8]"),
    ]


def _edges_calls(rng):
    y = np.array([0, 1, 1, 0])
    q = np.array([1.0, 1.0, 0.0, 0.0])
    return [
        Call((y, q), fixed=True, about="q of exactly 0 and 1 (certain and impossible outcomes)"),
        Call((np.array([0, 0, 1, 1]), 0.0), fixed=True, about="labels [0, 0, 1, 1] with q = 0"),
        Call((np.array([0, 0, 1, 1]), 1.0), fixed=True, about="labels [0, 0, 1, 1] with q = 1"),
        Call((1, 1.0), fixed=True, about="y = 1 and q = 1 (scalars)"),
        Call((0, 0.0), fixed=True, about="y = 0 and q = 0 (scalars)"),
    ]


def _judge_pmf_edges(call, returned):
    expected = np.asarray(ref.bernoulli_pmf(*call.args))
    got, message = as_numeric(returned, expected, scalar=(expected.shape == ()))
    if message:
        return message
    if np.isnan(got).any():
        return (f"returned nan for {call.about}; every value of a pmf is a probability in [0, 1]. "
                "Note that numpy computes 0.0 ** 0 as 1.0")
    return against(ref.bernoulli_pmf, "prob", input_index=1, input_name="q")(call, returned)


register(Check("bernoulli_pmf.random", "bernoulli_pmf", _pmf_random,
               against(ref.bernoulli_pmf, "prob", input_index=1, input_name="q"),
               "p(y) for random labels and probabilities"))
register(Check("bernoulli_pmf.broadcast", "bernoulli_pmf", _pmf_broadcast,
               against(ref.bernoulli_pmf, "prob", input_index=None),
               "broadcasting: scalar q with array y, scalar y with array q, shapes (6,) and (3, 1)"))
register(Check("bernoulli_pmf.edges", "bernoulli_pmf", _edges_calls, _judge_pmf_edges,
               "q = 0 and q = 1 give probabilities exactly 0 and 1"))


# --- bernoulli_log_pmf ----------------------------------------------------------
def _log_pmf_random(rng):
    calls = []
    for n in (1, 10, 60):
        y, q = _labels(rng, n), rng.uniform(0.001, 0.999, n)
        calls.append(Call((y, q), about=f"{n} random labels and probabilities q in (0, 1)"))
    y, q = _labels(rng, 8), 10.0 ** rng.uniform(-12, -1, 8)
    calls.append(Call((y, q), about="8 random labels with small probabilities q between 1e-12 and 0.1"))
    calls.append(Call((np.array([1, 0, 1, 0]), np.array([1e-10, 0.25, 0.6, 1 - 1e-10])), fixed=True,
                      about="y = [1, 0, 1, 0], q = [1e-10, 0.25, 0.6, 1 - 1e-10]"))
    return calls


register(Check("bernoulli_log_pmf.random", "bernoulli_log_pmf", _log_pmf_random,
               _judge_log_pmf, "log p(y) for random labels and probabilities"))
register(Check("bernoulli_log_pmf.broadcast", "bernoulli_log_pmf", _pmf_broadcast,
               _judge_log_pmf,
               "broadcasting: scalar q with array y, scalar y with array q, shapes (6,) and (3, 1)"))
register(Check("bernoulli_log_pmf.edges", "bernoulli_log_pmf", _edges_calls, _judge_log_pmf,
               "0 log 0 = 0: exactly 0 for a certain outcome, -inf for an impossible one, never nan"))


# --- bernoulli_nll ----------------------------------------------------------------
def _judge_nll(call, returned):
    expected = np.asarray(ref.bernoulli_nll(*call.args))
    got, message = as_numeric(returned, expected, scalar=True)
    if message:
        return message
    if np.isnan(got):
        return (f"returned nan for {call.about}: a label whose probability is 1 contributes "
                "log 1 = 0, never 0 * log 0")
    if float(expected) == 0.0 and float(got) != 0.0:
        return (f"returned {float(got):.6g} for {call.about}, where every label is certain: the NLL is "
                "exactly 0 (log 1 = 0). Do not add a small epsilon inside the log or clip q")
    if np.isposinf(expected) and not np.isposinf(got):
        return (f"returned {float(got):.6g} for {call.about}, where a label is impossible: its probability "
                "is 0, so the NLL is inf. Do not add a small epsilon inside the log or clip q")
    message = compare(got, expected, atol=LOSS_ATOL, rtol=LOSS_RTOL)
    if message is None:
        return None
    n = np.size(call.args[1])
    if n > 1 and np.isfinite(expected) and abs(float(got) * n - float(expected)) <= 1e-9 * abs(expected) + 1e-12:
        return (f"returned the mean of -log p(y_i) for {call.about}; the negative log-likelihood "
                "is the sum over the observations, not the mean")
    if np.isfinite(expected) and abs(float(got) + float(expected)) <= 1e-9 * abs(expected) + 1e-12:
        return (f"returned the log-likelihood (a value <= 0) for {call.about}; the negative "
                "log-likelihood is minus the sum of log p(y_i)")
    return message


def _nll_random(rng):
    calls = []
    for n in (1, 12, 100):
        q = float(rng.uniform(0.02, 0.98))
        calls.append(Call((q, _labels(rng, n)), about=f"q = {q:.4f} and {n} random labels"))
    y = (rng.random(398) < 0.23).astype(int)
    calls.append(Call((0.23, y), about="q = 0.23 and 398 labels, about a quarter of them 1"))
    calls.append(Call((0.3, np.array([1, 0, 0, 1, 0])), fixed=True, about="q = 0.3 and labels [1, 0, 0, 1, 0]"))
    # 400 observations of probability about 1e-3: their product underflows, the sum of logs does not.
    calls.append(Call((1e-3, np.ones(400, dtype=int)), fixed=True, about="q = 0.001 and 400 labels that are all 1"))
    return calls


def _nll_edges(rng):
    return [
        Call((1.0, np.ones(5, dtype=int)), fixed=True, about="q = 1 and 5 labels that are all 1 (likelihood 1)"),
        Call((0.0, np.zeros(4, dtype=int)), fixed=True, about="q = 0 and 4 labels that are all 0 (likelihood 1)"),
        Call((0.0, np.array([0, 1, 0])), fixed=True, about="q = 0 and labels [0, 1, 0] (likelihood 0)"),
        Call((1.0, np.array([1, 1, 0, 1])), fixed=True, about="q = 1 and labels [1, 1, 0, 1] (likelihood 0)"),
    ]


register(Check("bernoulli_nll.random", "bernoulli_nll", _nll_random, _judge_nll,
               "the negative log-likelihood -sum_i log p(y_i) of random labels"))
register(Check("bernoulli_nll.edges", "bernoulli_nll", _nll_edges, _judge_nll,
               "q = 0 or 1 with labels it explains perfectly gives 0, an impossible label gives inf"))


# --- bernoulli_mle ----------------------------------------------------------------
def _judge_mle(call, returned):
    expected = np.asarray(ref.bernoulli_mle(*call.args))
    got, message = as_numeric(returned, expected, scalar=True)
    if message:
        return message
    if compare(got, expected, atol=LOSS_ATOL, rtol=LOSS_RTOL) is None:
        return None
    if abs(float(got) - (1.0 - float(expected))) <= 1e-12:
        return (f"returned {float(got):.6g}, the fraction of zeros, for {call.about}; q is the "
                f"probability of the outcome 1, so its estimate is {float(expected):.6g}")
    return (f"returned {float(got):.10g} for {call.about}, expected {float(expected):.10g}: "
            "set the derivative of the NLL to zero and solve for q")


def _mle_random(rng):
    calls = []
    for n in (5, 37, 398):
        y = (rng.random(n) < rng.uniform(0.1, 0.9)).astype(int)
        y[:2] = (0, 1)  # at least one of each, so the fraction is neither 0 nor 1
        y = rng.permutation(y)
        calls.append(Call((y,), about=f"{n} random labels"))
    y = (rng.random(20) < 0.5).astype(float)
    calls.append(Call((y,), about="20 random labels stored as floats 0.0/1.0"))
    calls.append(Call((np.array([1, 0, 0, 1, 1, 1, 0]),), fixed=True, about="labels [1, 0, 0, 1, 1, 1, 0]"))
    return calls


def _mle_edges(rng):
    return [
        Call((np.ones(5, dtype=int),), fixed=True, about="5 labels that are all 1"),
        Call((np.zeros(3, dtype=int),), fixed=True, about="3 labels that are all 0"),
        Call((np.array([1]),), fixed=True, about="a single label 1"),
        Call((np.array([0, 1, 1, 1]),), fixed=True, about="labels [0, 1, 1, 1]"),
    ]


register(Check("bernoulli_mle.random", "bernoulli_mle", _mle_random, _judge_mle,
               "the maximum-likelihood estimate of q for random labels"))
register(Check("bernoulli_mle.edges", "bernoulli_mle", _mle_edges, _judge_mle,
               "all-one labels give q = 1, all-zero labels q = 0"))


# Solutions often build on the functions before them (README.md: the wrong one pays).
uses("bernoulli_nll", "bernoulli_log_pmf")
