"""The grader at class scale: same scores as nbgrader, resumable, shardable."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import course, demo
from autograder.grade import in_shard

from .._demo_class import grade_cells, gradebook_rows
from ..conftest import in_parallel, one_assignment_root

A01 = "01_binary_classification"


def all_auto_scores(root: Path) -> dict:
    """(student, assignment, grade cell) -> auto score, for every grade cell in the gradebook."""
    return {key: auto for key, (_, auto, _) in grade_cells(root).items()}


def grader(root: Path, *args: str, **kw) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "autograder", "grade", *args, "--root", str(root), "--quiet", "--csv", ""]
    return subprocess.Popen(cmd, env=course.nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    return out


def test_scores_identical_to_plain_nbgrader_on_the_demo_class(tmp_path, graded_demo_class):
    """The demo class, graded by plain `nbgrader autograde` (one course root per
    assignment, two at a time) and by our grader (one root, the session's
    demo class, whose other students do not count here): the same score in
    every grade cell of every submission, broken ones included.  Where fay
    hands in ada's very bytes (every assignment but 01), plain nbgrader
    grades ada's copy only: it knows no student ids, so fay's plain grades are
    ada's, and ours must be those too."""
    names = course.assignments(course.REPO)
    ours = {key: auto for key, (_, auto, _) in graded_demo_class.cells.items() if key[0] in demo.STUDENTS}
    our_rows = {key: row for key, row in gradebook_rows(graded_demo_class.root).items() if key[0] in demo.STUDENTS}
    plain_rows = {}

    def plain(name):
        root = one_assignment_root(tmp_path / "nbgrader" / name, name)
        subs = demo.submissions(root, name)
        if name != demo.NOT_A_NOTEBOOK:
            assert subs["fay"] == subs["ada"], "fay hands in ada's notebook"
            del subs["fay"]
        demo.write_submissions(root, {s: {name: data} for s, data in subs.items()})
        course.nbgrader("autograde", name, root=root, check=False)
        scores, rows = all_auto_scores(root), gradebook_rows(root)
        if name != demo.NOT_A_NOTEBOOK:
            scores.update({("fay", *key[1:]): v for key, v in scores.items() if key[0] == "ada"})
        return scores, rows

    plain_scores = {}
    for scores, rows in in_parallel(plain, names):
        plain_scores.update(scores)
        plain_rows.update(rows)
    assert len(plain_scores) >= 9 * len(demo.STUDENTS)
    assert plain_scores == ours
    # and every other column the run writes, which formgrader, feedback and export read
    # (fay is left out: plain nbgrader graded no notebook of hers, see above)
    assert len(plain_rows) > len(plain_scores)
    assert {k: v for k, v in plain_rows.items() if k[0] != "fay"} == \
        {k: v for k, v in our_rows.items() if k[0] != "fay"}
    # the demo class is not trivial: full marks, zero and partial scores all occur
    totals = {}
    for (student, _, _), score in plain_scores.items():
        totals[student] = totals.get(student, 0) + (score or 0)
    assert totals["ada"] > totals["ben"] > totals["dee"] == 0


@pytest.fixture(scope="module")
def class_root(tmp_path_factory):
    """Assignment 01 with ten students who all deserve full marks."""
    root = one_assignment_root(tmp_path_factory.mktemp("class10") / "course", A01)
    source = (root / "source" / A01 / f"{A01}.ipynb").read_bytes()
    demo.write_submissions(root, {f"s{i:02d}": {A01: source} for i in range(10)})
    return root


def _db_counts(root: Path) -> tuple[int, int]:
    con = sqlite3.connect(root / "gradebook.db")
    try:
        subs = con.execute("select count(*) from submitted_assignment").fetchone()[0]
        grades = con.execute("select count(*) from grade").fetchone()[0]
        return subs, grades
    finally:
        con.close()


def test_killed_half_way_a_rerun_finishes_without_regrading(class_root, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(class_root, root)
    state = root / ".autograder" / "state" / A01
    proc = grader(root, A01, "--jobs", "1", start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and len(list(state.glob("*.json"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p.stem: p.stat().st_mtime_ns for p in state.glob("*.json")}
    assert 3 <= len(done_before) < 10, "the kill came half way"

    out = finish(grader(root, A01, "--jobs", "2"))
    assert f"skipped {len(done_before)} " in out, out
    assert f"graded {10 - len(done_before)}," in out, out
    for student, mtime in done_before.items():
        assert (state / f"{student}.json").stat().st_mtime_ns == mtime, f"{student} was regraded"
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        totals = {s.student.id: s.score for s in gb.assignment_submissions(A01)}
    assert totals == {f"s{i:02d}": 9.0 for i in range(10)}, "nothing lost"
    assert _db_counts(root) == (10, 90), "nothing duplicated"


def test_two_shards_at_once_on_sqlite_grade_everyone_once(class_root, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(class_root, root)
    students = [f"s{i:02d}" for i in range(10)]
    first = {s for s in students if in_shard(s, (1, 2))}
    assert first and first != set(students), "both shards have work"
    assert all(in_shard(s, (1, 2)) != in_shard(s, (2, 2)) for s in students)
    procs = [grader(root, A01, "--jobs", "1", "--shard", f"{k}/2") for k in (1, 2)]
    outs = [finish(p) for p in procs]
    assert f"graded {len(first)}," in outs[0] and f"graded {10 - len(first)}," in outs[1]
    assert "locked" not in "".join(outs)
    assert _db_counts(root) == (10, 90)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert {s.student.id: s.score for s in gb.assignment_submissions(A01)} == {s: 9.0 for s in students}
