"""The HTML class report (autograder.htmlreport) of a class graded for real."""
from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from autograder import catalogue, course, demo, htmlreport

from ..conftest import one_assignment_root

A01 = "01_binary_classification"
SCRIPT = "<script>alert('x')</script>"

# Two students whose accuracy raises messages that differ only in their numbers:
# one failure message, counted twice; and student-controlled HTML in it.
RAISES = '''
def accuracy(y_pred, y_true):
    raise ValueError("{script} yours {yours}, expected {expected}")
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Assignment 01 released and graded by ``python -m autograder grade``:

    ada  the source (full marks)           ben  wrong make_labels and standardize
    cy   wrong make_labels only            dee  the release, unchanged (zero)
    fay  not a notebook (cannot be graded)
    gus, hal  an accuracy that raises a message with <script> and numbers
    ivy  submitted after the grading run (not graded yet)
    """
    root = one_assignment_root(tmp_path_factory.mktemp("htmlreport") / "course", A01)
    src = catalogue.read(root / "source" / A01 / f"{A01}.ipynb")
    rel = catalogue.read(root / "release" / A01 / f"{A01}.ipynb")
    wrong, _ = catalogue.entries(A01)
    strict = dict(wrong["make_labels"])["strict_inequality"]
    sample_std = dict(wrong["standardize"])["sample_std"]
    notebooks = {
        "ada": src,
        "ben": catalogue.with_solutions(src, {"make_labels": strict, "standardize": sample_std}),
        "cy": catalogue.with_solutions(src, {"make_labels": strict}),
        "dee": rel,
        "gus": catalogue.with_solutions(src, {"accuracy": RAISES.format(script=SCRIPT, yours=0.83, expected=0.95)}),
        "hal": catalogue.with_solutions(src, {"accuracy": RAISES.format(script=SCRIPT, yours=0.5, expected=0.7)}),
    }
    by_student = {s: {A01: nbformat.writes(nb).encode()} for s, nb in notebooks.items()}
    by_student["fay"] = {A01: b'{"cells": [ truncated'}
    demo.write_submissions(root, by_student)
    cmd = [sys.executable, "-m", "autograder", "grade", A01, "--root", str(root), "--quiet"]
    done = subprocess.run(cmd, env=course.nbgrader_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "failed 1" in done.stdout, done.stdout
    demo.write_submissions(root, {"ivy": {A01: nbformat.writes(src).encode()}})
    return root


@pytest.fixture(scope="module")
def report(graded, tmp_path_factory):
    import matplotlib
    import matplotlib.pyplot as plt

    figures, backend = plt.get_fignums(), matplotlib.get_backend()
    out = tmp_path_factory.mktemp("out") / "report"
    index = htmlreport.write_report(graded, out)
    assert plt.get_fignums() == figures and matplotlib.get_backend() == backend  # no pyplot state leaks
    return index


def rows(page: str, table_class: str) -> list[list[str]]:
    """The text of the body rows of the first table with this class."""
    table = re.search(rf'<table[^>]*class="[^"]*\b{table_class}\b[^"]*".*?</table>', page, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_index_and_valid_pngs(report):
    assert report.name == "index.html"
    page = report.read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    assert sorted(images) == ["01_01_binary_classification_questions.png", "01_01_binary_classification_totals.png"]
    from PIL import Image

    for name in images:
        path = report.parent / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as im:
            im.verify()
            assert im.format == "PNG" and im.size[0] > 300 and im.size[1] > 200
    # nothing but the page and its figures; no external resources
    assert sorted(p.name for p in report.parent.iterdir()) == sorted(images + ["index.html"])
    assert "http://" not in page and "https://" not in page


def gradebook_scores(root: Path) -> dict[str, dict[str, float]]:
    """student -> {grade_id: score} straight from the gradebook (fay, who could not be graded, left out)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student.id: {g.name: g.score for nb in s.notebooks for g in nb.grades}
                for s in gb.assignment_submissions(A01) if s.student.id != "fay"}


def test_overview_and_questions(graded, report):
    page = report.read_text()
    scores = gradebook_scores(graded)
    totals = pd.Series({s: sum(g.values()) for s, g in scores.items()})
    overview = rows(page, "overview")
    assert overview == [[A01, "6", "1", "1", "0", "9", f"{totals.mean():.3g}", f"{totals.median():.3g}"]]
    # the deterministic part of the class (make_labels_values uses random inputs: a strict
    # inequality passes it unless a random value hits the target)
    assert totals["ada"] == 9 and totals["dee"] == 0 and totals["gus"] == totals["hal"] == 7
    assert 5 <= totals["ben"] <= 6 and 7 <= totals["cy"] <= 8

    questions = {r[0]: r for r in rows(page, "questions")}
    assert set(questions) == set(scores["ada"]) and len(questions) == 9
    means = [float(r[8].rstrip("%")) for r in questions.values()]
    assert means == sorted(means)  # hardest first
    for name, row in questions.items():  # question, kind, points, mean, full, partial, zero, pending, mean %
        got = [scores[s][name] for s in scores]
        assert row[1:3] == ["autograded", "1"]
        assert row[3] == f"{np.mean(got):.3g}"
        assert row[4:8] == [str(sum(g == 1 for g in got)), "0", str(sum(g == 0 for g in got)), "0"]
    assert questions["make_labels_boundary"] == ["make_labels_boundary", "autograded", "1", "0.5",
                                                 "3", "0", "3", "0", "50%"]
    assert questions["standardize_values"][4:7] == ["4", "0", "2"]
    assert questions["accuracy_values"][4:7] == ["3", "0", "3"]
    assert questions["add_bias_values"][4:7] == ["5", "0", "1"]


def test_common_failure_messages(report):
    page = report.read_text()
    failures = rows(page, "failures")
    by_message = {(q, m): (int(n), who) for q, n, m, who in failures}
    # test cells show the grader's words only: the hidden check's message, and for a
    # failed visible part the exception's name (what the kernel printed is not copied)
    visible = ("AssertionError: the visible checks of this test cell failed ({}); run the cell in your "
               "notebook to see their message")
    assert by_message[("make_labels_boundary", visible.format("AssertionError"))] == (2, "ben, cy")
    hidden = [(n, who) for q, n, m, who in failures
              if q == "make_labels_boundary" and m.startswith("AssertionError: make_labels: ")]
    assert hidden == [("2", "ben, cy")], hidden
    # the same message with other numbers counts once, with one verbatim example
    raised = [(q, n, m, who) for q, n, m, who in failures if SCRIPT in m]
    assert [(q, n, who) for q, n, _, who in raised if q == "accuracy_values"] == [("accuracy_values", "2", "gus, hal")]
    example = next(m for q, _, m, _ in raised if q == "accuracy_values")
    assert example.endswith((f"ValueError: {SCRIPT} yours 0.83, expected 0.95",
                             f"ValueError: {SCRIPT} yours 0.5, expected 0.7")), example
    # dee's release raises NotImplementedError: named by the grader
    assert by_message[("add_bias_values", visible.format("NotImplementedError"))] == (1, "dee")
    # most common first within a question
    boundary_rows = [int(n) for q, n, _, _ in failures if q == "make_labels_boundary"]
    assert boundary_rows == sorted(boundary_rows, reverse=True)


def test_student_text_is_escaped(report):
    page = report.read_text()
    assert "<script" not in page.lower()
    assert html.escape(SCRIPT) in page


def test_failed_and_ungraded_submissions(report):
    page = report.read_text()
    failed = rows(page, "failed")
    assert len(failed) == 1 and failed[0][0] == "fay" and "JSON" in failed[0][1]
    assert "Submitted but not graded yet" in page and ">ivy<" in page
    assert "Nobody." in page  # no manual grading pending in assignment 01
    # fay is out of the statistics: six graded students in every question
    assert "6 graded submission(s)" in page


def test_rewriting_the_report_replaces_it(graded, report, tmp_path):
    again = htmlreport.write_report(graded, report.parent, db_url=f"sqlite:///{graded / 'gradebook.db'}")
    assert again == report
    assert len(list(report.parent.glob("*.png"))) == 2


def test_normalize_message():
    n = htmlreport.normalize_message
    assert n("yours 0.83, expected 0.95") == n("yours 0.5, expected 0.7") == "yours #, expected #"
    assert n("index (17,) got np.float64(-1.2e-05)") == "index (#,) got np.float64(#)"
    assert n("float64 and x2 stay") == "float64 and x2 stay"
    assert n("got nan, expected inf") == "got #, expected #"


def test_manual_grading_and_partial_marks_section(tmp_path):
    """The per-assignment section from prepared data: partial marks and pending manual grades."""
    info = htmlreport.Assignment("02_<b>", questions=[
        htmlreport.Question("02_<b>", "derivation", 2.0, "manual", "derivation"),
        htmlreport.Question("02_<b>", "pmf_values", 1.0, "autograded", "pmf_values")])
    info.scores = pd.DataFrame({"student": ["a", "b", "c"], "total": [3.0, 1.5, 0.0], "max": [3.0] * 3,
                                "needs_manual": [False, False, True]})
    info.grades = pd.DataFrame([
        ("a", "derivation", 2.0, 2.0, False), ("a", "pmf_values", 1.0, 1.0, False),
        ("b", "derivation", 1.0, 2.0, False), ("b", "pmf_values", 0.5, 1.0, False),
        ("c", "derivation", 0.0, 2.0, True), ("c", "pmf_values", 0.0, 1.0, False)],
        columns=["student", "question", "score", "max", "pending"])
    info.failed = pd.DataFrame(columns=["student", "reason"])
    info.failures = pd.DataFrame(columns=["question", "message", "count", "students"])
    table = htmlreport.question_table(info)
    assert table[["question", "full", "partial", "zero", "pending"]].values.tolist() == [
        ["pmf_values", 1, 1, 1, 0], ["derivation", 1, 1, 0, 1]]
    assert np.isclose(table.loc[1, "mean"], 1.5)
    section, summary = htmlreport._assignment_html(1, info, tmp_path)
    assert summary["need manual grading"] == 1
    assert rows(section, "manual") == [["c", "derivation"]]
    assert "02_&lt;b&gt;" in section and "<b>" not in section
    assert (tmp_path / "01_02__b_totals.png").exists() and (tmp_path / "01_02__b_questions.png").exists()
