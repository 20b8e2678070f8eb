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


def test_cached_validator_remembers_valid_metadata_only(monkeypatch):
    """The same valid metadata is checked once; invalid metadata fails every time, and a
    dict that changes is judged by what it holds now."""
    checked = []
    s = schema()
    cls = jsonschema.validators.validator_for(s)
    real = cls.is_valid

    def counting(self, instance, *args, **kwargs):
        checked.append(json.dumps(instance, sort_keys=True))
        return real(self, instance, *args, **kwargs)

    monkeypatch.setattr(cls, "is_valid", counting)
    monkeypatch.setattr(schemas, "_VALIDATORS", {})
    meta = {"grade": True, "grade_id": "t9", "locked": True, "points": 2, "schema_version": 3, "solution": False}
    with schemas.cached_validators():
        validate = common.jsonschema.validate
        validate(meta, s)
        validate(dict(meta), schema())  # equal metadata, an equal schema in another dict
        assert len(checked) == 1
        meta["points"] = "two"  # the same dict, now invalid
        for _ in range(2):
            with pytest.raises(jsonschema.ValidationError, match="'two' is not of type"):
                validate(meta, s)
        assert len(checked) == 3


def new_gradebook(tmp_path, monkeypatch) -> str:
    """The URL of a fresh SQLite gradebook with assignment a1 and its notebook n1."""
    import sys

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])  # alembic
    url = f"sqlite:///{tmp_path / 'gb.db'}"
    with api.Gradebook(url, "course101") as gb:
        gb.update_or_create_assignment("a1")
        gb.update_or_create_notebook("n1", "a1")
    return url


def test_instructor_cells_come_from_a_read_only_snapshot(tmp_path, monkeypatch):
    """OverwriteCells' look-ups of the instructor's cells: the same columns as nbgrader's rows,
    read once per run, never written, and a missing cell still raises MissingEntry."""
    url = new_gradebook(tmp_path, monkeypatch)
    with api.Gradebook(url, "course101") as gb:
        gb.update_or_create_grade_cell("t1", "n1", "a1", max_score=3, cell_type="code")
        gb.update_or_create_source_cell("t1", "n1", "a1", cell_type="code", locked=True,
                                        source="assert f(1) == 2", checksum="abc")
    engines = gradebooks.Engines()
    with gradebooks.reused_engines(engines) as cls:
        with cls(url, "course101") as gb:
            source = gb.find_source_cell("t1", "n1", "a1")
            graded = gb.find_graded_cell("t1", "n1", "a1")
            assert (source.name, source.cell_type, source.locked, source.source, source.checksum) == \
                ("t1", "code", True, "assert f(1) == 2", "abc")
            assert (graded.max_score, graded.cell_type) == (3, "code")
            with pytest.raises(AttributeError, match="read-only"):
                source.source = "assert True"
            with pytest.raises(api.MissingEntry):
                gb.find_source_cell("t2", "n1", "a1")
            notebook = gb.find_notebook("n1", "a1")
            assert [c.name for c in notebook.source_cells] == ["t1"] and notebook.task_cells == ()
            assert [(c.name, c.max_score) for c in notebook.grade_cells] == [("t1", 3)]
            assert notebook.source_cells[0].checksum == "abc" and gb.find_notebook("n1", "a1") is notebook
            with pytest.raises(api.MissingEntry):
                gb.find_notebook("n2", "a1")
        with api.Gradebook(url, "course101") as plain:  # the row changes behind the run's back
            plain.update_or_create_source_cell("t1", "n1", "a1", checksum="def")
        with cls(url, "course101") as gb:
            assert gb.find_source_cell("t1", "n1", "a1") is source  # one read per run
    with gradebooks.reused_engines(engines) as cls:  # the next run reads it again
        with cls(url, "course101") as gb:
            assert gb.find_source_cell("t1", "n1", "a1").checksum == "def"
    engines.dispose()


# nbgrader's own add_submission trips SQLAlchemy's autoflush warnings (the grader silences them too)
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
def test_a_students_rows_are_the_ones_nbgrader_finds_task_cells_included(tmp_path, monkeypatch):
    """SaveAutoGrades' find_grade/find_comment answer from one load of the notebook's rows:
    the same rows nbgrader's own look-ups return, for grade, solution and task cells (a grade
    and solution cell's name first, as nbgrader looks), without nbgrader's per-cell joins."""
    url = new_gradebook(tmp_path, monkeypatch)
    with api.Gradebook(url, "course101") as gb:
        gb.update_or_create_grade_cell("test_f", "n1", "a1", max_score=2, cell_type="code")
        gb.update_or_create_solution_cell("f", "n1", "a1")
        gb.update_or_create_grade_cell("answer", "n1", "a1", max_score=3, cell_type="markdown")
        gb.update_or_create_solution_cell("answer", "n1", "a1")
        gb.update_or_create_task_cell("derivation", "n1", "a1", max_score=0, cell_type="markdown")
        gb.update_or_create_student("s1")
        gb.add_submission("a1", "s1")
        expected = {("grade", n): gb.find_grade(n, "n1", "a1", "s1").id for n in ("test_f", "answer", "derivation")}
        expected.update({("comment", n): gb.find_comment(n, "n1", "a1", "s1").id
                         for n in ("f", "answer", "derivation")})
    assert len(set(expected.values())) == len(expected)
    engines = gradebooks.Engines()
    with gradebooks.reused_engines(engines) as cls:
        with cls(url, "course101") as gb:
            with monkeypatch.context() as m:
                def joined(*args):
                    raise AssertionError(f"nbgrader's own look-up for {args[1:]}")

                m.setattr(api.Gradebook, "find_grade", joined)
                m.setattr(api.Gradebook, "find_comment", joined)
                found = {(kind, n): getattr(gb, f"find_{kind}")(n, "n1", "a1", "s1").id for kind, n in expected}
            assert found == expected
            with pytest.raises(api.MissingEntry):  # a name that has no row: nbgrader's own answer
                gb.find_comment("nothing", "n1", "a1", "s1")
    engines.dispose()


def test_grading_processes_do_not_import_rfc3987_syntax_and_still_validate(tmp_path):
    """autograder keeps jsonschema from importing rfc3987_syntax (0.9 s per process);
    nbformat's validation, which needs no IRI format, still rejects a broken notebook."""
    import subprocess
    import sys

    code = ("import sys, autograder, nbformat\n"
            "nb = nbformat.v4.new_notebook(); nb.cells = [{'cell_type': 'code', 'source': 1}]\n"
            "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('rejected')\n"
            "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is not None)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["rejected", "False"]


def test_a_run_freezes_the_start_up_heap_and_hands_it_back():
    """The collector's full passes skip the objects alive at a run's start, and get them
    back when the run ends, also when it ends with an error."""
    import gc

    from autograder import grade

    before = gc.get_freeze_count()
    with pytest.raises(RuntimeError):
        with grade._startup_heap_frozen():
            assert gc.get_freeze_count() > 100_000 > before
            raise RuntimeError("the run fails")
    assert gc.get_freeze_count() == before == 0
