#!/usr/bin/env python
"""Benchmark: plain serial ``nbgrader autograde`` against ``python -m autograder grade``.

What it does, in one run:

1. builds a synthetic class (``--students``, default 40) for every assignment
   found in ``source/`` *now*, from the source notebooks and the catalogue:

   * ``perfect`` -- the source solutions
   * ``wrong``   -- the source with 1-3 graded functions replaced by a typical
     wrong version from the catalogue (``catalogue.with_solutions``)
   * ``correct`` -- the source with every function that has one replaced by
     a differently written correct version from the catalogue
   * ``blank``   -- the release notebook, handed in unchanged
   * ``broken``  -- only with ``--with-broken``: a syntax error in a solution,
     one test cell deleted and one retyped as markdown (``demo._broken``)

   (an assignment whose catalogue is empty gets source solutions instead of
   ``wrong``/``correct``; the table says so);
2. writes the first ``--baseline-students`` of them (default: all, at most 40)
   into two identical course roots, A and B;
3. grades A with plain ``nbgrader autograde ASSIGNMENT`` (one command per
   assignment, serial: the baseline) and B with
   ``python -m autograder grade ALL --jobs N --stats`` (a subprocess, end to end);
4. checks that every per-cell score agrees between the two gradebooks
   (exit status 1 and a list of the differences if not);
5. grades the whole class (``--students``) in a root of its own, and with
   ``--scaling`` also B's class again at 1 and 2 jobs and classes of 50, 100
   and 300 students, each in a fresh root;
6. reports, for every run of the new grader, wall throughput and CPU seconds
   per notebook: the total (``getrusage(RUSAGE_CHILDREN)`` of this process
   around the grader's subprocess: the grader, its fork server and every
   kernel, since each kernel is reaped by its namespace init before the init
   is killed, and the init by the fork server; tests/autograder/
   test_cpu_accounting.py checks this), split into the cells' own CPU (the
   notebook's cells and the check kernel's harness cell, measured in the
   kernel around each cell) and everything else, with the fixed start-up
   (interpreter, imports, fork server) apart.

Usage (from the repository root)::

    .venv/bin/python bench/bench_grading.py               # 40 students
    .venv/bin/python bench/bench_grading.py --quick       # 8 students, smoke run
    .venv/bin/python bench/bench_grading.py --students 300 --baseline-students 40 --scaling   # every figure

This is a benchmark, not a test: the only failing exit status is for
disagreeing scores (or a grader that could not run).
"""
from __future__ import annotations

import argparse
import copy
import datetime as _dt
import json
import os
import platform
import random
import resource
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from _common import table  # noqa: E402  (bench/ is on sys.path: scripts run from here)
# nbgrader runs `alembic` / `jupyter` from PATH: this interpreter's bin first.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
os.environ.pop("NBGRADER_EXECUTION", None)

import nbformat  # noqa: E402

from autograder import catalogue, course, demo  # noqa: E402

#: the order students are dealt kinds in (repeats every 10 students)
MIX = ("perfect", "wrong", "correct", "perfect", "wrong", "blank", "perfect", "wrong", "correct", "wrong")
MIX_BROKEN = ("perfect", "wrong", "correct", "perfect", "wrong", "blank", "perfect", "wrong", "correct", "broken")


def log(msg: str = "") -> None:
    print(msg, flush=True)


def stamp() -> str:
    return time.strftime("%H:%M:%S")


# --- what the graders read from the repository -------------------------------------
WATCHED = ("autograder", "course", "source", "nbgrader_config.py")


def code_snapshot() -> dict:
    """path -> sha256 of every file both graders read from the repository.

    Both graders import ``autograder`` (hidden checks, references) and ``course``
    from this checkout, and the roots copy ``source/``: an edit made while the
    benchmark runs can make the two gradebooks differ for a reason that is not
    the grader's.  Compared at the start and the end of the run.
    """
    import hashlib

    out = {}
    for top in WATCHED:
        base = REPO / top
        files = [base] if base.is_file() else sorted(base.rglob("*")) if base.exists() else []
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                out[str(path.relative_to(REPO))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def changed_files(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


# --- the synthetic class ---------------------------------------------------------
def _catalogue(name: str):
    try:
        return catalogue.entries(name)
    except Exception as exc:  # an assignment being written: no (usable) catalogue yet
        log(f"    note: no catalogue for {name} ({type(exc).__name__}: {exc})")
        return {}, {}


def _strip(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def make_class(root: Path, names: list[str], n_students: int, with_broken: bool, seed: int = 0):
    """{student: {assignment: bytes}} and {student: {assignment: kind}}."""
    mix = MIX_BROKEN if with_broken else MIX
    students = [f"s{i + 1:03d}" for i in range(n_students)]
    by_student = {s: {} for s in students}
    kinds = {s: {} for s in students}
    for name in names:
        source = catalogue.read(root / "source" / name / f"{name}.ipynb")
        release = catalogue.read(root / "release" / name / f"{name}.ipynb")
        wrong, correct = _catalogue(name)
        solutions = catalogue.solution_cells(source)
        wrong = {fn: v for fn, v in wrong.items() if fn in solutions and v}
        correct = {fn: v for fn, v in correct.items() if fn in solutions and v}
        for i, student in enumerate(students):
            kind = mix[i % len(mix)]
            rng = random.Random(zlib.crc32(f"{seed}/{student}/{name}".encode()))
            if kind == "wrong" and wrong:
                fns = rng.sample(sorted(wrong), rng.randint(1, min(3, len(wrong))))
                nb = catalogue.with_solutions(source, {fn: rng.choice(wrong[fn])[1] for fn in fns})
                label = f"wrong({len(fns)})"
            elif kind == "correct" and correct:
                nb = catalogue.with_solutions(source, {fn: rng.choice(v)[1] for fn, v in correct.items()})
                label = "correct"
            elif kind == "blank":
                nb, label = release, "blank"
            elif kind == "broken":
                nb, label = demo._broken(source), "broken"
            else:
                nb = source
                label = "perfect" if kind == "perfect" else f"perfect (no {kind} catalogue)"
            by_student[student][name] = nbformat.writes(_strip(copy.deepcopy(nb))).encode()
            kinds[student][name] = label
    return by_student, kinds


# --- grading ---------------------------------------------------------------------
AUTOGRADING = re.compile(r"\] Autograding \S+\.ipynb")


def build_class_root(root: Path, n_students: int) -> list[str]:
    """A course root with the release generated and the synthetic class of ``n_students``
    submitted (the profiling scripts' class); returns the assignments."""
    from autograder import course, demo

    course.new_course_root(root)
    names = course.assignments(root)
    course.generate_release(root, names)
    by_student, _ = make_class(root, names, n_students, False)
    demo.write_submissions(root, by_student)
    return names


def grade_with_nbgrader(root: Path, names: list[str], total: int, logfile: Path) -> tuple[float, list]:
    """Serial ``nbgrader autograde NAME`` per assignment; returns (wall seconds, per-assignment rows)."""
    rows, done = [], 0
    wall0 = time.perf_counter()
    with open(logfile, "w") as logf:
        for name in names:
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", name],
                                    cwd=root, env=course.nbgrader_env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            errors = 0
            for line in proc.stdout:
                logf.write(line)
                if AUTOGRADING.search(line):
                    done += 1
                    el = time.perf_counter() - wall0
                    sys.stderr.write(f"\r    nbgrader: {done}/{total} notebooks, {el:6.1f} s")
                    sys.stderr.flush()
                if "There was an error processing assignment" in line:
                    errors += 1
            proc.wait()
            rows.append((name, time.perf_counter() - t0, proc.returncode, errors))
    sys.stderr.write("\n")
    return time.perf_counter() - wall0, rows


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def grade_with_autograder(root: Path, names: list[str], jobs: int, quiet: bool) -> dict:
    """``python -m autograder grade`` as a subprocess; its wall time and CPU figures."""
    stats = root / "grade-stats.json"
    cmd = [sys.executable, "-m", "autograder", "grade", *names, "--root", str(root),
           "--jobs", str(jobs), "--csv", "", "--report", "", "--stats", str(stats)] + (["--quiet"] if quiet else [])
    cpu0, t0 = children_cpu(), time.perf_counter()
    # stderr (tqdm's progress bar) goes straight to the terminal
    proc = subprocess.run(cmd, cwd=root, env=course.nbgrader_env(), stdout=subprocess.PIPE, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if proc.returncode != 0:
        log(proc.stdout)
        raise SystemExit(f"`{' '.join(cmd)}` exited with status {proc.returncode}")
    figures = json.loads(stats.read_text())
    n = figures["notebooks"] or 1
    cells = figures["cell_cpu_s"] + figures["check_cpu_s"]
    figures.update(wall_s=wall, total_cpu_s=cpu, output=proc.stdout.strip(),
                   fixed_cpu_s=cpu - figures["run_cpu_s"],
                   cells_cpu_per_nb_s=cells / n,
                   other_cpu_per_nb_s=(figures["run_cpu_s"] - cells) / n,
                   total_cpu_per_nb_s=cpu / n, nb_per_s=n / wall, run_nb_per_s=n / figures["run_wall_s"])
    return figures


def cpu_row(label: str, students: int, f: dict) -> tuple:
    n = f["notebooks"]
    return (label, students, n, f["jobs"], f"{f['wall_s']:.1f}", f"{f['nb_per_s']:.2f}",
            f"{f['total_cpu_per_nb_s'] * 1000:.0f}", f"{f['cell_cpu_s'] / n * 1000:.0f}",
            f"{f['check_cpu_s'] / n * 1000:.0f}", f"{f['other_cpu_per_nb_s'] * 1000:.0f}",
            f"{f['grader_run_cpu_s'] / n * 1000:.0f}",
            f"{f['fixed_cpu_s']:.1f}")


CPU_HEADERS = ("run", "students", "notebooks", "jobs", "wall s", "nb/s", "CPU ms/nb", "cells ms/nb",
               "checks ms/nb", "other ms/nb", "(grader process)", "start-up CPU s")


def class_root(template: Path, dest: Path, by_student: dict, students: list[str]) -> Path:
    """A fresh course root (copied from the template: config, source, release) with these students."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(template, dest)
    demo.write_submissions(dest, {s: by_student[s] for s in students})
    return dest


# --- the gradebooks ----------------------------------------------------------------
def cell_scores(root: Path) -> dict:
    """(student, assignment, notebook, grade cell) -> (score, max_score)."""
    from nbgrader.api import Gradebook

    from autograder.grade import load_config

    course_id = load_config(root).CourseDirectory.course_id
    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=course_id) as gb:
        for assignment in gb.assignments:
            for sub in gb.assignment_submissions(assignment.name):
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        out[(sub.student.id, assignment.name, nb.name, grade.name)] = (
                            grade.score, grade.max_score)
    return out


def compare(a: dict, b: dict) -> list[str]:
    diffs = []
    for key in sorted(set(a) | set(b)):
        if key not in a:
            diffs.append(f"{'/'.join(key)}: only in the new grader's gradebook {b[key]}")
        elif key not in b:
            diffs.append(f"{'/'.join(key)}: only in nbgrader's gradebook {a[key]}")
        else:
            (sa, ma), (sb, mb) = a[key], b[key]
            if ma != mb or abs((sa or 0.0) - (sb or 0.0)) > 1e-9:
                diffs.append(f"{'/'.join(key)}: nbgrader {sa}/{ma}, autograder {sb}/{mb}")
    return diffs


def kind_summary(scores: dict, kinds: dict) -> list[tuple]:
    """(assignment, kind, students, mean score, max score) from one gradebook."""
    totals: dict = {}
    for (student, name, _, _), (score, max_score) in scores.items():
        t = totals.setdefault((student, name), [0.0, 0.0])
        t[0] += score or 0.0
        t[1] += max_score or 0.0
    groups: dict = {}
    for (student, name), (s, m) in totals.items():
        kind = kinds.get(student, {}).get(name, "?").split("(")[0].strip()
        groups.setdefault((name, kind), []).append((s, m))
    return [(name, kind, len(v), sum(s for s, _ in v) / len(v), max(m for _, m in v))
            for (name, kind), v in sorted(groups.items())]


# --- main ----------------------------------------------------------------------------
SCALING_CLASSES = (50, 100, 300)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=40, help="students in the class (default 40)")
    p.add_argument("--baseline-students", type=int, default=None,
                   help="the first K students are also graded by plain nbgrader, and the scores compared "
                        "(default: the class, at most 40; 0: no baseline)")
    p.add_argument("--quick", action="store_true", help="smoke run: 8 students")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="kernels at once for the new grader (default: all cores)")
    p.add_argument("--scaling", action="store_true",
                   help=f"also grade the baseline class at 1 and 2 jobs and classes of "
                        f"{', '.join(map(str, SCALING_CLASSES))} students (each in a fresh root)")
    p.add_argument("--sizes", default=",".join(map(str, SCALING_CLASSES)),
                   help="the class sizes of --scaling, comma-separated (default: %(default)s)")
    p.add_argument("--with-broken", action="store_true",
                   help="also hand in broken notebooks (syntax error, deleted/retyped test cells)")
    p.add_argument("--keep", action="store_true", help="keep the course roots")
    p.add_argument("--workdir", default=None, help="where to create the course roots (default: a temp dir)")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    n_students = 8 if args.quick else args.students
    n_base = min(n_students, 40) if args.baseline_students is None else min(args.baseline_students, n_students)

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-grading-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    template, root_a, root_b = work / "template", work / "nbgrader", work / "autograder"
    started = time.perf_counter()
    log(f"[{stamp()}] bench_grading: {n_students} students ({n_base} also graded by plain nbgrader), "
        f"new grader with --jobs {args.jobs}, {os.cpu_count()} cores, work dir {work}")
    load0 = os.getloadavg()
    snapshot0 = code_snapshot()
    log(f"    load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} "
        "(other processes on the machine skew every figure; compare runs on a quiet machine)")
    try:
        # 1-2: the class; the template root holds config, source, release and the gradebook's assignments
        t0 = time.perf_counter()
        course.new_course_root(template)
        names = course.assignments(template)
        if not names:
            raise SystemExit("no assignments in source/")
        log(f"[{stamp()}] assignments: {', '.join(names)}; generating the release ...")
        course.generate_release(template, names)
        scaling = [int(n) for n in args.sizes.split(",") if n.strip()] if args.scaling else []
        sizes = sorted({n_students, *scaling})
        by_student, kinds = make_class(template, names, max(sizes), args.with_broken)
        everyone = sorted(by_student)
        base_students = everyone[:n_base]
        mix_counts: dict = {}
        for student in everyone[:n_students]:
            for label in kinds[student].values():
                mix_counts[label] = mix_counts.get(label, 0) + 1
        log(f"[{stamp()}] made {n_students * len(names)} submissions ({n_students} students x {len(names)} "
            f"assignments) in {time.perf_counter() - t0:.1f} s; mix: "
            + ", ".join(f"{k} {v}" for k, v in sorted(mix_counts.items())))

        runs: list[tuple[str, int, dict]] = []  # (label, students, figures)

        def logged(label, size, figures):  # each run's line as soon as it is known: long runs get cut short
            runs.append((label, size, figures))
            log("    " + "  ".join(f"{h}={v}" for h, v in zip(CPU_HEADERS, cpu_row(label, size, figures))))
        base_wall = base_cpu = None
        diffs, n_cells, scores_a = [], 0, {}
        total_base = n_base * len(names)
        if n_base:
            # 3a: the baseline
            class_root(template, root_a, by_student, base_students)
            class_root(template, root_b, by_student, base_students)
            log(f"[{stamp()}] grading root A ({n_base} students) with plain `nbgrader autograde` (serial) ...")
            cpu0 = children_cpu()
            base_wall, base_rows = grade_with_nbgrader(root_a, names, total_base, work / "nbgrader-autograde.log")
            base_cpu = children_cpu() - cpu0
            for name, secs, rc, errors in base_rows:
                log(f"    nbgrader autograde {name}: {secs:.1f} s (exit {rc}"
                    + (f", {errors} submissions with errors" if errors else "") + ")")
            # 3b: the new grader, same class
            log(f"[{stamp()}] grading root B (the same {n_base} students) with `python -m autograder grade "
                f"--jobs {args.jobs}` ...")
            figures = grade_with_autograder(root_b, names, args.jobs, args.quiet)
            logged("same class as nbgrader", n_base, figures)
            for line in figures["output"].splitlines()[:3]:
                log(f"    {line}")
            # 4: same scores?
            log(f"[{stamp()}] comparing the gradebooks ...")
            scores_a, scores_b = cell_scores(root_a), cell_scores(root_b)
            diffs = compare(scores_a, scores_b)
            n_cells = len(set(scores_a) | set(scores_b))
            log(f"    {len(diffs)} of {n_cells} grade cells differ; nbgrader {base_wall:.1f} s, "
                f"the new grader {figures['wall_s']:.1f} s: {base_wall / figures['wall_s']:.2f}x")
            if args.scaling:
                other = 1 if args.jobs != 1 else 2
                log(f"[{stamp()}] the same class again at --jobs {other}, in a fresh root ...")
                logged(f"same class, --jobs {other}", n_base,
                       grade_with_autograder(class_root(template, work / "jobs", by_student, base_students),
                                             names, other, args.quiet))
        # 5: the class sizes
        for size in sizes:
            if size == n_base and runs:
                continue
            log(f"[{stamp()}] grading a class of {size} students ({size * len(names)} notebooks), "
                f"--jobs {args.jobs}, in a fresh root ...")
            root = class_root(template, work / f"class-{size}", by_student, everyone[:size])
            logged(f"class of {size}", size, grade_with_autograder(root, names, args.jobs, args.quiet))
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)

        # report
        log()
        if scores_a:
            log("Synthetic class: mean total score per kind (root A; nbgrader) -- sanity check of the mix")
            log(table([(n, k, c, f"{s:.2f}", f"{m:g}") for n, k, c, s, m in kind_summary(scores_a, kinds)],
                      ("assignment", "kind", "students", "mean score", "max")))
            log()
        log(f"The new grader: wall time and CPU per notebook ({os.cpu_count()} cores). CPU = this process's "
            "RUSAGE_CHILDREN around the grader's subprocess (grader, fork server, every kernel); cells = the "
            "notebook's cells, checks = the check kernel's cells (solution cells + hidden checks), both "
            "measured in the kernels; other = the run's CPU minus both (sanitizing, kernel start-up, "
            "judging, finishing, gradebook), of which the grader process's own; start-up CPU = interpreter, imports, fork server, once per run")
        log(table([cpu_row(label, size, f) for label, size, f in runs], CPU_HEADERS))
        over = [f for label, _, f in runs if f["jobs"] == 2]
        if over:
            worst = max(f["other_cpu_per_nb_s"] for f in over)
            log(f"overhead (other CPU per notebook at --jobs 2): {worst * 1000:.0f} ms "
                f"(target <= 30 ms: {'met' if worst <= 0.030 else 'NOT met'})")
        by_size = {size: f for label, size, f in runs if label.startswith("class of") or label.startswith("same class as")
                   if f["jobs"] == args.jobs}
        if len(by_size) > 1:
            log("Scaling with class size (--jobs %d): " % args.jobs + "; ".join(
                f"{size} students {f['wall_s']:.1f} s = {f['wall_s'] / (size * len(names)) * 1000:.0f} ms/notebook"
                for size, f in sorted(by_size.items())))
        big = by_size.get(300)
        if big:
            log(f"300 students x {len(names)} assignments: {big['wall_s']:.1f} s wall "
                f"(target <= 300 s: {'met' if big['wall_s'] <= 300 else 'NOT met'})")
        ratio = None
        if base_wall:
            log()
            same = runs[0][2]
            ratio = base_wall / same["wall_s"]
            log(f"Against plain nbgrader on the same {n_base} students ({total_base} notebooks"
                + (f"; the baseline is graded on a subset of the {n_students}-student class, as serial "
                   "nbgrader on the whole class would take too long" if n_base < n_students else "") + ")")
            log(table([
                ("nbgrader autograde (serial, 1 cmd/assignment)", total_base, f"{base_wall:.1f}",
                 f"{total_base / base_wall:.2f}", f"{base_cpu / total_base * 1000:.0f}", "1.00x"),
                (f"autograder grade --jobs {args.jobs} (subprocess)", total_base, f"{same['wall_s']:.1f}",
                 f"{same['nb_per_s']:.2f}", f"{same['total_cpu_per_nb_s'] * 1000:.0f}", f"{ratio:.2f}x"),
            ], ("grader", "notebooks", "wall s", "notebooks/s", "CPU ms/nb", "speed-up")))
            log(f"speed-up of the new grader over plain nbgrader: {ratio:.2f}x "
                f"(target >= 10x: {'met' if ratio >= 10 else 'NOT met'})")
        for label, _, f in runs:
            if f["failed"]:
                log(f"    {label}: {f['failed']} submissions failed to grade")
        log()
        edited = changed_files(snapshot0, code_snapshot())
        if edited:
            log(f"WARNING: {len(edited)} file(s) the graders read changed while the benchmark ran "
                "(someone is editing the repository); differences below may come from that, "
                "and the timings compare different code: " + ", ".join(edited[:12])
                + (" ..." if len(edited) > 12 else ""))
        if diffs:
            log(f"SCORES DIFFER: {len(diffs)} of {n_cells} grade cells")
            for d in diffs[:50]:
                log(f"    {d}")
            if len(diffs) > 50:
                log(f"    ... and {len(diffs) - 50} more")
        elif n_cells:
            log(f"scores agree: all {n_cells} grade cells have the same score in both gradebooks")
        load1 = os.getloadavg()
        log(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
        log(f"[{stamp()}] bench_grading finished in {time.perf_counter() - started:.0f} s")

        if args.json:
            Path(args.json).write_text(json.dumps({
                "date": _dt.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
                "cores": os.cpu_count(), "students": n_students, "baseline_students": n_base,
                "assignments": names, "jobs": args.jobs, "mix": mix_counts,
                "nbgrader_wall_s": base_wall, "nbgrader_cpu_s": base_cpu, "speedup": ratio,
                "runs": [{"label": label, "students": size, **{k: v for k, v in f.items() if k != "output"}}
                         for label, size, f in runs],
                "loadavg_before": load0, "loadavg_after": load1, "grade_cells": n_cells, "differences": diffs,
                "edited_during_run": edited,
            }, indent=2))
            log(f"wrote {args.json}")
        return 1 if diffs else 0
    finally:
        if args.keep:
            log(f"kept the course roots in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
