"""The grading run's shortcuts around nbgrader: same database, same errors, only cheaper."""
from __future__ import annotations

import json
import os
import sqlite3

import jsonschema
import pytest
from nbgrader import api
from nbgrader.nbgraderformat import common

from autograder import gradebooks, schemas


def tables(path) -> dict:
    with sqlite3.connect(path) as con:
        names = sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'"))
        return {n: con.execute(f"SELECT * FROM {n}").fetchall() for n in names}


def test_reused_engines_write_what_nbgrader_writes(tmp_path, monkeypatch):
    import sys

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])  # alembic
    plain, reused = tmp_path / "plain.db", tmp_path / "reused.db"
    for _ in range(2):
        with api.Gradebook(f"sqlite:///{plain}", "course101") as gb:
            gb.update_or_create_student("s1")
    engines = gradebooks.Engines()
    with gradebooks.reused_engines(engines) as cls:
        from nbgrader.preprocessors import saveautogrades

        assert saveautogrades.Gradebook is cls
        first = cls(f"sqlite:///{reused}", "course101")
        first.update_or_create_student("s1")
        first.close()
        second = cls(f"sqlite:///{reused}", "course101")
        assert second.engine is first.engine  # no new engine, no second create_all
        assert [s.id for s in second.students] == ["s1"]
        second.update_or_create_student("s1")
        second.close()
    assert saveautogrades.Gradebook is api.Gradebook
    engines.dispose()
    assert tables(plain) == tables(reused)
    assert tables(reused)["course"] == [("course101",)]


def schema():
    with open(os.path.join(common.root, "v3.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("meta, valid", [
    ({"grade": True, "grade_id": "t1", "locked": True, "points": 2, "schema_version": 3, "solution": False}, True),
    ({"grade": True, "grade_id": "t1", "locked": True, "points": "two", "schema_version": 3, "solution": False},
     False),
    ({"grade": True, "grade_id": "t1", "locked": True, "points": 2, "schema_version": 3, "solution": "yes"}, False),
])
def test_cached_validator_agrees_with_jsonschema(meta, valid):
    def outcome(validate):
        try:
            validate(meta, schema())
            return None
        except jsonschema.ValidationError as exc:
            return str(exc)

    plain = outcome(jsonschema.validate)
    with schemas.cached_validators():
        assert common.jsonschema is not jsonschema
        cached = outcome(common.jsonschema.validate)
    assert common.jsonschema is jsonschema
    assert cached == plain
    assert (plain is None) == valid
