"""The repository's own promises: environment files agree, notebooks are stored
clean, release/ is what nbgrader generates from source/, and nothing a student
gets holds a solution or a hidden test."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import nbformat
import pytest

from .conftest import ASSIGNMENTS, REPO, release_notebook, released_root, source_notebook


def _requirement_names(specs):
    out = {}
    for spec in specs:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
        out[m.group(1).lower().replace("_", "-")] = m.group(2).replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    import yaml

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)
             and not d.startswith(("python", "pip"))]
    assert _requirement_names(conda) == _requirement_names(project["dependencies"])
    assert any(isinstance(d, dict) and "-e ." in d.get("pip", []) for d in env["dependencies"])


def test_there_are_assignments():
    assert ASSIGNMENTS and ASSIGNMENTS[0] == "01_binary_classification"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_source_stored_clean(name):
    nb = source_notebook(name)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_one_function_per_solution_cell(name):
    """Each solution code cell defines exactly one function, named as its grade_id."""
    import ast

    nb = source_notebook(name)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    solutions = [c for c in nb.cells if c.cell_type == "code"
                 and c.metadata.get("nbgrader", {}).get("solution")]
    assert solutions
    for cell in solutions:
        tree = ast.parse(cell.source)
        defs = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert defs == [cell.metadata["nbgrader"]["grade_id"]], cell.source[:80]
        assert "### BEGIN SOLUTION" in cell.source, "markers go inside the function body"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_test_cell_has_a_visible_check_and_a_docstring(name):
    nb = source_notebook(name)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            assert visible.lstrip().startswith('"""Check that'), meta["grade_id"]
            assert len([l for l in visible.splitlines()[1:] if l.strip()]) >= 1, meta["grade_id"]


def _normalized(nb):
    return json.dumps(nbformat.from_dict(nb), sort_keys=True)


def test_release_in_sync_with_source(tmp_path):
    """Regenerate release/ from source/ with nbgrader and compare with the committed copy
    (the session's release of every assignment, generated from source/ once and shared)."""
    root = released_root(tmp_path / "course", ASSIGNMENTS)
    fresh = sorted(p.relative_to(root / "release") for p in (root / "release").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(REPO / "release") for p in (REPO / "release").rglob("*")
                       if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    assert fresh == committed, "release/ has other files than nbgrader generates: run `make release`"
    for rel in fresh:
        a, b = root / "release" / rel, REPO / "release" / rel
        if rel.suffix == ".ipynb":
            assert _normalized(nbformat.read(a, 4)) == _normalized(nbformat.read(b, 4)), (
                f"release/{rel} is out of date: run `make release`")
        else:
            assert a.read_bytes() == b.read_bytes(), f"release/{rel} is out of date"


def _solution_and_hidden_lines(name):
    """Non-trivial lines of solution regions and hidden tests of a source notebook."""
    lines = set()
    for cell in source_notebook(name).cells:
        for begin, end in (("### BEGIN SOLUTION", "### END SOLUTION"),
                           ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")):
            for block in re.findall(re.escape(begin) + r"(.*?)" + re.escape(end), cell.source, re.S):
                for line in block.splitlines():
                    line = line.strip()
                    if len(line) >= 25 and not line.startswith(("#", "from autograder")):
                        lines.add(line)
    return lines


def _student_files():
    for folder in (REPO / "release", REPO / "course"):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in (".py", ".ipynb", ".md", ".txt", ".json"):
                yield path


def test_no_solution_or_hidden_test_in_student_files():
    markers = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
               "BEGIN MARK SCHEME", "from autograder", "import autograder")
    secret_lines = set().union(*(_solution_and_hidden_lines(n) for n in ASSIGNMENTS))
    assert secret_lines, "found no solution lines to look for"
    for path in _student_files():
        text = path.read_text(encoding="utf-8")
        for marker in markers:
            assert marker not in text, f"{path.relative_to(REPO)} contains {marker!r}"
        for line in secret_lines:
            assert line not in text, f"{path.relative_to(REPO)} contains solution text: {line!r}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_has_stubs_where_source_has_solutions(name):
    src, rel = source_notebook(name), release_notebook(name)
    src_ids = [c.metadata["nbgrader"]["grade_id"] for c in src.cells if "nbgrader" in c.metadata]
    rel_cells = {c.metadata["nbgrader"]["grade_id"]: c for c in rel.cells if "nbgrader" in c.metadata}
    assert list(rel_cells) == src_ids
    for gid, cell in rel_cells.items():
        meta = cell.metadata["nbgrader"]
        if meta.get("solution") and cell.cell_type == "code":
            assert "raise NotImplementedError()" in cell.source
            assert cell.source.lstrip().startswith("def "), "the stub keeps the signature"
