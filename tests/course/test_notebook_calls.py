"""Every explorer and figure that takes a student's function is called after that function's exercise.

Read from the source notebooks: a call ``widgets.explore_x(f, g)`` or
``plots.plot_x(..., f, ...)`` naming a graded function ``f`` must come after
the solution cell whose grade_id is ``f`` (otherwise it can only ever show
"implement f first"), and every explorer call hands over at least one function.
"""
from __future__ import annotations

import ast

import nbformat
import pytest

from ..conftest import ASSIGNMENTS, source_notebook


def _calls(source: str):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("widgets", "plots")):
            names = [a.id for a in list(node.args) + [k.value for k in node.keywords] if isinstance(a, ast.Name)]
            yield f"{node.func.value.id}.{node.func.attr}", names


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_explorers_come_after_the_exercises_they_draw_with(name):
    nb = source_notebook(name)
    solved_at = {}
    explorers = 0
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            solved_at[meta["grade_id"]] = index
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for call, names in _calls(cell.source):
            if call.startswith("widgets.explore_"):
                explorers += 1
                assert names, f"{name} cell {index}: {call}() hands over none of the student's functions"
                note = nb.cells[index - 1]
                assert note.cell_type == "markdown" and "your code" in note.source.lower(), (
                    f"{name} cell {index}: say right before {call} that it is drawn by the student's code")
            for graded in (n for n in names if n in solved_at):
                assert solved_at[graded] < index, (
                    f"{name} cell {index}: {call} uses {graded} before its exercise (cell {solved_at[graded]})")
    assert explorers, f"{name}: no explorer"
