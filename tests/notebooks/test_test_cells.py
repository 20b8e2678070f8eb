"""The visible part of every test cell, read as code: what a student sees when pressing Validate.

* no stray output: in the release (hidden tests removed), the last statement of a test
  cell is not an expression whose value Jupyter would print;
* the stability rule is stated and checked where students read it: every test cell about
  stability of a function that goes through exp says `np.errstate(over="raise",
  invalid="raise")` and runs the function through `expect_no_overflow` at |z| = 1000;
* `expect_unchanged` comes before the values are compared (a function that modifies its
  argument would otherwise be told a wrong expected value computed from the modified input).
"""
from __future__ import annotations

import ast

import pytest

from ..conftest import ASSIGNMENTS, release_notebook

#: Calls that return None (so print nothing) when they are the last statement.
SILENT = {"expect_close", "expect_labels", "expect_unchanged", "check", "print"}
#: The spec's functions whose formula goes through exp (COURSE_SPEC.md, "Stable").
EXP_BASED = {"sigmoid", "sigmoid_derivative", "log_sigmoid", "predict_proba", "logistic_nll",
             "logistic_nll_grad", "softmax", "log_softmax", "softmax_nll", "softmax_nll_grad"}
RULE = 'np.errstate(over="raise", invalid="raise")'


def _test_cells(name):
    for cell in release_notebook(name).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            yield meta["grade_id"], cell.source


def _call_name(node) -> str:
    if isinstance(node, ast.Call):
        f = node.func
        return f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
    return ""


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_test_cells_leave_no_stray_output(name):
    noisy = []
    for grade_id, source in _test_cells(name):
        body = ast.parse(source).body
        last = body[-1] if body else None
        if isinstance(last, ast.Expr) and not isinstance(last.value, ast.Constant) \
                and _call_name(last.value) not in SILENT:
            noisy.append(grade_id)
    assert not noisy, f"these test cells print the value of their last line: {noisy}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_stability_rule_is_stated_and_checked(name):
    stable = {gid: src for gid, src in _test_cells(name) if gid.endswith("_stable")}
    for grade_id, source in stable.items():
        function = grade_id[: -len("_stable")]
        if function not in EXP_BASED:
            continue
        docstring = ast.get_docstring(ast.parse(source)) or ""
        assert RULE in docstring, f"{grade_id} does not state the stability rule in its first line"
        assert "expect_no_overflow(" + function + "," in source, f"{grade_id} does not check it"
        assert "1000" in source


def test_every_exp_based_function_has_a_visible_stability_test():
    ids = {gid for name in ASSIGNMENTS for gid, _ in _test_cells(name)}
    missing = sorted(f for f in EXP_BASED if f + "_stable" not in ids)
    assert not missing, missing


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_unchanged_is_checked_before_the_values(name):
    for grade_id, source in _test_cells(name):
        if "expect_unchanged(" not in source:
            continue
        before = source.split("expect_unchanged(", 1)[0]
        assert "expect_close(" not in before and "expect_labels(" not in before, (
            f"{grade_id} compares values before expect_unchanged")
