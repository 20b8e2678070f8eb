"""The hidden checks, run in-process (local mode) against the references and the catalogue.

The graded notebooks of tests/notebooks/ prove the same through the course's
grader (trusted mode); these are the quick version, the one test of local mode
(what plain ``nbgrader autograde`` runs) on the whole catalogue, and also test
the checks' own machinery.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder import cases, catalogue, reference
from autograder.cases import core
from autograder.hidden import check

from ..conftest import ASSIGNMENTS


def _compile(code: str):
    namespace = {"np": np}
    exec(code, namespace)
    return namespace


def _checks():
    return sorted(cases.REGISTRY)


@pytest.mark.parametrize("check_id", _checks())
def test_reference_passes_its_own_check(check_id):
    fn = getattr(reference, cases.REGISTRY[check_id].function)
    check(check_id, fn)


def _catalogue(kind):
    for name in ASSIGNMENTS:
        wrong, correct = catalogue.entries(name)
        for fn, versions in (wrong if kind == "wrong" else correct).items():
            for version, code in versions:
                yield pytest.param(fn, code, id=f"{fn}-{version}")


@pytest.mark.parametrize("fn,code", list(_catalogue("wrong")))
def test_wrong_versions_fail_some_check(fn, code):
    impl = _compile(code)[fn]
    failures = []
    for check_id in cases.checks_of(fn):
        try:
            check(check_id, impl)
        except AssertionError as exc:
            failures.append(str(exc))
    assert failures, f"no check catches this {fn}"
    assert all(msg.startswith(fn) for msg in failures), "messages name the function"


@pytest.mark.parametrize("fn,code", list(_catalogue("correct")))
def test_correct_versions_pass_every_check(fn, code):
    impl = _compile(code)[fn]
    for check_id in cases.checks_of(fn):
        check(check_id, impl)


def test_every_graded_function_has_checks():
    from ..conftest import source_notebook

    for name in ASSIGNMENTS:
        for fn in catalogue.solution_cells(source_notebook(name)):
            assert cases.checks_of(fn), f"{fn} has no hidden check"


def test_monkeypatched_numpy_cannot_fake_a_pass(monkeypatch):
    """Patching numpy's comparisons does not change the judge's verdict on plain numbers."""
    wrong = _compile(catalogue.entries("01_binary_classification")[0]["accuracy"][0][1])["accuracy"]
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda a, b, **k: np.ones(np.shape(a), bool))
    with pytest.raises(AssertionError):
        check("accuracy.random", wrong)


def test_unknown_check_and_garbage_outcomes():
    with pytest.raises(KeyError):
        core.prepare("no_such.check")
    calls, judge = core.prepare("accuracy.random", seed=1)
    assert judge("garbage")["ok"] is False
    assert judge([{"value": {"__nd__": "###", "dtype": "<f8", "shape": []}}] * len(calls))["ok"] is False
    assert judge([{"error": "ZeroDivisionError: x"}] * len(calls))["message"].startswith("accuracy raised")


def test_inputs_are_a_pure_function_of_the_check_id(monkeypatch):
    """The same check gets the same inputs on every grading; a course secret changes the
    random part (so it cannot be precomputed from the public code) but not the fixed part."""
    monkeypatch.delenv(core.SECRET_ENV, raising=False)
    monkeypatch.setattr(core, "course_secret", lambda root=None: b"")
    first, _ = core.prepare("softmax.random")
    assert core.prepare("softmax.random")[0] == first
    assert core.prepare("log_softmax.random")[0] != first  # same builder, another id
    monkeypatch.setattr(core, "course_secret", lambda root=None: b"our course's secret")
    secret, _ = core.prepare("softmax.random")
    assert secret != first and core.prepare("softmax.random")[0] == secret
    # the fixed calls (drawn here under the secret) are those of the run without one
    assert core.prepare("softmax.random", fixed_only=True)[0] == [
        c for c in first if c in core.prepare("softmax.random", fixed_only=True)[0]]


def test_course_secret_from_the_environment_or_the_course_root(monkeypatch, tmp_path):
    monkeypatch.delenv(core.SECRET_ENV, raising=False)
    assert core.course_secret(tmp_path) == b""
    (tmp_path / ".autograder").mkdir()
    (tmp_path / ".autograder" / "check_secret").write_text("from the file\n")
    assert core.course_secret(tmp_path) == b"from the file"
    monkeypatch.setenv(core.SECRET_ENV, "from the environment")
    assert core.course_secret(tmp_path) == b"from the environment"
    assert core.check_seed("sigmoid.random", b"a") != core.check_seed("sigmoid.random", b"b")
    assert core.check_seed("sigmoid.random", b"a") == core.check_seed("sigmoid.random", b"a")


@pytest.mark.parametrize("check_id", _checks())
def test_every_check_has_fixed_calls_that_ignore_the_generator(check_id):
    """Fixed calls are built without the generator: identical whatever the seed."""
    a, _ = core.prepare(check_id, seed=1, fixed_only=True)
    b, _ = core.prepare(check_id, seed=2, fixed_only=True)
    assert a, f"{check_id} has no fixed calls"
    assert a == b, f"a fixed call of {check_id} depends on the random generator"


@pytest.mark.parametrize("fn,code", list(_catalogue("wrong")))
def test_wrong_versions_are_caught_by_the_fixed_calls_alone(fn, code):
    """Every catalogued mistake is caught without any random input: no grade is luck."""
    impl = _compile(code)[fn]
    from autograder.hidden import run_calls

    failures = []
    for check_id in cases.checks_of(fn):
        calls, judge = core.prepare(check_id, fixed_only=True)
        verdict = judge(run_calls(impl, calls))
        if not verdict["ok"]:
            failures.append(verdict["message"])
    assert failures, f"only the random inputs catch this {fn}"
    assert all(msg.startswith(fn) for msg in failures)


def _verdict(check_id, impl, seed):
    calls, judge = core.prepare(check_id, seed=seed)
    from autograder.hidden import run_calls

    return judge(run_calls(impl, calls))["ok"]


@pytest.mark.parametrize("fn,code", list(_catalogue("wrong")) + list(_catalogue("correct")))
def test_verdicts_do_not_depend_on_the_random_inputs(fn, code):
    """Fresh random inputs at every grading must not make a grade a matter of luck:
    each version passes or fails each check whatever the seed."""
    impl = _compile(code)[fn]
    for check_id in cases.checks_of(fn):
        verdicts = {_verdict(check_id, impl, seed) for seed in range(8)}
        assert len(verdicts) == 1, f"{check_id} passes for some seeds and fails for others"


def _notebook_namespace(name, replacement=None):
    """The source notebook's solutions, as a student's kernel would hold them, with one
    function replaced (other functions that call it then use the replacement)."""
    from ..conftest import source_notebook

    nb = source_notebook(name)
    namespace = {"np": np}
    for index in catalogue.solution_cells(nb).values():
        exec(nb.cells[index].source, namespace)
    if replacement:
        exec(replacement, namespace)
    return namespace


def _wrong_by_assignment():
    for name in ASSIGNMENTS:
        for fn, versions in catalogue.entries(name)[0].items():
            for version, code in versions:
                yield pytest.param(name, code, id=f"{fn}-{version}")


@pytest.mark.parametrize("name,code", list(_wrong_by_assignment()))
def test_no_check_of_any_function_depends_on_luck(name, code):
    """A wrong function also reaches the functions that call it (predict_proba calls the
    student's sigmoid): every check of the assignment must still give the same verdict
    whatever the seed."""
    from ..conftest import source_notebook

    namespace = _notebook_namespace(name, code)
    for fn in catalogue.solution_cells(source_notebook(name)):
        for check_id in cases.checks_of(fn):
            verdicts = {_verdict(check_id, namespace[fn], seed) for seed in range(6)}
            assert len(verdicts) == 1, f"{check_id} passes for some seeds and fails for others"


#: B -> the graded functions A whose mistakes may cost B points: B's contract is a formula
#: of A (predict_proba = sigmoid(X @ w)) and the source solution of B calls A.  Nowhere else
#: may a wrong function cost another one's points (autograder/cases/README.md).
BUILT_ON = {
    "bernoulli_nll": {"bernoulli_log_pmf"},
    "sigmoid_derivative": {"sigmoid"},
    "predict_proba": {"sigmoid"},
    "predict": {"predict_proba", "sigmoid"},
    # the fit's contract is a zero of the gradient: a fit built on a wrong gradient is a wrong fit
    "fit_logistic_regression": {"l2_logistic_nll_grad"},
}


def _wrong_with_function():
    for name in ASSIGNMENTS:
        for fn, versions in catalogue.entries(name)[0].items():
            for version, code in versions:
                yield pytest.param(name, fn, code, id=f"{fn}-{version}")


@pytest.mark.parametrize("name,fn,code", list(_wrong_with_function()))
def test_a_wrong_helper_costs_only_its_own_points(name, fn, code):
    """The source notebook with one function replaced by a catalogued mistake: the other
    functions keep every check, except those built on it, whose messages then name the helper."""
    from ..conftest import source_notebook
    from autograder.hidden import run_calls

    namespace = _notebook_namespace(name, code)
    for other in catalogue.solution_cells(source_notebook(name)):
        if other == fn:
            continue
        for check_id in cases.checks_of(other):
            calls, judge = core.prepare(check_id)
            verdict = judge(run_calls(namespace[other], calls))
            if verdict["ok"]:
                continue
            assert fn in BUILT_ON.get(other, ()), f"a wrong {fn} costs {check_id}: {verdict['message']}"
            helpers = cases.REGISTRY[check_id].uses
            assert any(f"your {h}" in verdict["message"] for h in helpers), verdict["message"]


def _visible_part(name, grade_id):
    from ..conftest import source_notebook

    for cell in source_notebook(name).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id and cell.cell_type == "code":
            return cell.source.split("### BEGIN HIDDEN TESTS")[0]
    raise KeyError(grade_id)


@pytest.mark.parametrize("name,loss,test_cell", [
    ("04_nll_gradient_descent", "logistic_nll", "logistic_nll_grad_slope"),
    ("05_softmax_regression", "softmax_nll", "softmax_nll_grad_slope"),
])
def test_a_wrong_loss_does_not_fail_the_visible_slope_test_of_a_right_gradient(name, loss, test_cell, capsys):
    import course.checks

    visible = _visible_part(name, test_cell)
    told = 0
    for version, code in catalogue.entries(name)[0][loss]:
        namespace = _notebook_namespace(name, code)
        namespace.update({k: getattr(course.checks, k) for k in course.checks.__all__})
        exec(visible, namespace)  # raises AssertionError if the right gradient were blamed
        told += f"Your {loss} is wrong" in capsys.readouterr().out
    # (an unstable loss is right at these moderate scores: nothing to say about it here)
    assert told >= 2, "the slope test never tells that the loss is the cause"
    # ... and with the right loss, a wrong gradient still fails it.
    grad = loss + "_grad"
    namespace = _notebook_namespace(name, catalogue.entries(name)[0][grad][1][1])
    namespace.update({k: getattr(course.checks, k) for k in course.checks.__all__})
    with pytest.raises(AssertionError):
        exec(visible, namespace)


def test_overflow_and_0_over_0_get_different_advice():
    from autograder.hidden import run_calls

    a05 = dict(catalogue.entries("05_softmax_regression")[0]["softmax"])
    verdicts = {}
    for version in ("no_max_subtraction", "global_max_shift"):
        calls, judge = core.prepare("softmax.stable", fixed_only=True)
        verdicts[version] = judge(run_calls(_compile(a05[version])["softmax"], calls))["message"]
    assert "overflowed" in verdicts["no_max_subtraction"]
    assert "0/0" in verdicts["global_max_shift"] and "underflow" in verdicts["global_max_shift"]
    assert "0/0" not in verdicts["no_max_subtraction"]
    assert "global maximum" in verdicts["global_max_shift"]


def test_the_same_code_gets_the_same_message_even_for_objects_with_addresses():
    from autograder.hidden import run_calls

    def returns_a_function(z):
        return lambda: z

    messages = set()
    for _ in range(2):
        calls, judge = core.prepare("sigmoid.random")
        messages.add(judge(run_calls(returns_a_function, calls))["message"])
    assert len(messages) == 1 and "0x" not in messages.pop()
