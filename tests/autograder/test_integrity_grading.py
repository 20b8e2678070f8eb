"""The integrity setting, end to end: the trusted grader on real 06 submissions.

One batch, one grading run: an honest student; one whose gradient uses
``scipy.special.expit`` (imported at the top of the cell, as students do);
one who hides the import from the visible test's inspection and removes the
kernel's import guard first.  The first keeps full marks, both others lose
the gradient's points: the second with the message, the third because the
package is not there at all while grading.  And outside grading, the
release's scikit-learn comparison cell still runs for a student.
"""
from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import catalogue, course, demo

from ..conftest import one_assignment_root, release_notebook, source_notebook

pytestmark = pytest.mark.slow

A06 = "06_generalization_regularization"
MESSAGE = "implement the sigmoid yourself; scipy.special.expit is not allowed here"
GRAD_CELLS = ("l2_logistic_nll_grad_values", "l2_logistic_nll_grad_slope", "l2_logistic_nll_grad_stable")

EXPIT = """
from scipy.special import expit

def l2_logistic_nll_grad(w, X, y, lam):
    return X.T @ (expit(X @ w) - y) + lam * np.append(w[:-1], 0.0)
"""

# Inspection cannot see a module name built at run time, and the guard is gone:
# only the hidden package directory stands in the way.
BYPASS = """
import importlib, sys
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_Guard"]

def l2_logistic_nll_grad(w, X, y, lam):
    special = importlib.import_module("sci" + "py.special")
    return X.T @ (special.expit(X @ w) - y) + lam * np.append(w[:-1], 0.0)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = one_assignment_root(tmp_path_factory.mktemp("integrity") / "course", A06)
    src = catalogue.read(root / "source" / A06 / f"{A06}.ipynb")
    students = {"honest": src,
                "shortcut": catalogue.with_solutions(src, {"l2_logistic_nll_grad": EXPIT}),
                "bypass": catalogue.with_solutions(src, {"l2_logistic_nll_grad": BYPASS})}
    demo.write_submissions(root, {s: {A06: nbformat.writes(nb).encode()} for s, nb in students.items()})
    cmd = [sys.executable, "-m", "autograder", "grade", A06, "--root", str(root), "--quiet"]
    done = subprocess.run(cmd, env=course.nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def _scores(root, student):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(A06, A06, student)
        return {g.name: (g.score, g.max_score) for g in sub.grades if g.cell.cell_type == "code"}


def _outputs(root, student, grade_id):
    nb = nbformat.read(str(root / "autograded" / student / A06 / f"{A06}.ipynb"), 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(str(o.get("evalue", "")) + str(o.get("text", "")) for o in cell.outputs)


def test_honest_submission_keeps_full_marks(graded):
    scores = _scores(graded, "honest")
    assert all(score == best for score, best in scores.values()), scores


def test_scipy_expit_loses_the_points_with_the_message(graded):
    scores = _scores(graded, "shortcut")
    for cell in GRAD_CELLS:
        assert scores[cell][0] == 0, f"{cell}: {scores[cell]}"
    assert MESSAGE in _outputs(graded, "shortcut", "l2_logistic_nll_grad_values")
    # the rest of the notebook is the student's own work and keeps its points
    assert scores["confusion_matrix_values"][0] == scores["confusion_matrix_values"][1]


def test_the_hidden_package_stops_a_bypass(graded):
    scores = _scores(graded, "bypass")
    for cell in GRAD_CELLS:
        assert scores[cell][0] == 0, f"{cell}: {scores[cell]}"
    shown = _outputs(graded, "bypass", "l2_logistic_nll_grad_values")
    assert "No module named" in shown and "scipy" in shown, shown


def test_release_comparison_cell_runs_for_the_student(tmp_path):
    """Outside grading scikit-learn is there: with the source's solutions pasted into the
    student's release copy, the comparison cell prints both weight vectors and agrees."""
    from nbclient import NotebookClient

    release = release_notebook(A06)
    solutions = {gid: source_notebook(A06).cells[i].source
                 for gid, i in catalogue.solution_cells(source_notebook(A06), carried=True).items()}
    nb = catalogue.with_solutions(release, solutions)
    env_backup = os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(course.REPO / "release" / A06)}}).execute()
    finally:
        if env_backup is not None:
            os.environ["NBGRADER_EXECUTION"] = env_backup
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, [(o.ename, o.evalue) for o in errors]
    cell = next(c for c in nb.cells if c.cell_type == "code" and "LogisticRegression" in c.source)
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "scikit-learn" in text and "largest difference" in text, text
    difference = float(text.rsplit("largest difference:", 1)[1].split()[0])
    assert difference < 1e-4, text
