"""Every source notebook runs top to bottom without error, as a student's would
(figures and widgets on), and the release runs up to the unfilled stubs."""
from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from ..conftest import ASSIGNMENTS, REPO, release_notebook, source_notebook


def _run(nb, cwd):
    env_backup = os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(cwd)}})
        client.execute()
    finally:
        if env_backup is not None:
            os.environ["NBGRADER_EXECUTION"] = env_backup
    return nb


def _errors(nb):
    return [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_source_runs_without_error(name):
    nb = _run(source_notebook(name), REPO / "source" / name)
    errors = _errors(nb)
    assert not errors, f"errors in {name}: " + str([(i, o.ename, o.evalue) for i, o in errors])
    widgets = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, "the notebook shows its explorer"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_fails_only_on_stubs(name):
    nb = _run(release_notebook(name), REPO / "release" / name)
    errors = _errors(nb)
    assert errors, "the release must not pass its own tests"
    allowed = {"NotImplementedError", "NameError", "AssertionError"}
    unexpected = [(i, o.ename, o.evalue) for i, o in errors if o.ename not in allowed]
    assert not unexpected, unexpected
    assert any(o.ename == "NotImplementedError" for _, o in errors)
