"""One course root, every assignment, graded once by ``python -m autograder grade``.

The class: the demo class (``autograder/demo.py``: full marks, typical
mistakes, other correct code, the release unchanged, a broken notebook, a file
that is not a notebook), a small class from the benchmark's builder
(``bench/bench_grading.py``: perfect, 1-3 catalogue mistakes drawn per
student, other correct code) and, for assignment 05, one notebook handed in
under two student ids whose mistakes only the hidden checks see (see
``tests/autograder/test_determinism.py``).  Several tests only need "a graded
course root with these submissions": they share this one instead of each
grading their own.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder import catalogue, course, demo

REPO = course.REPO
A05 = "05_softmax_regression"
BENCH_STUDENTS = 4  # perfect, wrong, correct, perfect: the benchmark's kinds but blank (= dee)
TWINS = ("mix", "mix-again")
#: A mistake that depends on the input, a stand-in for any that a fixed case might miss.
INPUT_DEPENDENT = """
def softmax_nll(W, X, y):
    Z = X @ W.T
    M = Z.max(axis=1, keepdims=True)
    nll = float(np.sum(M[:, 0] + np.log(np.exp(Z - M).sum(axis=1)) - Z[np.arange(len(y)), y]))
    return nll * 1.001 if len(y) > 10 and X[0, 0] > 0 else nll
"""


def bench_module():
    """``bench/bench_grading.py`` as a module (bench/ is a folder of scripts, not a package)."""
    bench = str(REPO / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    spec = importlib.util.spec_from_file_location("bench_grading", REPO / "bench" / "bench_grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hidden_only_notebook(root: Path) -> bytes:
    """05 with the catalogue's log_softmax shifted by the global maximum (no visible
    test sees it) and INPUT_DEPENDENT's softmax_nll (only random inputs reach it,
    and its messages quote their values)."""
    source = catalogue.read(root / "source" / A05 / f"{A05}.ipynb")
    wrong, _ = catalogue.entries(A05)
    chosen = {fn: code for fn, versions in wrong.items() for name, code in versions
              if name == "global_max_shift" and fn == "log_softmax"}
    assert chosen, "the catalogue lost its global-maximum log_softmax"
    chosen["softmax_nll"] = INPUT_DEPENDENT
    return nbformat.writes(catalogue.with_solutions(source, chosen)).encode()


def grade_cells(root: Path) -> dict:
    """(student, assignment, grade cell) -> (score, auto_score, manual_score), every grade cell."""
    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for sub in gb.assignment_submissions(assignment.name):
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(sub.student.id, assignment.name, g.name)] = (g.score, g.auto_score, g.manual_score)
    return out


def gradebook_rows(root: Path) -> dict:
    """Every row a grading run writes, by its natural key and without its random ids:
    (student, assignment[, notebook, cell]) -> the row's columns.  Submissions
    (timestamp, extension, penalty), grades (auto, manual, extra credit, needs a
    grade) and comments (auto, manual)."""
    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for sub in gb.assignment_submissions(assignment.name):
                key = (sub.student.id, assignment.name)
                out[key] = ("submission", sub.timestamp, sub.extension, sub.late_submission_penalty)
                for nb in sub.notebooks:
                    out[(*key, nb.name)] = ("notebook", nb.late_submission_penalty, nb.flagged)
                    for g in nb.grades:
                        out[(*key, nb.name, "grade", g.name)] = (g.auto_score, g.manual_score, g.extra_credit,
                                                                 g.needs_manual_grade)
                    for c in nb.comments:
                        out[(*key, nb.name, "comment", c.name)] = (c.auto_comment, c.manual_comment)
    return out


def _output_text(output) -> tuple:
    kind = output.get("output_type")
    if kind == "error":
        return (kind, output.get("ename", ""), output.get("evalue", ""), tuple(output.get("traceback", [])))
    if kind == "stream":
        return (kind, output.get("name", ""), output.get("text", ""))
    data = output.get("data", {})
    return (kind, tuple(sorted((k, str(v)) for k, v in data.items())))


def messages(root: Path, folder: str = "autograded") -> dict:
    """(student, assignment, cell id) -> every output of every code cell, of every
    notebook under ``root/folder`` (the autograded notebooks)."""
    out = {}
    for path in sorted((root / folder).glob("*/*/*.ipynb")):
        student, assignment = path.parts[-3], path.parts[-2]
        nb = nbformat.read(str(path), as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                key = cell.metadata.get("nbgrader", {}).get("grade_id") or cell.get("id") or str(i)
                out[(student, assignment, key)] = [_output_text(o) for o in cell.get("outputs", [])]
    return out


#: The HTML anchor of a cell: nbgrader's OverwriteCells gives a test cell it restores
#: (one the student deleted) a fresh random id at every grading.  An anchor, not a message.
CELL_ANCHOR = re.compile(rb'id="cell-id=[^"]*"')


def feedback(root: Path) -> dict:
    """(student, assignment, file) -> the bytes of every feedback file, cell anchors masked."""
    return {tuple(p.relative_to(root / "feedback").parts): CELL_ANCHOR.sub(b'id="cell-id=?"', p.read_bytes())
            for p in sorted((root / "feedback").rglob("*")) if p.is_file()}


def grade(root: Path, *extra: str) -> str:
    """Real ``python -m autograder grade`` of every assignment, one batch, two kernels at once."""
    cmd = [sys.executable, "-m", "autograder", "grade", *course.assignments(root), "--root", str(root),
           "--quiet", "--csv", "", "--report", "", "--jobs", "2", *extra]
    done = subprocess.run(cmd, env=course.nbgrader_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def generate_feedback(root: Path) -> None:
    """Real ``nbgrader generate_feedback`` of every assignment: two commands at once
    (one per core), each for half of the assignments.  ``--assignment`` takes a
    glob, and the assignments are named 0N_...: a class of second digits splits them."""
    from .conftest import in_parallel

    names = course.assignments(root)
    digits = "".join(n[1] for n in names[: len(names) // 2])
    runs = in_parallel(lambda glob: course.nbgrader("generate_feedback", "--assignment", glob, "--force",
                                                    root=root, check=False), [f"0[{digits}]*", f"0[!{digits}]*"])
    for done in runs:
        assert done.returncode == 0, done.stderr[-3000:]
    made = {p.parent.name for p in (root / "feedback").glob("*/*/*.html")}
    assert made == set(names), f"feedback for {sorted(made)} only"


@dataclass
class DemoClass:
    root: Path
    demo_students: tuple
    bench_kinds: dict  # bench student -> {assignment: kind label}
    cells: dict  # grade_cells() right after the first grading
    messages: dict  # messages() right after the first grading
    feedback: dict  # feedback() right after the first grading


def build(root: Path) -> DemoClass:
    """Write the class into ``root`` (released, every assignment), grade it once, generate its feedback."""
    names = course.assignments(root)
    demo.build(root)
    by_student, kinds = bench_module().make_class(root, names, BENCH_STUDENTS, with_broken=False)
    demo.write_submissions(root, by_student)
    twin = hidden_only_notebook(root)
    demo.write_submissions(root, {s: {A05: twin} for s in TWINS})
    grade(root)
    generate_feedback(root)
    return DemoClass(root, demo.STUDENTS, kinds, grade_cells(root), messages(root), feedback(root))
