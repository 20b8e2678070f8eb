"""Shared fixtures: a graded class built with the real nbgrader commands."""
from __future__ import annotations

import os
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


def one_assignment_root(dest, name: str):
    """A course root holding only assignment ``name``, released."""
    import shutil

    root = course.new_course_root(dest)
    for other in course.assignments(root):
        if other != name:
            shutil.rmtree(root / "source" / other)
    course.generate_release(root, [name])
    return root


def in_parallel(fn, items, workers: int = 2):
    """fn(item) for every item, two at a time (one per core); results in order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory) -> GradedClass:
    """Every assignment, autograded by the real ``nbgrader autograde`` for the students
    ``source`` (the instructor's notebook), ``release`` (the student copy, unchanged)
    and the catalogue's ``wrong-k`` / ``correct-k``.  One course root per
    assignment, so that two assignments are graded at once."""
    from autograder import demo

    base = tmp_path_factory.mktemp("class")
    expectations = {}

    def build(name):
        root = one_assignment_root(base / name, name)
        src = catalogue.read(root / "source" / name / f"{name}.ipynb")
        rel = catalogue.read(root / "release" / name / f"{name}.ipynb")
        submissions = {"source": {name: nbformat.writes(src).encode()},
                       "release": {name: nbformat.writes(rel).encode()}}
        for student, replacements, expected in catalogue.variants(name):
            nb = catalogue.with_solutions(src, replacements)
            submissions[student] = {name: nbformat.writes(nb).encode()}
            expectations[(student, name)] = expected
        demo.write_submissions(root, submissions)
        done = course.nbgrader("autograde", name, root=root, check=False)
        assert done.returncode == 0, f"nbgrader autograde {name} failed:\n{done.stderr[-3000:]}"
        return root

    roots = dict(zip(ASSIGNMENTS, in_parallel(build, ASSIGNMENTS)))
    return GradedClass(roots, expectations)
