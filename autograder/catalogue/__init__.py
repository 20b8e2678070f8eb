"""Typical wrong solutions, and differently written correct ones, per function.

The hidden tests are themselves tested with these (tests/notebooks/): every
wrong implementation must lose points when autograded, every correct one must
keep full marks.  The demo class (autograder.demo) borrows from them too.

Each assignment module defines ``WRONG`` and ``CORRECT``: dicts from a graded
function's name to a list of ``(name, code)`` pairs, where ``code`` is the
full text of the solution cell.
"""
from __future__ import annotations

import copy
import importlib

import nbformat

ASSIGNMENTS = {
    "01_binary_classification": "a01",
    "02_bernoulli_mle": "a02",
    "03_sigmoid_logistic_model": "a03",
    "04_nll_gradient_descent": "a04",
    "05_softmax_regression": "a05",
    "06_generalization_regularization": "a06",
}


def entries(assignment: str):
    """(WRONG, CORRECT) of an assignment; empty dicts if it has none yet."""
    name = ASSIGNMENTS[assignment]
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        return {}, {}
    return getattr(module, "WRONG", {}), getattr(module, "CORRECT", {})


def solution_cells(nb, carried: bool = False) -> dict[str, int]:
    """grade_id -> index of each graded solution code cell.

    A cell tagged ``carried-over`` (a function of an earlier assignment that the student
    copies in for the explorers, e.g. 04's ``gradient_descent`` in 05) is not graded again here:
    it is left out unless ``carried``.
    """
    out = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade") \
                and (carried or "carried-over" not in cell.metadata.get("tags", [])):
            out[meta["grade_id"]] = i
    return out


def with_solutions(nb, replacements: dict[str, str]):
    """A copy of ``nb`` whose solution cells named in ``replacements`` hold new code."""
    nb = copy.deepcopy(nb)
    cells = solution_cells(nb, carried=True)
    for grade_id, code in replacements.items():
        if grade_id not in cells:
            raise KeyError(f"no solution cell {grade_id!r} in the notebook")
        nb.cells[cells[grade_id]].source = code.strip("\n")
    return nb


def variants(assignment: str):
    """Yield (student_id, replacements, expected) for the catalogue of an assignment.

    ``expected`` maps each replaced function to "wrong" or "correct".  Student
    ``wrong-k`` gets the k-th wrong version of every function that has one
    (the functions are independent, so one notebook tests them all at once);
    ``correct-k`` likewise for the correct versions.
    """
    wrong, correct = entries(assignment)
    for kind, table in (("wrong", wrong), ("correct", correct)):
        depth = max((len(v) for v in table.values()), default=0)
        for k in range(depth):
            chosen = {fn: versions[k] for fn, versions in table.items() if k < len(versions)}
            yield (f"{kind}-{k + 1}", {fn: code for fn, (_, code) in chosen.items()},
                   {fn: (kind, name) for fn, (name, _) in chosen.items()})


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)
