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
2. writes the class into two identical course roots, A and B;
3. grades A with plain ``nbgrader autograde ASSIGNMENT`` (one command per
   assignment, serial: the baseline) and B with
   ``python -m autograder grade ALL --jobs N`` (a subprocess, end to end);
4. checks that every per-cell score agrees between the two gradebooks
   (exit status 1 and a list of the differences if not);
5. runs the new grader a third time on B, in this process, with ``jobs=1``
   and ``force=True``, to measure the grading overhead per notebook:
   (wall time - sum of the notebooks' cell execution times) / notebooks,
   the execution times being the sandbox's own per-cell timings
   (``Outcome.exec_seconds``; the grader CLI writes no JSON summary).

Usage (from the repository root)::

    .venv/bin/python bench/bench_grading.py               # 40 students
    .venv/bin/python bench/bench_grading.py --quick       # 8 students, smoke run
    .venv/bin/python bench/bench_grading.py --students 80 --jobs 2 --keep --json out.json

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


def grade_with_autograder(root: Path, names: list[str], jobs: int, quiet: bool) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "autograder", "grade", *names, "--root", str(root),
           "--jobs", str(jobs), "--csv", ""] + (["--quiet"] if quiet else [])
    helptext = subprocess.run([sys.executable, "-m", "autograder", "grade", "--help"], cwd=root,
                              env=course.nbgrader_env(), capture_output=True, text=True).stdout
    if "--report" in helptext:  # newer CLIs also write an HTML report: not part of grading
        cmd += ["--report", ""]
    t0 = time.perf_counter()
    # stderr (tqdm's progress bar) goes straight to the terminal
    proc = subprocess.run(cmd, cwd=root, env=course.nbgrader_env(), stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        log(proc.stdout)
        raise SystemExit(f"`{' '.join(cmd)}` exited with status {proc.returncode}")
    return wall, proc.stdout.strip()


def overhead_run(root: Path, names: list[str], quiet: bool) -> dict:
    """Third run, in process: jobs=1, force=True; per-notebook execution times from the sandbox."""
    from autograder.grade import Grader

    t0 = time.perf_counter()
    g = Grader(root, jobs=1, force=True, progress=not quiet)
    try:
        jobs = g.find_jobs(names)
        g.executor()  # start (and pre-warm) the zygote now, to time it separately
        t1 = time.perf_counter()
        outcomes = g.run(jobs)
        t2 = time.perf_counter()
    finally:
        g.close()
    t3 = time.perf_counter()
    n = len(outcomes)
    exec_total = sum(o.exec_seconds for o in outcomes)
    run_wall = t2 - t1
    return {
        "notebooks": n,
        "graded": sum(o.status == "graded" for o in outcomes),
        "failed": [f"{o.job.key}: {o.reason}" for o in outcomes if o.status == "failed"],
        "startup_s": t1 - t0,
        "run_wall_s": run_wall,
        "close_s": t3 - t2,
        "total_wall_s": t3 - t0,
        "exec_total_s": exec_total,
        "exec_per_nb_s": exec_total / n if n else float("nan"),
        "overhead_per_nb_s": (run_wall - exec_total) / n if n else float("nan"),
        "overhead_per_nb_incl_startup_s": (t3 - t0 - exec_total) / n if n else float("nan"),
        "restarts": sum(o.restarts for o in outcomes),
    }


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
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=40, help="students in the class (default 40)")
    p.add_argument("--quick", action="store_true", help="smoke run: 8 students")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="kernels at once for the new grader (default: all cores)")
    p.add_argument("--with-broken", action="store_true",
                   help="also hand in broken notebooks (syntax error, deleted/retyped test cells)")
    p.add_argument("--keep", action="store_true", help="keep the course roots")
    p.add_argument("--workdir", default=None, help="where to create the course roots (default: a temp dir)")
    p.add_argument("--skip-overhead", action="store_true", help="skip the third (jobs=1) run")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    n_students = 8 if args.quick else args.students

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-grading-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    root_a, root_b = work / "nbgrader", work / "autograder"
    started = time.perf_counter()
    log(f"[{stamp()}] bench_grading: {n_students} students, new grader with --jobs {args.jobs}, "
        f"{os.cpu_count()} cores, work dir {work}")
    load0 = os.getloadavg()
    snapshot0 = code_snapshot()
    log(f"    load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} "
        "(other processes on the machine skew every figure; compare runs on a quiet machine)")
    try:
        # 1-2: the class, in two identical roots
        t0 = time.perf_counter()
        course.new_course_root(root_a)
        names = course.assignments(root_a)
        if not names:
            raise SystemExit("no assignments in source/")
        log(f"[{stamp()}] assignments: {', '.join(names)}; generating the release ...")
        course.generate_release(root_a, names)
        by_student, kinds = make_class(root_a, names, n_students, args.with_broken)
        demo.write_submissions(root_a, by_student)
        if root_b.exists():
            shutil.rmtree(root_b)
        shutil.copytree(root_a, root_b)  # identical: same config, source, release, gradebook, submissions
        total = len(by_student) * len(names)
        mix_counts: dict = {}
        for per in kinds.values():
            for label in per.values():
                mix_counts[label] = mix_counts.get(label, 0) + 1
        log(f"[{stamp()}] wrote {total} submissions ({len(by_student)} students x {len(names)} assignments) "
            f"into both roots in {time.perf_counter() - t0:.1f} s; mix: "
            + ", ".join(f"{k} {v}" for k, v in sorted(mix_counts.items())))

        # 3a: the baseline
        log(f"[{stamp()}] grading root A with plain `nbgrader autograde` (serial) ...")
        base_wall, base_rows = grade_with_nbgrader(root_a, names, total, work / "nbgrader-autograde.log")
        for name, secs, rc, errors in base_rows:
            log(f"    nbgrader autograde {name}: {secs:.1f} s (exit {rc}"
                + (f", {errors} submissions with errors" if errors else "") + ")")
        # 3b: the new grader
        log(f"[{stamp()}] grading root B with `python -m autograder grade ... --jobs {args.jobs}` ...")
        new_wall, new_out = grade_with_autograder(root_b, names, args.jobs, args.quiet)
        own = re.search(r"graded \d+, failed \d+, skipped \d+ .*? in ([\d.]+) s", new_out)
        new_own = float(own.group(1)) if own else None
        for line in new_out.splitlines():
            log(f"    {line}")

        # 4: same scores?
        log(f"[{stamp()}] comparing the gradebooks ...")
        scores_a, scores_b = cell_scores(root_a), cell_scores(root_b)
        diffs = compare(scores_a, scores_b)

        # 5: overhead
        over = None
        if not args.skip_overhead:
            log(f"[{stamp()}] third run: the new grader in process, jobs=1, force=True (overhead) ...")
            over = overhead_run(root_b, names, args.quiet)
            diffs_after = compare(scores_a, cell_scores(root_b))
            if diffs_after and not diffs:
                diffs = ["(after the jobs=1 regrade) " + d for d in diffs_after]

        # report
        log()
        log(f"Synthetic class: mean total score per kind (root A; nbgrader) -- sanity check of the mix")
        log(table([(n, k, c, f"{s:.2f}", f"{m:g}") for n, k, c, s, m in kind_summary(scores_a, kinds)],
                  ("assignment", "kind", "students", "mean score", "max")))
        log()
        nps_base, nps_new = total / base_wall, total / new_wall
        ratio = base_wall / new_wall
        rows = [("nbgrader autograde (serial, 1 cmd/assignment)", total, f"{base_wall:.1f}", f"{nps_base:.2f}",
                 f"{base_wall / total:.2f}", "1.00x"),
                (f"autograder grade --jobs {args.jobs} (subprocess)", total, f"{new_wall:.1f}", f"{nps_new:.2f}",
                 f"{new_wall / total:.2f}", f"{ratio:.2f}x")]
        if new_own:
            rows.append((f"  same, the grader's own timer (no interpreter start-up)", total, f"{new_own:.1f}",
                         f"{total / new_own:.2f}", f"{new_own / total:.2f}", f"{base_wall / new_own:.2f}x"))
        if over:
            rows.append(("autograder, in process, jobs=1 --force (run only)", over["notebooks"],
                         f"{over['run_wall_s']:.1f}", f"{over['notebooks'] / over['run_wall_s']:.2f}",
                         f"{over['run_wall_s'] / over['notebooks']:.2f}",
                         f"{base_wall / total / (over['run_wall_s'] / over['notebooks']):.2f}x"))
        log(f"Grading throughput ({n_students} students x {len(names)} assignments = {total} notebooks, "
            f"{os.cpu_count()} cores)")
        log(table(rows, ("grader", "notebooks", "wall s", "notebooks/s", "s/notebook", "speed-up")))
        log(f"speed-up of the new grader over plain nbgrader: {ratio:.2f}x "
            f"(target >= 4x: {'met' if ratio >= 4 else 'NOT met'})")
        if over:
            log()
            log("Grading overhead of the new grader (third run, jobs=1, force=True)")
            log(table([
                ("executor start-up (zygote, pre-warm)", f"{over['startup_s']:.2f} s"),
                ("grading wall time (run)", f"{over['run_wall_s']:.2f} s"),
                ("sum of cell execution times (sandbox)", f"{over['exec_total_s']:.2f} s"),
                ("execution time per notebook", f"{over['exec_per_nb_s'] * 1000:.0f} ms"),
                ("overhead per notebook = (run wall - exec) / n", f"{over['overhead_per_nb_s'] * 1000:.0f} ms"),
                ("  same, counting start-up and close", f"{over['overhead_per_nb_incl_startup_s'] * 1000:.0f} ms"),
                ("kernel restarts", over["restarts"]),
            ], ("quantity", "value")))
            for f in over["failed"]:
                log(f"    failed: {f}")
        log()
        edited = changed_files(snapshot0, code_snapshot())
        if edited:
            log(f"WARNING: {len(edited)} file(s) the graders read changed while the benchmark ran "
                "(someone is editing the repository); differences below may come from that, "
                "and the timings compare different code: " + ", ".join(edited[:12])
                + (" ..." if len(edited) > 12 else ""))
        n_cells = len(set(scores_a) | set(scores_b))
        if diffs:
            log(f"SCORES DIFFER: {len(diffs)} of {n_cells} grade cells")
            for d in diffs[:50]:
                log(f"    {d}")
            if len(diffs) > 50:
                log(f"    ... and {len(diffs) - 50} more")
        else:
            log(f"scores agree: all {n_cells} grade cells have the same score in both gradebooks")
        load1 = os.getloadavg()
        log(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
        log(f"[{stamp()}] bench_grading finished in {time.perf_counter() - started:.0f} s")

        if args.json:
            Path(args.json).write_text(json.dumps({
                "date": _dt.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
                "cores": os.cpu_count(), "students": n_students, "assignments": names,
                "notebooks": total, "jobs": args.jobs, "mix": mix_counts,
                "nbgrader_wall_s": base_wall, "nbgrader_per_assignment_s": {r[0]: r[1] for r in base_rows},
                "autograder_wall_s": new_wall, "autograder_own_elapsed_s": new_own, "nbgrader_nb_per_s": nps_base, "autograder_nb_per_s": nps_new,
                "speedup": ratio, "overhead": over, "loadavg_before": load0, "loadavg_after": load1, "grade_cells": n_cells, "differences": diffs,
                "edited_during_run": edited,
            }, indent=2))
            log(f"wrote {args.json}")
        return 1 if diffs else 0
    finally:
        if args.keep:
            log(f"kept the course roots: {root_a} (nbgrader), {root_b} (autograder)")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
