"""What the instructions promise students: the stability every exp-based function
is tested for, and that graded cells must do the maths themselves."""
from __future__ import annotations

import pytest

from ..conftest import ASSIGNMENTS, release_notebook

THROUGH_EXP = {
    "03_sigmoid_logistic_model": ["sigmoid", "sigmoid_derivative", "log_sigmoid", "predict_proba"],
    "04_nll_gradient_descent": ["logistic_nll", "logistic_nll_grad"],
    "05_softmax_regression": ["softmax", "log_softmax", "softmax_nll", "softmax_nll_grad"],
}
CASES = [(name, fn) for name, fns in THROUGH_EXP.items() for fn in fns]


def _instructions(nb, function):
    """The markdown cell right before the function's solution cell."""
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    at = ids.index(function)
    return next(c for c in reversed(nb.cells[:at]) if c.cell_type == "markdown").source


@pytest.mark.parametrize("name,function", CASES)
def test_exp_based_exercise_states_the_stability_it_is_tested_for(name, function):
    text = _instructions(release_notebook(name), function)
    assert "size 1000" in text and 'np.errstate(over="raise", invalid="raise")' in text, function


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebook_says_library_shortcuts_are_not_accepted(name):
    opening = release_notebook(name).cells[0].source
    assert "not accepted in graded cells" in opening
    for shortcut in ("expit", "softmax", "logsumexp", "scikit-learn"):
        assert shortcut in opening, shortcut
    assert "Learning objectives" in opening and "Estimated time" in opening


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebook_ends_with_a_summary_that_links_on(name):
    last = release_notebook(name).cells[-1].source
    assert last.startswith("## Summary")
    index = ASSIGNMENTS.index(name)
    target = ASSIGNMENTS[index + 1] if index + 1 < len(ASSIGNMENTS) else ASSIGNMENTS[0]
    assert f"../{target}/{target}.ipynb" in last
