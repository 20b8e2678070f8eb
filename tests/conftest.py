"""Shared fixtures: a graded class built with the real nbgrader commands."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import catalogue, course

REPO = course.REPO
ASSIGNMENTS = course.assignments(REPO)

# Figures and widgets check NBGRADER_EXECUTION; the test process itself must
# see the notebooks as a student does unless a test says otherwise.
os.environ.pop("NBGRADER_EXECUTION", None)


def source_notebook(name: str) -> nbformat.NotebookNode:
    return catalogue.read(REPO / "source" / name / f"{name}.ipynb")


def release_notebook(name: str) -> nbformat.NotebookNode:
    return catalogue.read(REPO / "release" / name / f"{name}.ipynb")


def graded_cells(nb) -> dict[str, float]:
    """grade_id -> points of every autograded test cell."""
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
            for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")}


def cells_of(function: str, test_ids) -> list[str]:
    """The test cells of a graded function: their grade_id starts with its name."""
    return [t for t in test_ids if t.startswith(function + "_")]


@dataclass
class GradedClass:
    roots: dict  # assignment -> its course root
    expectations: dict  # (student, assignment) -> {function: (kind, name)}

    def scores(self, student: str, assignment: str) -> dict[str, tuple[float, float]]:
        """grade_id -> (score, max_score) of the autograded test cells of a submission."""
        with Gradebook(f"sqlite:///{self.roots[assignment] / 'gradebook.db'}") as gb:
            sub = gb.find_submission_notebook(assignment, assignment, student)
            return {g.name: (g.score, g.max_score) for g in sub.grades
                    if g.cell.cell_type == "code"}


_RELEASED: dict = {}
_RELEASED_LOCK = threading.Lock()


def _released_once(names: tuple) -> Path:
    """A course root holding exactly ``names``, released by the real ``nbgrader
    generate_assignment``: generated once per session, then copied, because a
    dozen modules each need the same release and generating one takes seconds.
    Nothing in a root depends on its path (the config finds the root from its
    own location), so a copy is the root the command would have written."""
    with _RELEASED_LOCK:
        entry = _RELEASED.setdefault(names, [threading.Lock(), None])
    with entry[0]:
        if entry[1] is None:
            base = Path(tempfile.mkdtemp(prefix="released-"))
            atexit.register(shutil.rmtree, base, True)
            root = course.new_course_root(base / "course")
            for other in course.assignments(root):
                if other not in names:
                    shutil.rmtree(root / "source" / other)
            course.generate_release(root, list(names))
            entry[1] = root
        return entry[1]


def released_root(dest, names=None) -> Path:
    """A fresh course root at ``dest`` holding only ``names`` (default: every
    assignment), released; the caller may change it freely."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(_released_once(tuple(names or ASSIGNMENTS)), dest, symlinks=True)
    return dest


def one_assignment_root(dest, name: str):
    """A course root holding only assignment ``name``, released."""
    return released_root(dest, (name,))


def in_parallel(fn, items, workers: int = 2):
    """fn(item) for every item, two at a time (one per core); results in order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory) -> GradedClass:
    """Every assignment, autograded by the course's grader (``python -m autograder
    grade``, nbgrader's pipeline with the trusted hidden checks: what grades the
    real class) for the students ``source`` (the instructor's notebook),
    ``release`` (the student copy, unchanged) and the catalogue's ``wrong-k`` /
    ``correct-k``.  One course root, one batch.  That plain ``nbgrader
    autograde`` gives the same scores is test_grader_class's business (on the
    demo class, which holds catalogue versions too), and the hidden checks'
    local mode, which plain nbgrader runs, meets the whole catalogue in
    tests/autograder/test_cases.py."""
    import subprocess
    import sys

    from autograder import demo

    root = released_root(tmp_path_factory.mktemp("class") / "course")
    expectations = {}
    submissions: dict = {}
    for name in ASSIGNMENTS:
        src = catalogue.read(root / "source" / name / f"{name}.ipynb")
        rel = catalogue.read(root / "release" / name / f"{name}.ipynb")
        submissions.setdefault("source", {})[name] = nbformat.writes(src).encode()
        submissions.setdefault("release", {})[name] = nbformat.writes(rel).encode()
        for student, replacements, expected in catalogue.variants(name):
            nb = catalogue.with_solutions(src, replacements)
            submissions.setdefault(student, {})[name] = nbformat.writes(nb).encode()
            expectations[(student, name)] = expected
    demo.write_submissions(root, submissions)
    cmd = [sys.executable, "-m", "autograder", "grade", *ASSIGNMENTS, "--root", str(root), "--quiet",
           "--csv", "", "--report", "", "--jobs", "2"]
    done = subprocess.run(cmd, env=course.nbgrader_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"the grader failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return GradedClass({name: root for name in ASSIGNMENTS}, expectations)


@pytest.fixture(scope="session")
def graded_demo_class(tmp_path_factory):
    """The demo class, a small benchmark class and two twin notebooks, every
    assignment in one course root, graded once by ``python -m autograder grade``
    (see tests/_demo_class.py).  Its first grades, messages and feedback are
    kept in memory: a test that regrades the root compares with them, a test
    that only reads uses them, whatever ran before."""
    from . import _demo_class

    root = released_root(tmp_path_factory.mktemp("demo-class") / "course")
    return _demo_class.build(root)
