"""The written (hand-graded) questions: every one has a rubric two graders can
apply alike, and none is answered on the page before the student gets to it.

Each question is a locked task cell whose nbgrader mark scheme holds

* a table of steps whose last column is the points of the step,
* three anchor answers, ``*Full (P/P):*``, ``*Partial (p/P):*``, ``*Zero (0/P):*``,
* a line ``**Withheld until after this question:**`` listing, in backticks, the
  results (and decisive steps) the student is asked to find,

followed by the manually graded answer cell worth P points.  The mark scheme is
stripped from the release, so the lists are the instructor's; this test holds
the release to them.
"""
from __future__ import annotations

import re

import pytest

from ..conftest import ASSIGNMENTS, release_notebook, source_notebook

SCHEME = re.compile(r"### BEGIN MARK SCHEME(.*?)### END MARK SCHEME", re.S)
ANCHOR = re.compile(r"\*(Full|Partial|Zero) \((\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)\):\*")
WITHHELD = re.compile(r"\*\*Withheld until after this question:\*\*(.*)", re.S)


def normalize(text: str) -> str:
    """Text and LaTeX reduced to what a reader sees: the same formula typed with
    other spacing, sizing or bold commands compares equal."""
    t = text.lower()
    t = re.sub(r"\\(?:mathbf|boldsymbol|textbf|mathrm|text|operatorname|bm)\{([^{}]*)\}", r"\1", t)
    t = re.sub(r"\\(?:left|right|biggl|biggr|bigg|bigl|bigr|big)(?![a-z])", "", t)
    t = re.sub(r"\\[dt]frac", r"\\frac", t)
    t = re.sub(r"\\(?:qquad|quad|cdot)(?![a-z])|\\[,;:! ]", "", t)
    return re.sub(r"[\s$*`]", "", t)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def written_questions(nb):
    """(task cell, answer cell) for every manually graded answer of a notebook."""
    pairs = []
    for i, cell in enumerate(nb.cells):
        m = _meta(cell)
        if cell.cell_type == "markdown" and m.get("grade") and m.get("solution"):
            task = nb.cells[i - 1] if i else None
            assert task is not None and _meta(task).get("task"), (
                f"the written answer {m['grade_id']} must follow its locked task cell")
            pairs.append((task, cell))
    return pairs


def rubric_points(scheme: str) -> list[float]:
    rows = [line.strip() for line in scheme.splitlines() if line.strip().startswith("|")]
    points = []
    for row in rows[2:]:  # header and separator first
        last = row.strip("|").split("|")[-1].strip()
        points.append(float(last))
    return points


def withheld(scheme: str) -> list[str]:
    m = WITHHELD.search(scheme)
    return re.findall(r"`([^`]+)`", m.group(1)) if m else []


QUESTIONS = [(name, _meta(task)["grade_id"]) for name in ASSIGNMENTS
             for task, _ in written_questions(source_notebook(name))]


def _question(name, task_id):
    for task, answer in written_questions(source_notebook(name)):
        if _meta(task)["grade_id"] == task_id:
            return task, answer, SCHEME.search(task.source)
    raise LookupError(task_id)


def test_the_course_has_its_written_questions():
    per_assignment = {name: sum(1 for n, _ in QUESTIONS if n == name) for name in ASSIGNMENTS}
    assert per_assignment == {"01_binary_classification": 0, "02_bernoulli_mle": 1,
                              "03_sigmoid_logistic_model": 1, "04_nll_gradient_descent": 3,
                              "05_softmax_regression": 2, "06_generalization_regularization": 1}


@pytest.mark.parametrize("name,task_id", QUESTIONS)
def test_rubric_points_add_up_to_the_answer_cells_points(name, task_id):
    task, answer, scheme = _question(name, task_id)
    assert scheme, f"{task_id} has no mark scheme"
    steps = rubric_points(scheme.group(1))
    assert len(steps) >= 2, f"{task_id}: the rubric needs a table of steps with their points"
    assert all(p > 0 for p in steps), f"{task_id}: a step worth nothing"
    assert sum(steps) == pytest.approx(float(_meta(answer)["points"])), (
        f"{task_id}: the steps give {sum(steps)} points, the answer cell {_meta(answer)['points']}")
    assert "Partial credit" in scheme.group(1) and "alternative" in scheme.group(1).lower()


@pytest.mark.parametrize("name,task_id", QUESTIONS)
def test_rubric_has_full_partial_and_zero_anchors(name, task_id):
    _, answer, scheme = _question(name, task_id)
    points = float(_meta(answer)["points"])
    anchors = {kind: (float(got), float(out_of)) for kind, got, out_of in ANCHOR.findall(scheme.group(1))}
    assert set(anchors) == {"Full", "Partial", "Zero"}, f"{task_id}: anchors {sorted(anchors)}"
    assert all(out_of == points for _, out_of in anchors.values()), f"{task_id}: {anchors}"
    assert anchors["Full"][0] == points and anchors["Zero"][0] == 0
    assert 0 < anchors["Partial"][0] < points


@pytest.mark.parametrize("name,task_id", QUESTIONS)
def test_question_is_not_answered_in_the_release_before_it(name, task_id):
    task, answer, scheme = _question(name, task_id)
    results = withheld(scheme.group(1))
    assert results, f"{task_id}: the mark scheme lists no result to withhold"
    release = release_notebook(name)
    ids = [_meta(c).get("grade_id") for c in release.cells]
    at = ids.index(task_id)
    # the question as released counts too: it must ask, not tell
    seen = [(i, normalize(c.source)) for i, c in enumerate(release.cells[:at + 1])]
    leaks = [(r, i) for r in results for i, text in seen if normalize(r) in text]
    assert not leaks, f"{name}: {task_id}'s result appears before it in the release (result, cell): {leaks}"
    # the list must be about this notebook's real text: some result is stated once answered
    later = [normalize(c.source) for c in source_notebook(name).cells if c is not task]
    assert any(normalize(r) in text for r in results for text in later), (
        f"{task_id}: no withheld result appears anywhere after the question; is the list mistyped?")


def test_normalize_sees_through_typesetting():
    assert normalize(r"$-\dfrac{k}{q} + \frac{N - k}{1-q}$") == normalize(r"-\frac{k}{q}+\frac{n-k}{1-q}")
    assert normalize(r"\Big(1-\sigma\big(\mathbf{x}^T\mathbf{w}\big)\Big)\,\mathbf{x}") == normalize(
        r"(1 - \sigma(x^T w)) x")
    assert normalize(r"\frac{k}{q}") != normalize(r"\frac{q}{k}")
