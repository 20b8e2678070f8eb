"""Worked solutions of the ungraded exercises: kept out of release/, complete,
and published into the student bundle by `make solutions` only once the
assignment is due."""
from __future__ import annotations

import datetime
import re
import subprocess
import sys

import pytest

from .conftest import REPO, source_notebook

SOLUTIONS = REPO / "solutions"
PUBLISH = REPO / "scripts" / "publish_solutions.py"
UNGRADED = {"04_nll_gradient_descent": "cell-040", "05_softmax_regression": "cell-040"}


def _solution_file(name):
    return SOLUTIONS / name / "worked_solutions.md"


@pytest.mark.parametrize("name,cell_id", sorted(UNGRADED.items()))
def test_every_ungraded_exercise_has_a_worked_solution(name, cell_id):
    cell = next(c for c in source_notebook(name).cells if c.get("id") == cell_id)
    assert "not graded" in cell.source
    asked = re.findall(r"^(\d+)\. \*\*(.+?)\.?\*\*", cell.source, re.M)
    answered = re.findall(r"^## Exercise (\d+): (.+)$", _solution_file(name).read_text(), re.M)
    assert asked and [(n, t.rstrip(".")) for n, t in asked] == answered


def test_only_assignments_with_ungraded_exercises_have_solutions():
    assert sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir()) == sorted(UNGRADED)


def _prose_lines(text):
    """Lines of the explanations (code blocks reuse the notebook's own lines)."""
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    return {line.strip() for line in prose.splitlines() if len(line.strip()) >= 30 and not line.startswith("#")}


def test_worked_solutions_are_not_in_release_or_source():
    lines = set().union(*(_prose_lines(_solution_file(name).read_text()) for name in UNGRADED))
    assert len(lines) > 20
    for folder in ("release", "source", "course"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and path.suffix in (".ipynb", ".md", ".py", ".txt"):
                text = path.read_text(encoding="utf-8", errors="replace")
                found = [line for line in lines if line in text]
                assert not found, f"{path.relative_to(REPO)} holds worked-solution text: {found[:2]}"


def _publish(bundle, name, db, *extra):
    return subprocess.run([sys.executable, str(PUBLISH), name, str(bundle), "--db", db, *extra],
                          capture_output=True, text=True)


def test_make_solutions_publishes_only_after_the_due_date(tmp_path, monkeypatch):
    import os

    from nbgrader.api import Gradebook

    sys.path.insert(0, str(REPO / "scripts"))
    import publish_solutions
    import student_bundle

    # a new gradebook runs `alembic`, which lives next to this Python
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    bundle = tmp_path / "bundle"
    student_bundle.build(str(bundle))
    assert not list(bundle.rglob("worked_solutions.md")), "a fresh bundle holds no solution"

    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    with Gradebook(db) as gb:
        gb.update_or_create_assignment("04_nll_gradient_descent", duedate=now + datetime.timedelta(days=1))
        gb.update_or_create_assignment("05_softmax_regression", duedate=now - datetime.timedelta(hours=1))

    # the command itself, as `make solutions` runs it: refuses before the due date
    early = _publish(bundle, "04_nll_gradient_descent", db)
    assert early.returncode == 1 and "is due" in early.stderr, early
    assert not (bundle / "04_nll_gradient_descent" / "solutions").exists()

    written = publish_solutions.publish("05_softmax_regression", str(bundle), db_url=db)
    assert written == ["05_softmax_regression/solutions/worked_solutions.md"]
    published = bundle / "05_softmax_regression" / "solutions" / "worked_solutions.md"
    assert published.read_text() == _solution_file("05_softmax_regression").read_text()

    with pytest.raises(publish_solutions.PublishError, match="no worked solutions"):
        publish_solutions.publish("01_binary_classification", str(bundle), db_url=db, force=True)
    with pytest.raises(publish_solutions.PublishError, match="no due date"):
        publish_solutions.publish("04_nll_gradient_descent", str(bundle), db_url=f"sqlite:///{tmp_path / 'none.db'}")
    publish_solutions.publish("04_nll_gradient_descent", str(bundle), db_url=db, force=True)
    assert (bundle / "04_nll_gradient_descent" / "solutions" / "worked_solutions.md").is_file()

    assert student_bundle.audit(str(bundle)) == [], "what was published passes the bundle's own audit"
