"""The demo class: synthetic submissions generated from the source notebooks.

Students (the same for every assignment):

* ``ada``  -- the source solutions: full marks
* ``ben``  -- a typical mistake in the first two graded functions (from the catalogue)
* ``cy``   -- correct solutions written differently (from the catalogue): full marks
* ``dee``  -- the release notebook, handed in unchanged: zero
* ``eve``  -- a broken notebook: a syntax error in one solution, one test cell
  deleted and one retyped as markdown (the autograder restores them)
* ``fay``  -- a file that is not a notebook at all (truncated JSON) for
  assignment 01, a perfect notebook for the others
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from . import catalogue
from .course import assignments

STUDENTS = ("ada", "ben", "cy", "dee", "eve", "fay")
TIMESTAMP = "2026-11-20 17:00:00.000000 UTC"
NOT_A_NOTEBOOK = "01_binary_classification"  # fay's file for this assignment is broken


def _strip_outputs(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _broken(nb):
    nb = copy.deepcopy(nb)
    solutions = list(catalogue.solution_cells(nb).values())
    nb.cells[solutions[-1]].source += "\n    return (  # unfinished line"
    tests = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")
             and c.cell_type == "code"]
    retyped = nb.cells[tests[1]]
    nb.cells[tests[1]] = nbformat.v4.new_markdown_cell(retyped.source, metadata=retyped.metadata,
                                                       id=retyped.get("id", "retyped"))
    del nb.cells[tests[0]]
    return nb


def submissions(root: Path, name: str) -> dict[str, bytes]:
    """student id -> the bytes of their submitted notebook for assignment ``name``."""
    source = catalogue.read(Path(root) / "source" / name / f"{name}.ipynb")
    release = catalogue.read(Path(root) / "release" / name / f"{name}.ipynb")
    wrong, correct = catalogue.entries(name)
    first_two = list(catalogue.solution_cells(source))[:2]
    ben = catalogue.with_solutions(source, {fn: wrong[fn][0][1] for fn in first_two if fn in wrong})
    cy = catalogue.with_solutions(source, {fn: versions[0][1] for fn, versions in correct.items()})
    notebooks = {"ada": source, "ben": ben, "cy": cy, "dee": release, "eve": _broken(source),
                 "fay": source}
    out = {sid: nbformat.writes(_strip_outputs(copy.deepcopy(nb))).encode() for sid, nb in notebooks.items()}
    if name == NOT_A_NOTEBOOK:
        out["fay"] = out["fay"][: len(out["fay"]) // 2]  # cut in the middle: invalid JSON
    return out


def write_submissions(root: Path, by_student: dict[str, dict[str, bytes]]) -> None:
    """Write ``{student: {assignment: notebook bytes}}`` into ``root/submitted`` (nbgrader's layout)."""
    for student, per_assignment in by_student.items():
        for name, data in per_assignment.items():
            folder = Path(root) / "submitted" / student / name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.ipynb").write_bytes(data)
            (folder / "timestamp.txt").write_text(TIMESTAMP)


def build(root: Path) -> dict[str, dict[str, bytes]]:
    """Write the demo class's submissions for every assignment of ``root``."""
    by_student: dict[str, dict[str, bytes]] = {s: {} for s in STUDENTS}
    for name in assignments(root):
        for student, data in submissions(root, name).items():
            by_student[student][name] = data
    write_submissions(root, by_student)
    return by_student


def is_valid_notebook(data: bytes) -> bool:
    try:
        nbformat.validate(nbformat.reads(data.decode(), as_version=4))
        return True
    except (ValueError, json.JSONDecodeError, nbformat.ValidationError, UnicodeDecodeError):
        return False
