"""A determined student against ``python -m autograder grade`` (issue 12).

Each tampering notebook of the issue is graded in ONE batch next to honest
students and next to "controls": the same wrong function handed in without
any tampering.  Tampering must earn nothing: a tampered notebook scores what
its control scores.  Nothing the kernel receives may reveal an expected value
or a hidden test, test cells' outputs carry only what the grader wrote, and
every tampering notebook is reported to the instructor as "needs a look".
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbgrader.api import Gradebook

from autograder import catalogue, course, demo

from ..conftest import released_root

A01 = "01_binary_classification"
A03 = "03_sigmoid_logistic_model"


def source_nb(name):
    return catalogue.read(course.REPO / "source" / name / f"{name}.ipynb")


def solution(name, grade_id, code, cell_before: str | None = None, at_top: str | None = None):
    """The source notebook with the solution ``grade_id`` replaced, plus extra cells."""
    nb = catalogue.with_solutions(source_nb(name), {grade_id: code} if code else {})
    if cell_before:
        index = catalogue.solution_cells(nb)[grade_id]
        nb.cells.insert(index, nbformat.v4.new_code_cell(cell_before))
    if at_top:
        first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(at_top))
    return nbformat.writes(nb).encode()


# --- 01: a ">" classifier that learns the boundary from the check channel's messages ----------
ORACLE_BOUNDARY = r'''
import re
from autograder.hidden import check
# the visible example, hard-coded; the hidden cases are learned from the grader's messages
LEARNED = {((1.0, 1.0), (1.0, -1.0)): 1}

def _probe(X, w):
    _probe.last = (np.array(X, dtype=float), np.array(w, dtype=float))
    return np.array([LEARNED.get((tuple(r), tuple(w)), int(r @ w > 0)) for r in X], dtype=int)

for _ in range(40):
    try:
        check("linear_classify.boundary", _probe)
        break
    except AssertionError as e:
        m = re.search(r"index \((\d+),\): yours \S+, expected ([-\d.]+)", str(e))
        if not m:
            break
        X, w = _probe.last
        LEARNED[(tuple(X[int(m[1])]), tuple(w))] = int(float(m[2]))
'''

STRICT_CLASSIFIER = '''
def linear_classify(X, w):
    learned = globals().get("LEARNED", {})
    return np.array([learned.get((tuple(r), tuple(w)), int(r @ w > 0)) for r in X], dtype=int)
'''

# --- 01: the hidden inputs and messages of other assignments' checks ---------------------------
SPY_OTHER_ASSIGNMENTS = r'''
from autograder.hidden import check
for cid in ["bernoulli_pmf.random", "bernoulli_log_pmf.edges", "sigmoid.stable", "log_sigmoid.stable",
            "softmax.stable", "softmax_nll.random"]:
    def probe(*args, **kwargs):
        print("LEAKED-INPUT", cid, [np.asarray(a).tolist() for a in args if not callable(a)][:2])
        return np.zeros(1)
    try:
        check(cid, probe)
        print("LEAKED-VERDICT", cid, "passed")
    except AssertionError as e:
        print("REPLY", cid, str(e))
'''

# --- 01: an in-place standardize, with the measurement wrapped ---------------------------------
WRAP_RUN_ONE = '''
import autograder.hidden as _hidden
import course.checks
_original_run_one = _hidden._run_one

def _run_on_copies(fn, call):
    def on_copies(*args, **kwargs):
        return fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args], **kwargs)
    return _original_run_one(on_copies, call)

_hidden._run_one = _run_on_copies
course.checks.expect_unchanged = lambda *args, **kwargs: None
expect_unchanged = course.checks.expect_unchanged
'''

IN_PLACE = dict(catalogue.entries(A01)[0]["standardize"])["in_place"]

# --- 01: a hook that prints every cell's source (test cells: with their hidden part) -----------
HOOK = '''
def _show(info):
    print("HOOK-SAW:", info.raw_cell)

get_ipython().events.register("pre_run_cell", _show)
'''

# --- 01: a solution cell that ends the process (costs its own function only) ------------------
EXITS = """
def make_labels(mpg, target=30.0):
    return (np.asarray(mpg) >= target).astype(int)

import os
os._exit(0)
"""

# --- 01: an accuracy that hangs on one hidden input only (costs that check only) ---------------
HANGS = """
def accuracy(y_pred, y_true):
    while len(y_pred) == 33:
        pass
    return float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))
"""

# --- 03: a naive log_sigmoid that learns its stability cases from the messages -----------------
ORACLE_LOG_SIGMOID = r'''
import re
from autograder.hidden import check
LEARNED = {-1000.0: -1000.0, 1000.0: 0.0}  # the visible example, hard-coded

def _probe(z):
    z = np.array(z, dtype=float)
    _probe.seen.append(z)
    guesses = {float(v): LEARNED.get(float(v), min(float(v), 0.0)) for v in np.ravel(z)}
    _probe.guesses.update(guesses)
    return np.array([guesses[float(v)] for v in np.ravel(z)]).reshape(z.shape)

for _ in range(60):
    _probe.guesses, _probe.seen = {}, []
    try:
        check("log_sigmoid.stable", _probe)
        LEARNED.update(_probe.guesses)  # every guess was right
        break
    except AssertionError as e:
        text = str(e)
        m = re.search(r"index \(([\d, ]*)\)[^:]*: yours \S+, expected ([-+\deE.na]+)", text)
        s = re.search(r"the value differs[^:]*: yours \S+, expected ([-+\deE.na]+)", text)
        if m:
            idx = tuple(int(i) for i in m[1].replace(" ", "").split(",") if i)
            z = next(z for z in _probe.seen if z.ndim == len(idx))
            LEARNED[float(z[idx])] = float(m[2])
        elif s:
            z = next(z for z in _probe.seen if z.ndim == 0 and float(z) not in LEARNED)
            LEARNED[float(z)] = float(s[1])
        else:
            break
'''

NAIVE_LOG_SIGMOID = '''
def log_sigmoid(z):
    learned = globals().get("LEARNED", {})
    z = np.asarray(z, dtype=float)
    flat = [learned[float(v)] if float(v) in learned else float(np.log(1 / (1 + np.exp(-v))))
            for v in np.ravel(z)]
    return np.array(flat).reshape(z.shape)
'''

PLAIN_NAIVE_LOG_SIGMOID = """
def log_sigmoid(z):
    return np.log(1 / (1 + np.exp(-np.asarray(z, dtype=float))))
"""

# --- 03: a naive sigmoid, with the stability measurement switched off --------------------------
NO_ERRSTATE = '''
import contextlib
import autograder.hidden
import course.checks
autograder.hidden._errstate = lambda **kwargs: contextlib.nullcontext()

def _no_overflow_check(fn, *args, call):
    with np.errstate(all="ignore"):
        return fn(*args)

course.checks.expect_no_overflow = _no_overflow_check
expect_no_overflow = _no_overflow_check
'''

NAIVE_SIGMOID = dict(catalogue.entries(A03)[0]["sigmoid"])["naive_overflows"]


def batch() -> dict[tuple[str, str], bytes]:
    return {
        ("honest", A01): solution(A01, "linear_classify", None),
        ("oracle-boundary", A01): solution(A01, "linear_classify", STRICT_CLASSIFIER, ORACLE_BOUNDARY),
        ("spy-other-assignments", A01): solution(A01, "make_labels", None, at_top=SPY_OTHER_ASSIGNMENTS),
        ("wrapped-run-one", A01): solution(A01, "standardize", IN_PLACE, WRAP_RUN_ONE),
        ("hook", A01): solution(A01, "make_labels", None, at_top=HOOK),
        ("solution-exits", A01): solution(A01, "make_labels", EXITS),
        ("check-hangs", A01): solution(A01, "accuracy", HANGS),
        ("honest", A03): solution(A03, "sigmoid", None),
        ("oracle-log-sigmoid", A03): solution(A03, "log_sigmoid", NAIVE_LOG_SIGMOID, ORACLE_LOG_SIGMOID),
        ("control-log-sigmoid", A03): solution(A03, "log_sigmoid", PLAIN_NAIVE_LOG_SIGMOID),
        ("no-errstate", A03): solution(A03, "sigmoid", NAIVE_SIGMOID, NO_ERRSTATE),
        ("control-sigmoid", A03): solution(A03, "sigmoid", NAIVE_SIGMOID),
    }


TAMPERED = {"oracle-boundary", "spy-other-assignments", "wrapped-run-one", "hook", "oracle-log-sigmoid",
            "no-errstate"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = released_root(tmp_path_factory.mktemp("tamper") / "course", (A01, A03))
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("\nc.Execute.timeout = 10\n")
    by_student: dict = {}
    for (student, name), data in batch().items():
        by_student.setdefault(student, {})[name] = data
    demo.write_submissions(root, by_student)
    cmd = [sys.executable, "-m", "autograder", "grade", A01, A03, "--root", str(root), "--quiet",
           "--jobs", "2"]
    done = subprocess.run(cmd, env=course.nbgrader_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return root


def score(root, student, name) -> float:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return gb.find_submission(name, student).score


def cell_scores(root, student, name) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {g.name: g.score for g in gb.find_submission_notebook(name, name, student).grades}


def autograded(root, student, name):
    return nbformat.read(str(root / "autograded" / student / name / f"{name}.ipynb"), as_version=4)


def is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def outputs_text(nb, only=lambda cell: True) -> str:
    return "\n".join(json.dumps(o) for c in nb.cells if only(c) for o in c.get("outputs", []))


def test_tampering_earns_nothing(graded):
    got = {(s, n): score(graded, s, n) for s, n in batch()}
    assert got[("honest", A01)] == 9 and got[("honest", A03)] == 15, got
    # 01: a ">" classifier loses the boundary cell; an in-place standardize both standardize cells
    assert got[("oracle-boundary", A01)] == 8, got
    assert cell_scores(graded, "oracle-boundary", A01)["linear_classify_boundary"] == 0
    assert got[("wrapped-run-one", A01)] == 7, got
    assert cell_scores(graded, "wrapped-run-one", A01)["standardize_values"] == 0
    # the spy and the hook tamper with nothing that is graded: full marks, and no more
    assert got[("spy-other-assignments", A01)] == 9 and got[("hook", A01)] == 9, got
    # a solution cell that ends the kernel loses its own function's cells, nothing else
    assert got[("solution-exits", A01)] == 7, got
    lost = {k for k, v in cell_scores(graded, "solution-exits", A01).items() if v == 0}
    assert lost == {"make_labels_values", "make_labels_boundary"}, lost
    # a hidden check that hangs fails alone; the checks after it run in a fresh kernel
    lost = {k for k, v in cell_scores(graded, "check-hangs", A01).items() if v == 0}
    assert lost == {"accuracy_values"}, lost
    why = outputs_text(autograded(graded, "check-hangs", A01))
    assert "accuracy: the hidden check accuracy.random did not finish" in why, why[-1000:]
    # 03: each tampered notebook scores exactly what the same wrong function scores untampered
    assert got[("control-log-sigmoid", A03)] < 15 and got[("control-sigmoid", A03)] < 15, got
    assert got[("oracle-log-sigmoid", A03)] == got[("control-log-sigmoid", A03)], got
    assert got[("no-errstate", A03)] == got[("control-sigmoid", A03)], got
    assert cell_scores(graded, "no-errstate", A03)["sigmoid_stable"] == 0


def test_the_kernel_learns_no_hidden_input_and_no_verdict(graded):
    text = outputs_text(autograded(graded, "spy-other-assignments", A01))
    assert "REPLY" in text, "the spy ran"
    assert "LEAKED-INPUT" not in text and "LEAKED-VERDICT" not in text, text[:2000]
    replies = [line for line in re.findall(r"REPLY [^\"\\]*", text)]
    assert replies and not any(w in r for r in replies for w in ("expected", "yours", "passed")), replies


def test_test_cells_show_only_what_the_grader_wrote(graded):
    for student, name in batch():
        nb = autograded(graded, student, name)
        for cell in filter(is_test_cell, nb.cells):
            for out in cell.get("outputs", []):
                assert out["output_type"] == "error", (student, cell.metadata["nbgrader"]["grade_id"], out)
                assert "HOOK-SAW" not in json.dumps(out)


def test_hidden_tests_never_reach_outputs_or_feedback(graded):
    nb = autograded(graded, "hook", A01)
    text = outputs_text(nb)
    assert "HOOK-SAW" in text, "the hook ran"
    for secret in ("BEGIN HIDDEN TESTS", "autograder.hidden", 'check("'):
        assert secret not in text, secret
    for student in ("hook", "oracle-boundary"):
        course.nbgrader("generate_feedback", A01, "--student", student, root=graded)
        page = (graded / "feedback" / student / A01 / f"{A01}.html").read_text()
        page = html.unescape(re.sub(r"<[^>]+>", "", page))
        # (the oracle's own cell names autograder.hidden and check: that is the student's code)
        secrets = ("BEGIN HIDDEN TESTS", "needs a look") + (
            ("autograder.hidden", 'check("') if student == "hook" else ('check("make_labels',))
        for secret in secrets:
            assert secret not in page, (student, secret)
    page = html.unescape(re.sub(r"<[^>]+>", "", (graded / "feedback" / "oracle-boundary" / A01
                                                  / f"{A01}.html").read_text()))
    assert "linear_classify" in page and "Score: 0.0 / 1.0" in page, "the failed check is explained"


def test_tampering_is_reported_as_needs_a_look(graded):
    grades = pd.read_csv(graded / "grades.csv", index_col="student")
    page = (graded / "reports" / "index.html").read_text()
    section = html.unescape(" ".join(re.findall(r'<table class="[^"]*\blooks\b.*?</table>', page, re.S)))
    for student, name in batch():
        flagged = student in TAMPERED
        note = grades.loc[student, f"{name}:needs_a_look"]
        assert (isinstance(note, str) and bool(note.strip())) == flagged, (student, name, note)
        first = autograded(graded, student, name).cells[0]
        has_note = first.cell_type == "markdown" and "needs a look" in first.source.lower()
        assert has_note == flagged, (student, first.source[:300])
        assert (student in section) == flagged, student
    assert "autograder" in grades.loc["wrapped-run-one", f"{A01}:needs_a_look"]
    assert "events" in grades.loc["hook", f"{A01}:needs_a_look"]
    assert "errstate" in grades.loc["no-errstate", f"{A03}:needs_a_look"]


# --- the pieces, without a kernel ----------------------------------------------------------------
def test_check_session_answers_one_plan_and_never_a_verdict():
    from autograder import cases
    from autograder.checkrun import HARNESS_INDEX, CheckSession

    session = CheckSession(["linear_classify.boundary", "accuracy.edges", "no_such.check"])
    assert session.handle({"op": "plan"}, HARNESS_INDEX - 1) == session.handle({"op": "check"}, HARNESS_INDEX)
    plan = session.handle({"op": "plan"}, HARNESS_INDEX)
    assert [c["id"] for c in plan["checks"]] == ["linear_classify.boundary", "accuracy.edges"]
    assert "checks" not in session.handle({"op": "plan"}, HARNESS_INDEX), "one plan per kernel"
    token = plan["token"]
    session.handle({"op": "ready", "token": token}, HARNESS_INDEX)
    wrong = [{"value": {"kind": "none"}, "args_after": []}]
    for bad in ({"op": "results", "token": "guess", "id": "accuracy.edges", "outcomes": wrong},
                {"op": "results", "id": "accuracy.edges", "outcomes": wrong}):
        assert "received" not in session.handle(bad, HARNESS_INDEX)
    # a right answer computed by the reference, sent once: judged here, acknowledged only
    calls, _ = cases.prepare("accuracy.edges")
    from autograder.hidden import run_calls
    from autograder.reference import a01

    right = run_calls(a01.accuracy, calls)
    reply = session.handle({"op": "results", "token": token, "id": "accuracy.edges", "outcomes": wrong},
                           HARNESS_INDEX)
    assert set(reply) == {"received"}, "no verdict, no message back into the kernel"
    session.handle({"op": "results", "token": token, "id": "accuracy.edges", "outcomes": right}, HARNESS_INDEX)
    assert session.verdicts["accuracy.edges"]["ok"] is False, "a verdict is never replaced"
    assert session.verdicts["no_such.check"]["ok"] is False
    assert session.unjudged() == ["linear_classify.boundary"]


def test_needs_a_look_is_quiet_on_honest_code():
    from autograder import lookout

    for name in course.assignments():
        src = source_nb(name)
        release = catalogue.read(course.REPO / "release" / name / f"{name}.ipynb")
        assert lookout.scan_notebook(src, src) == [] and lookout.scan_notebook(release, src) == [], name
        for student, replacements, _ in catalogue.variants(name):
            found = lookout.scan_notebook(catalogue.with_solutions(src, replacements), src)
            assert found == [], (name, student, found)
    sneaky = "import numpy\nnumpy.seterr(over='ignore')\nf = getattr(np, 'se' + 'terr')\nsys.modules['x'] = 1"
    found = [what for _, what in lookout.scan_source(sneaky, {"np": "numpy"})]
    assert any("seterr" in w for w in found) and any("getattr" in w for w in found) \
        and any("sys.modules" in w for w in found), found
