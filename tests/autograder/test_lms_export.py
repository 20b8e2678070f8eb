"""LMS grade export: real `nbgrader export --exporter=...` on a gradebook the grader wrote.

The column layouts below are written from the LMSs' own documentation of
their gradebook import (Canvas: Grades > Import, "Student, ID, SIS User ID,
SIS Login ID, Section" then one column per assignment and an optional
"Points Possible" row; Moodle: Grades > Import > CSV file, one identifier
column mapped to a user field, then one column per grade item), not from the
exporter's code.
"""
from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from autograder import course, demo

from ..conftest import one_assignment_root

A02 = "02_bernoulli_mle"
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTITY = ["ID number", "Email address", "Username"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """02 (which has written answers) graded for ada, ben and dee; ada's written
    answers then graded by hand (as formgrader stores them), ben's left waiting."""
    root = one_assignment_root(tmp_path_factory.mktemp("lms") / "root", A02)
    subs = demo.submissions(root, A02)
    demo.write_submissions(root, {s: {A02: subs[s]} for s in ("ada", "ben", "dee")})
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", A02, "--root", str(root), "--quiet",
                           "--csv", "", "--report", ""], env=course.nbgrader_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    expected = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in ("ada", "ben", "dee"):
            sub = gb.find_submission(A02, student)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.needs_manual_grade and student in ("ada", "dee"):
                        # what formgrader's grade API does on save
                        grade.manual_score = grade.max_score if student == "ada" else 0.0
                        grade.needs_manual_grade = False
            gb.db.commit()
            expected[student] = sum(g.score for nb in sub.notebooks for g in nb.grades)
        max_score = gb.find_assignment(A02).max_score
    # ada, ben and zed (who never submitted) are on the roster; dee is not.
    (root / "roster.csv").write_text(
        "student_id,name,lms_id,sis_user_id,login,section,email\n"
        "ada,\"Lovelace, Ada\",1001,S-1,alovelace,Sec 1,ada@example.edu\n"
        "ben,\"Bitdiddle, Ben\",1002,S-2,bbitdiddle,Sec 1,ben@example.edu\n"
        "zed,\"Zed, Zoe\",1003,S-3,zzed,Sec 2,zed@example.edu\n")
    return root, expected, max_score


def export(root, exporter: str, out: str, *extra: str) -> subprocess.CompletedProcess:
    name = exporter.rsplit(".", 1)[-1]
    return course.nbgrader("export", f"--exporter={exporter}", f"--{name}.roster=roster.csv", f"--to={out}",
                           *extra, root=root, check=False)


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_layout_mapping_and_reports(graded):
    root, expected, max_score = graded
    done = export(root, "autograder.lms_export.CanvasExport", "canvas.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = read(root / "canvas.csv")
    assert rows[0] == CANVAS_IDENTITY + [A02]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == max_score
    by_id = {r[1]: r for r in rows[2:]}
    assert set(by_id) == {"1001", "1002", "1003"}           # dee is not on the roster: not exported
    assert by_id["1001"][:5] == ["Lovelace, Ada", "1001", "S-1", "alovelace", "Sec 1"]
    assert float(by_id["1001"][5]) == expected["ada"] > 0    # written answers graded: counted
    assert by_id["1002"][5] == ""                            # written answers waiting: left blank
    assert float(by_id["1003"][5]) == 0.0                    # no submission: 0, as nbgrader counts it
    log = done.stdout + done.stderr
    assert "dee is in the gradebook but not on the roster" in log
    assert "zed is on the roster but has no submission" in log
    assert f"ben/{A02}" in log and "not graded yet" in log


def test_ungraded_written_answers_zero_or_refuse(graded):
    root, expected, _ = graded
    done = export(root, "autograder.lms_export.CanvasExport", "zero.csv", "--CanvasExport.ungraded=zero")
    assert done.returncode == 0, done.stderr
    ben = [r for r in read(root / "zero.csv")[2:] if r[1] == "1002"][0]
    assert float(ben[5]) == expected["ben"]  # the autograded part, the written part as 0
    done = export(root, "autograder.lms_export.CanvasExport", "refused.csv", "--CanvasExport.ungraded=refuse")
    assert done.returncode != 0
    assert not (root / "refused.csv").exists()
    assert "not graded yet" in done.stdout + done.stderr


def test_moodle_layout(graded):
    root, expected, _ = graded
    done = export(root, "autograder.lms_export.MoodleExport", "moodle.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = read(root / "moodle.csv")
    assert rows[0] == MOODLE_IDENTITY + [A02]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["1001"][1:3] == ["ada@example.edu", "alovelace"]
    assert float(by_id["1001"][3]) == expected["ada"]
    assert by_id["1002"][3] == "" and float(by_id["1003"][3]) == 0.0
    assert "1004" not in by_id and len(rows) == 4


def test_export_without_roster_says_how(graded):
    root, _, _ = graded
    done = course.nbgrader("export", "--exporter=autograder.lms_export.MoodleExport", "--to=x.csv",
                           root=root, check=False)
    assert done.returncode != 0
    assert "--MoodleExport.roster=FILE" in done.stdout + done.stderr
