"""The trusted grader (`python -m autograder grade`) on real submissions.

One batch holds a well-behaved student next to every kind of broken, crashing,
cheating or malicious submission.  For each the expected grade is defined
here; the batch must go on, the gradebook stay consistent, and the submitted
files stay untouched.
"""
from __future__ import annotations

import copy
import hashlib
import html
import re
import json
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import catalogue, course, demo

from ..conftest import one_assignment_root

A01 = "01_binary_classification"
FULL = 9.0


@pytest.fixture(scope="session")
def base_root(tmp_path_factory):
    """A course root with assignment 01 released; cells time out after 4 s."""
    root = one_assignment_root(tmp_path_factory.mktemp("grader") / "course", A01)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("\nc.Execute.timeout = 4\n")
    return root


@pytest.fixture(scope="module")
def root(base_root, tmp_path_factory):
    dest = tmp_path_factory.mktemp("batch") / "course"
    shutil.copytree(base_root, dest)
    return dest


def source_nb():
    return catalogue.read(course.REPO / "source" / A01 / f"{A01}.ipynb")


def with_cell(code: str, after: str = "make_labels_boundary", nb=None):
    """The source notebook with an extra code cell after the cell ``after``."""
    nb = copy.deepcopy(nb or source_nb())
    index = next(i for i, c in enumerate(nb.cells)
                 if c.metadata.get("nbgrader", {}).get("grade_id") == after)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
    return nb


def as_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode()


def grade(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder", "grade", A01, "--root", str(root), "--quiet", *args]
    done = subprocess.run(cmd, env=course.nbgrader_env(), capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def totals(root: Path) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(A01)}


def cell_scores(root: Path, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(A01, A01, student)
        return {g.name: g.score for g in nb.grades}


def autograded_nb(root: Path, student: str):
    return nbformat.read(str(root / "autograded" / student / A01 / f"{A01}.ipynb"), as_version=4)


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(json.dumps(out))
    return "\n".join(parts)


# --- the batch ---------------------------------------------------------------------
def _old_nbformat():
    nb = source_nb()
    return nbformat.writes(nbformat.convert(nb, 3), version=3).encode()


def _ids(kind):
    data = json.loads(nbformat.writes(source_nb()))
    for cell in data["cells"]:
        if kind == "missing":
            cell.pop("id", None)
        else:
            cell["id"] = "same-id"
    if kind == "missing":
        data["nbformat_minor"] = 4  # ids are optional before 4.5
    return json.dumps(data).encode()


def _edit_test(transform):
    nb = source_nb()
    tests = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")]
    transform(nb, tests)
    return as_bytes(nb)


def _delete_test(nb, tests):
    del nb.cells[tests[0]]


def _pass_test(nb, tests):
    for i in tests:
        nb.cells[i].source = "pass"


def _retype(nb, tests):
    cell = nb.cells[tests[0]]
    nb.cells[tests[0]] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata, id=cell.id)


_WRONG = catalogue.entries(A01)[0]
_CHEAT = """
import builtins, math
import numpy as np
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.all = lambda *a, **k: True
np.abs = lambda x, *a, **k: 0 * x
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0
import course.checks
course.checks.expect_labels = lambda *a, **k: None
expect_labels = course.checks.expect_labels

class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool).view(AlwaysEqual)

def linear_classify(X, w):
    return np.zeros(len(X), dtype=int).view(AlwaysEqual)
"""

_SILENCE = """
import autograder.hidden
autograder.hidden.check = lambda *a, **k: None
"""

SPY = r"""
import glob, os
ROOT = {root!r}
found = []
for pattern in [ROOT + "/source/**/*.ipynb", ROOT + "/gradebook.db", ROOT + "/submitted/**/*.ipynb",
                ROOT + "/autograder/reference/a01.py", ROOT + "/autograder/cases/a01.py", "/root/.bashrc",
                "/root/.profile"]:
    for path in glob.glob(pattern, recursive=True) or [pattern]:
        try:
            with open(path, "rb") as f:
                if f.read(100):
                    found.append(path)
        except OSError:
            pass
try:
    import autograder.reference
    found.append("import autograder.reference")
except ImportError:
    pass
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    found.append("network")
except OSError:
    pass
print("LEAKED:", found)
"""


@pytest.fixture(scope="module")
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    connections = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
                connections.append(conn)
            except OSError:
                if server.fileno() < 0:
                    return
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    server.close()


def _wrong_make_labels():
    # labels inverted: loses both make_labels test cells, nothing else
    name, code = _WRONG["make_labels"][3]
    assert name == "inverted"
    return as_bytes(catalogue.with_solutions(source_nb(), {"make_labels": code}))


def _stderr_in_passing_test():
    code = """
def make_labels(mpg, target=30.0):
    import sys, warnings
    print("debugging make_labels", file=sys.stderr)
    warnings.warn("a library warning", RuntimeWarning)
    return (np.asarray(mpg) >= target).astype(int)
"""
    return as_bytes(catalogue.with_solutions(source_nb(), {"make_labels": code}))


def batch(root: Path, port: int) -> dict[str, tuple[bytes, float]]:
    """student -> (submitted notebook bytes, expected total)."""
    ok = as_bytes(source_nb())
    return {
        "ok": (ok, FULL),
        "invalid-json": (ok[: len(ok) // 3], 0.0),
        "empty-file": (b"", 0.0),
        "old-nbformat": (_old_nbformat(), FULL),
        "missing-ids": (_ids("missing"), FULL),
        "duplicate-ids": (_ids("duplicate"), FULL),
        "deleted-test": (_edit_test(_delete_test), FULL),
        "test-edited-to-pass": (_edit_test(_pass_test), FULL),
        "retyped-test": (_edit_test(_retype), FULL),
        "wrong-make-labels": (_wrong_make_labels(), FULL - 2),
        "infinite-loop": (as_bytes(with_cell("while True:\n    pass")), FULL),
        "print-flood": (as_bytes(with_cell("while True:\n    print('x' * 10000)")), FULL),
        "memory-bomb": (as_bytes(with_cell("blocks = []\nwhile True:\n    blocks.append(bytearray(10**8))")), FULL),
        "fork-bomb": (as_bytes(with_cell("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass")), FULL),
        "sys-exit": (as_bytes(with_cell("import sys\nsys.exit(3)")), FULL),
        "os-exit": (as_bytes(with_cell("import os\nos._exit(0)")), FULL),
        "kill-kernel": (as_bytes(with_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")), FULL),
        "input": (as_bytes(with_cell("name = input('your name?')")), FULL),
        "stderr-in-passing-test": (_stderr_in_passing_test(), FULL),
        "spy": (as_bytes(with_cell(SPY.format(root=str(root), port=port))), FULL),
        # numpy, math, builtins and the visible checks patched, an always-equal
        # result, all in the solution cell (the only cell the hidden checks run):
        # the visible tests of linear_classify pass, the hidden ones do not
        "cheat": (as_bytes(catalogue.with_solutions(source_nb(), {"linear_classify": _CHEAT})), FULL - 2),
        # the hidden checks "silenced" from a cell of the notebook: they do not run
        # in the notebook's kernel at all, so nothing changes (and it needs a look)
        "silenced": (as_bytes(with_cell(_SILENCE, after="accuracy")), FULL),
    }


@pytest.fixture(scope="module")
def graded_batch(root, listener):
    port, connections = listener
    cases = batch(root, port)
    demo.write_submissions(root, {s: {A01: data} for s, (data, _) in cases.items()})
    # a renamed notebook and an extra notebook
    extra = root / "submitted" / "extra-notebook" / A01
    demo.write_submissions(root, {"extra-notebook": {A01: as_bytes(source_nb())}})
    (extra / "scratch.ipynb").write_bytes(as_bytes(source_nb()))
    renamed = root / "submitted" / "renamed" / A01
    renamed.mkdir(parents=True)
    (renamed / f"{A01} (1).ipynb").write_bytes(as_bytes(source_nb()))
    expected = {s: total for s, (_, total) in cases.items()}
    expected.update({"extra-notebook": FULL, "renamed": 0.0})
    before = tree_hash(root / "submitted")
    done = grade(root, "--jobs", "2")
    return root, expected, done, before, connections


def test_every_case_gets_its_grade_and_the_batch_goes_on(graded_batch):
    root, expected, done, before, _ = graded_batch
    got = totals(root)
    wrong = {s: (got.get(s), e) for s, e in expected.items() if got.get(s) != e}
    assert not wrong, f"(got, expected): {wrong}\n{done.stdout}\n{done.stderr[-2000:]}"
    assert "failed invalid-json" in done.stdout and "failed empty-file" in done.stdout
    assert f"found only {A01} (1).ipynb" in done.stdout, "a renamed notebook is reported by name"


def test_submitted_files_untouched_and_gradebook_consistent(graded_batch):
    root, expected, _, before, _ = graded_batch
    assert tree_hash(root / "submitted") == before
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(A01):
            nb = sub.notebooks[0]
            assert len(nb.grades) == 9
            assert sub.score == pytest.approx(sum(g.score for g in nb.grades))


def test_kernel_death_keeps_earlier_scores_and_grades_the_rest(graded_batch):
    root = graded_batch[0]
    for student in ("os-exit", "kill-kernel", "infinite-loop", "print-flood", "fork-bomb"):
        scores = cell_scores(root, student)
        assert scores["make_labels_values"] == 1 and scores["accuracy_edges"] == 1, (student, scores)
        text = outputs_text(autograded_nb(root, student))
        assert "DeadKernelError" in text or "CellTimeoutError" in text, student


def test_output_flood_is_capped(graded_batch):
    path = graded_batch[0] / "autograded" / "print-flood" / A01 / f"{A01}.ipynb"
    assert path.stat().st_size < 2_000_000


def test_nothing_leaks_into_the_sandbox(graded_batch):
    root, _, _, _, connections = graded_batch
    text = outputs_text(autograded_nb(root, "spy"))
    assert "LEAKED: []" in text, text[-1500:]
    assert connections == [], "a kernel reached the network"


def test_cheats_lose_their_points(graded_batch):
    root = graded_batch[0]
    scores = cell_scores(root, "cheat")
    assert scores["linear_classify_values"] == 0 and scores["linear_classify_boundary"] == 0
    assert scores["accuracy_values"] == 1, "the honest functions keep their points"
    nb = autograded_nb(root, "cheat")
    errors = [o for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("linear")
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and all("linear_classify" in o["evalue"] for o in errors), "the hidden check says why"
    silenced = autograded_nb(root, "silenced")
    assert silenced.cells[0].cell_type == "markdown" and "needs a look" in silenced.cells[0].source


def test_feedback_shows_results_but_no_hidden_tests(graded_batch):
    root = graded_batch[0]
    course.nbgrader("generate_feedback", A01, "--student", "wrong-make-labels", root=root)
    page = (root / "feedback" / "wrong-make-labels" / A01 / f"{A01}.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert re.search(r"make_labels: .* yours \d, expected \d", text), "the failure message is shown"
    assert "Score: 0.0 / 1.0" in text and "Score: 1.0 / 1.0" in text, "points per test are shown"
    for secret in ("BEGIN HIDDEN TESTS", 'check("make_labels', "autograder.hidden", "import autograder"):
        assert secret not in text, secret


def test_rerun_skips_what_is_done_and_force_regrades(graded_batch):
    root = graded_batch[0]
    again = grade(root)
    assert "graded 0," in again.stdout and "skipped" in again.stdout
    forced = grade(root, "--student", "ok", "--force")
    assert "graded 1," in forced.stdout


def test_refuses_without_a_sandbox_unless_told(base_root, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(base_root, root)
    demo.write_submissions(root, {"ok": {A01: as_bytes(source_nb())}})
    env = dict(course.nbgrader_env(), AUTOGRADER_SANDBOX_DISABLE="net_ns")
    cmd = [sys.executable, "-m", "autograder", "grade", A01, "--root", str(root), "--quiet", "--csv", ""]
    refused = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2
    assert "refusing to grade" in refused.stderr and "net_ns" in refused.stderr
    assert "--allow-unsandboxed" in refused.stderr
    assert not (root / "autograded").exists(), "nothing was graded"
    allowed = subprocess.run(cmd + ["--allow-unsandboxed"], env=env, capture_output=True, text=True,
                             timeout=300)
    assert allowed.returncode == 0, allowed.stderr
    assert "graded 1," in allowed.stdout and totals(root) == {"ok": FULL}


def test_writes_grades_csv_and_html_report(graded_batch):
    import pandas as pd

    root, expected, *_ = graded_batch
    grades = pd.read_csv(root / "grades.csv", index_col="student")
    assert set(expected) <= set(grades.index)
    assert grades.loc["ok", A01] == FULL and grades.loc["wrong-make-labels", f"{A01}:make_labels_values"] == 0
    page = (root / "reports" / "index.html").read_text()
    assert "invalid-json" in page and "make_labels_values" in page


def test_a_step_sqlite_refused_with_database_is_locked_is_tried_again():
    """SQLite can answer "database is locked" at once (where waiting could deadlock): the
    step is tried again; any other error, or a lock that never goes, is raised."""
    import sqlite3

    from autograder.grade import _retry_if_locked

    calls = []

    def flaky(x):
        calls.append(x)
        if len(calls) < 3:
            try:
                raise sqlite3.OperationalError("database is locked")
            except sqlite3.OperationalError as exc:
                raise RuntimeError("could not save the grades") from exc
        return x * 2

    assert _retry_if_locked(flaky, 21) == 42 and calls == [21, 21, 21]

    def broken():
        calls.append("broken")
        raise ValueError("not a notebook")

    calls.clear()
    with pytest.raises(ValueError):
        _retry_if_locked(broken)
    assert calls == ["broken"]

    def always_locked():
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError):
        _retry_if_locked(always_locked, attempts=2)
