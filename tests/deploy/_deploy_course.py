"""Shared helpers for tests/deploy: a throwaway copy of the course with one
assignment, and 'students' who fill in its solution cells.

The assignment is the real `01_binary_classification` when source/ has it
(solution cells filled with independent implementations of the functions in
COURSE_SPEC.md), otherwise a tiny generated one (`00_tiny`: two graded
functions, visible and hidden tests).  LC_DEPLOY_ASSIGNMENT=tiny forces the
tiny one.
"""
import copy
import os
import shutil
import textwrap

import nbformat

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COURSE_ID = "linear-classification"
REAL_ASSIGNMENT = "01_binary_classification"
TINY_ASSIGNMENT = "00_tiny"

# --- the tiny assignment --------------------------------------------------------

TINY_POINTS = {"test_add": 1, "test_add_hidden": 2, "test_double": 1}
TINY_MAX = sum(TINY_POINTS.values())


def _meta(grade_id, solution=False, grade=False, points=None, locked=False):
    md = {"nbgrader": {"grade_id": grade_id, "solution": solution, "grade": grade,
                       "locked": locked, "schema_version": 3}}
    if points is not None:
        md["nbgrader"]["points"] = points
    return md


def tiny_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [
        nbformat.v4.new_markdown_cell("# Tiny assignment\nImplement `add` and `double`.",
                                      metadata=_meta("intro", locked=True)),
        nbformat.v4.new_code_cell(
            "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b  # SECRET-TINY-SOLUTION-ADD\n    ### END SOLUTION",
            metadata=_meta("add", solution=True)),
        nbformat.v4.new_code_cell("assert add(1, 2) == 3",
                                  metadata=_meta("test_add", grade=True, points=1, locked=True)),
        nbformat.v4.new_code_cell(
            "assert add(0, 0) == 0\n### BEGIN HIDDEN TESTS\nassert add(20, 22) == 42  # SECRET-TINY-HIDDEN\n### END HIDDEN TESTS",
            metadata=_meta("test_add_hidden", grade=True, points=2, locked=True)),
        nbformat.v4.new_code_cell(
            "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x  # SECRET-TINY-SOLUTION-DOUBLE\n    ### END SOLUTION",
            metadata=_meta("double", solution=True)),
        nbformat.v4.new_code_cell("assert double(4) == 8",
                                  metadata=_meta("test_double", grade=True, points=1, locked=True)),
    ]
    nb.cells = cells
    return nb


TINY_SOLUTIONS = {
    "add": "def add(a, b):\n    return b + a\n",
    "double": "def double(x):\n    return x + x\n",
}
TINY_WRONG = {  # a student who gets `double` wrong: loses exactly test_double
    "add": "def add(a, b):\n    return sum([a, b])\n",
    "double": "def double(x):\n    return x * 3\n",
}

# --- assignment 01: independent implementations of COURSE_SPEC.md ---------------

SPEC_01 = {
    "make_labels": """
        def make_labels(mpg, target=30.0):
            mpg = np.asarray(mpg, dtype=float)
            return (mpg >= target).astype(int)
    """,
    "standardize": """
        def standardize(X):
            X = np.asarray(X, dtype=float)
            return (X - X.mean(axis=0)) / X.std(axis=0)
    """,
    "add_bias": """
        def add_bias(X):
            X = np.asarray(X, dtype=float)
            return np.hstack([X, np.ones((X.shape[0], 1))])
    """,
    "linear_classify": """
        def linear_classify(X, w):
            return (np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) >= 0).astype(int)
    """,
    "accuracy": """
        def accuracy(y_pred, y_true):
            return float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))
    """,
}
SPEC_01 = {k: "import numpy as np\n\n" + textwrap.dedent(v).strip() + "\n" for k, v in SPEC_01.items()}


def strip_solution_markers(source):
    """The instructor's solution with nbgrader's markers removed."""
    lines = [l for l in source.splitlines()
             if l.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION",
                                  "# BEGIN SOLUTION", "# END SOLUTION")]
    return "\n".join(lines)


def pick_assignment():
    forced = os.environ.get("LC_DEPLOY_ASSIGNMENT")
    if forced == "tiny":
        return TINY_ASSIGNMENT
    if forced:
        return forced
    if os.path.isdir(os.path.join(REPO, "source", REAL_ASSIGNMENT)):
        return REAL_ASSIGNMENT
    return TINY_ASSIGNMENT


def make_course(dest, assignment):
    """A course root at `dest`: the repo's nbgrader_config.py (its ROOT is its
    own folder, so the copy is self-contained) and source/<assignment>."""
    os.makedirs(dest, exist_ok=True)
    shutil.copy(os.path.join(REPO, "nbgrader_config.py"), dest)
    src = os.path.join(dest, "source", assignment)
    if assignment == TINY_ASSIGNMENT:
        os.makedirs(src, exist_ok=True)
        nbformat.write(tiny_notebook(), os.path.join(src, "tiny.ipynb"))
    else:
        shutil.copytree(os.path.join(REPO, "source", assignment), src,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return src


def source_solutions(course_dir, assignment):
    """{notebook name: {grade_id: solution source without markers}}."""
    out = {}
    src = os.path.join(course_dir, "source", assignment)
    for name in sorted(os.listdir(src)):
        if name.endswith(".ipynb"):
            nb = nbformat.read(os.path.join(src, name), as_version=4)
            out[name] = {c.metadata["nbgrader"]["grade_id"]: strip_solution_markers(c.source)
                         for c in nb.cells
                         if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    return out


def answers_for(assignment, correct=True):
    if assignment == TINY_ASSIGNMENT:
        return dict(TINY_SOLUTIONS if correct else TINY_WRONG)
    answers = dict(SPEC_01) if assignment == REAL_ASSIGNMENT else {}
    if not correct:
        # linear_classify that calls a score of exactly 0 class 0: wrong on the boundary
        answers["accuracy"] = ("import numpy as np\n\ndef accuracy(y_pred, y_true):\n"
                               "    return float(np.sum(np.asarray(y_pred) == np.asarray(y_true)))\n")
    return answers


def fill_notebook(nb, answers, fallback=None):
    """Put answers (by grade_id) into the solution code cells of a release
    notebook (nbformat node or plain dict); `fallback` (grade_id -> code) is
    used for solution cells the answers do not cover.  Returns a new copy."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("solution"):
            continue
        gid = meta.get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
        elif fallback and gid in fallback:
            cell["source"] = fallback[gid]
    return nb
