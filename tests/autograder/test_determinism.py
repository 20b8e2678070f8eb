"""The same code gets the same grade and the same messages on every grading, for every student.

Real `python -m autograder grade --force`, three times, on assignment 05 (the one
with the most random check inputs and the stability cases that used to depend
on the draw): the demo class's ada (full marks) and ben (visible mistakes), and
one notebook handed in under two student ids, whose mistakes only the hidden
checks see: the catalogue's log_softmax shifted by the global maximum, and a
softmax_nll that is wrong on some inputs only (batches of more than ten
observations whose first entry is positive).  That one reaches only random
inputs, and its messages quote their values: with inputs drawn afresh at each
grading its score and its message would change from run to run (this test
failed so before check inputs were seeded by the check id).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import catalogue, course, demo

from ..conftest import one_assignment_root
from .test_grader_class import all_auto_scores

pytestmark = pytest.mark.slow

A05 = "05_softmax_regression"
STUDENTS = ("ada", "ben")
#: Mistakes that no visible test sees: only the hidden checks decide, so their messages show.
HIDDEN_ONLY = ("global_max_shift",)
#: A mistake that depends on the input, a stand-in for any that a fixed case might miss.
INPUT_DEPENDENT = """
def softmax_nll(W, X, y):
    Z = X @ W.T
    M = Z.max(axis=1, keepdims=True)
    nll = float(np.sum(M[:, 0] + np.log(np.exp(Z - M).sum(axis=1)) - Z[np.arange(len(y)), y]))
    return nll * 1.001 if len(y) > 10 and X[0, 0] > 0 else nll
"""


def _hidden_only_notebook(root: Path) -> bytes:
    source = catalogue.read(root / "source" / A05 / f"{A05}.ipynb")
    wrong, _ = catalogue.entries(A05)
    chosen = {fn: code for fn, versions in wrong.items() for name, code in versions
              if name in HIDDEN_ONLY and fn == "log_softmax"}
    assert chosen, "the catalogue lost its global-maximum log_softmax"
    chosen["softmax_nll"] = INPUT_DEPENDENT
    nb = catalogue.with_solutions(source, chosen)
    return nbformat.writes(nb).encode()


def _messages(root: Path, student: str) -> dict[str, list[tuple[str, str]]]:
    """grade_id -> the errors (name, message) a graded cell of the autograded notebook shows."""
    path = root / "autograded" / student / A05 / f"{A05}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            out[meta["grade_id"]] = [(o.get("ename", ""), o.get("evalue", "")) for o in cell.get("outputs", [])
                                     if o.get("output_type") == "error"]
    return out


def _grade(root: Path) -> tuple[dict, dict]:
    cmd = [sys.executable, "-m", "autograder", "grade", A05, "--root", str(root), "--quiet", "--csv", "",
           "--force"]
    done = subprocess.run(cmd, env=course.nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    students = (*STUDENTS, "mix", "mix-again")
    return all_auto_scores(root), {s: _messages(root, s) for s in students}


def test_three_regrades_and_two_students_give_identical_grades_and_messages(tmp_path):
    root = one_assignment_root(tmp_path / "course", A05)
    subs = demo.submissions(root, A05)
    mixed = _hidden_only_notebook(root)
    chosen = {s: {A05: subs[s]} for s in STUDENTS}
    chosen["mix"] = {A05: mixed}
    chosen["mix-again"] = {A05: mixed}
    demo.write_submissions(root, chosen)

    runs = [_grade(root) for _ in range(3)]
    scores, messages = runs[0]
    for other_scores, other_messages in runs[1:]:
        assert other_scores == scores, "a --force regrade changed a score"
        assert other_messages == messages, "a --force regrade changed a message"

    def of(student):
        return {cell: s or 0.0 for (sid, _, cell), s in scores.items() if sid == student}

    assert of("mix") == of("mix-again"), "the same notebook scores differently under another student id"
    assert messages["mix"] == messages["mix-again"]
    # The comparison is not vacuous: the hidden checks failed, and said so in words.
    hidden = [m for errors in messages["mix"].values() for _, m in errors if m.startswith("log_softmax:")]
    assert hidden, messages["mix"]
    assert sum(of("mix").values()) < sum(of("ada").values())
