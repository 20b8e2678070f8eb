#!/usr/bin/env python3
"""Write a source notebook from a "percent" authoring file.

Notebooks in `source/` are the source of truth and are edited in JupyterLab
or as JSON.  For writing a new notebook (or a big rewrite) it is easier to
type a plain-text file and convert it once:

    # %% [markdown]
    # # A title                        <- markdown cell (lines start with "# ")
    # %%
    import numpy as np                 <- ordinary code cell
    # %% solution make_labels          <- graded solution cell, grade_id make_labels
    # %% test make_labels_values 2     <- locked test cell worth 2 points
    # %% locked setup_imports          <- read-only cell students cannot change
    # %% [markdown] answer mle_derivation 3   <- manually graded written answer
    # %% [markdown] task mle_rubric 0  <- read-only task cell (may hold a mark scheme)

Usage: scripts/percent_to_notebook.py AUTHORING.py source/NAME/NAME.ipynb
The output has no outputs, no execution counts and nbgrader cell metadata.
"""
from __future__ import annotations

import re
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HEADER = re.compile(r"^# %%(?: \[(markdown)\])?(?: (solution|test|locked|answer|task) (\S+)(?: (\d+(?:\.\d+)?))?)?\s*$")


def nbgrader_meta(kind: str, grade_id: str, points: float) -> dict:
    meta = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3,
            "solution": False, "task": False}
    if kind == "solution":
        meta["solution"] = True
    elif kind == "test":
        meta.update(grade=True, locked=True, points=points)
    elif kind == "locked":
        meta["locked"] = True
    elif kind == "answer":
        meta.update(grade=True, solution=True, points=points)
    elif kind == "task":
        meta.update(task=True, locked=True, points=points)
    return meta


def convert(text: str) -> nbformat.NotebookNode:
    cells, current = [], None
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            current = {"markdown": bool(m.group(1)), "kind": m.group(2), "id": m.group(3),
                       "points": float(m.group(4) or 0), "lines": []}
            cells.append(current)
        elif current is not None:
            current["lines"].append(line)
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for c in cells:
        lines = c["lines"]
        while lines and not lines[-1].strip():
            lines.pop()
        if c["markdown"]:
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines)
            cell = new_markdown_cell(body)
        else:
            cell = new_code_cell("\n".join(lines))
        if c["kind"]:
            points = c["points"]
            cell.metadata["nbgrader"] = nbgrader_meta(c["kind"], c["id"], int(points) if points.is_integer() else points)
        nb.cells.append(cell)
    for i, cell in enumerate(nb.cells):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.id = gid.replace("_", "-") if gid else f"cell-{i:03d}"
    return nb


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        nb = convert(f.read())
    nbformat.validate(nb)
    nbformat.write(nb, argv[2])
    print(f"wrote {argv[2]}: {len(nb.cells)} cells")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
