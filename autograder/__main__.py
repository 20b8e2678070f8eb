"""Command line of the course's grading tools.

    python -m autograder grade ASSIGNMENT [ASSIGNMENT ...] [--student ID ...] [--jobs N] [--force]
    python -m autograder demo   [--root build/demo] [--csv grades.csv]
    python -m autograder report [--root .] [--csv grades.csv]
    python -m autograder html-report [--root .] [--out reports] [--db-url URL]
    python -m autograder import ASSIGNMENT ZIP [--roster roster.csv] [--dry-run] [--root .]
    python -m autograder sandbox-report
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import course, demo  # cheap; autograder.report (pandas, nbgrader) is imported where used


def _db_url(root: Path) -> str:
    from .grade import load_config

    url = load_config(Path(root).resolve()).get("CourseDirectory", {}).get("db_url")
    return url or f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"


def _print_grades(root: Path, csv: Path | None) -> None:
    from . import report

    frame = report.grade_frame(_db_url(root), root)
    table = report.summary_table(frame)
    print(table.to_string())
    if table.apply(lambda column: column.astype(str).str.endswith("*")).any().any():
        print("* written answers still to be graded by hand (formgrader)")
    if csv:
        print(f"\nwrote {report.write_csv(frame, csv)}")


def cmd_demo(args) -> int:
    root = Path(args.root).resolve()
    start = time.perf_counter()
    print(f"demo course in {root}")
    course.new_course_root(root)
    names = course.assignments(root)
    course.generate_release(root, names)
    print(f"released {len(names)} assignments: {', '.join(names)}")
    demo.build(root)
    print(f"wrote submissions of {len(demo.STUDENTS)} students: {', '.join(demo.STUDENTS)}")
    t0 = time.perf_counter()
    try:
        from .grade import Grader
        from .sandbox import SandboxUnavailable

        grader = Grader(root, progress=True)
        try:
            outcomes = grader.run(grader.find_jobs(names))
        finally:
            grader.close()
        print(f"graded {len(outcomes)} submissions with the trusted grader in {time.perf_counter() - t0:.1f} s")
        for o in outcomes:
            if o.status == "failed":
                print(f"    could not grade {o.job.key}: {o.reason}")
    except SandboxUnavailable as exc:
        print(f"this machine cannot sandbox the grader ({exc});\n"
              "grading the demo with plain `nbgrader autograde` instead")
        for name in names:
            done = course.nbgrader("autograde", name, root=root, check=False)
            failed = [line for line in done.stderr.splitlines()
                      if "There was an error processing assignment" in line and "for student" in line]
            for line in failed:
                print("    could not grade:", line.split("] ", 1)[-1])
    print()
    _print_grades(root, Path(args.csv) if args.csv else None)
    print(f"\ndemo finished in {time.perf_counter() - start:.1f} s")
    return 0


def _tree_cpu(grader) -> float:
    """CPU seconds of this process, its reaped children, the fork server and its reaped kernels."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + grader.executor().tree_cpu_seconds()


def _write_stats(path: Path, outcomes, cpu_ready, cpu_done, run_wall, elapsed, jobs, own) -> None:
    """The figures bench/bench_grading.py reads (``--stats``)."""
    import json

    graded = [o for o in outcomes if o.status != "skipped"]
    path.write_text(json.dumps({
        "notebooks": len(graded), "jobs": jobs, "elapsed_s": elapsed, "run_wall_s": run_wall,
        "startup_cpu_s": cpu_ready, "run_cpu_s": cpu_done - cpu_ready, "grader_run_cpu_s": own,
        "cell_cpu_s": sum(o.cell_cpu_seconds for o in graded),
        "check_cpu_s": sum(o.check_cpu_seconds for o in graded),
        "exec_s": sum(o.exec_seconds for o in graded),
        "failed": sum(o.status == "failed" for o in graded),
    }, indent=1))


def cmd_grade(args) -> int:
    from .sandbox.executor import discard_prestarted, prestart

    prestart()  # the fork server imports numpy & co. while this process imports nbgrader
    try:
        return _grade(args)
    finally:
        discard_prestarted()  # when no Executor adopted it (nothing to grade, a refusal)


def _grade(args) -> int:
    from .grade import Grader

    root = Path(args.root).resolve()
    shard = None
    if args.shard:
        k, n = (int(x) for x in args.shard.split("/"))
        if not 1 <= k <= n:
            raise SystemExit("--shard must be K/N with 1 <= K <= N")
        shard = (k, n)
    start = time.perf_counter()
    from .sandbox import SandboxUnavailable
    from .sandbox.executor import UidLockError

    grader = Grader(root, jobs=args.jobs, force=args.force, allow_unsandboxed=args.allow_unsandboxed,
                    progress=not args.quiet)
    try:
        jobs = grader.find_jobs(args.assignments, args.student, shard)
        if not jobs:
            print("nothing to grade: no submissions under submitted/ for "
                  + ", ".join(args.assignments) + (f" in shard {args.shard}" if args.shard else ""))
            return 0 if args.empty_ok else 1
        try:
            features = grader.features()
        except UidLockError as exc:  # an admin's fix; grading unsandboxed would not be one
            print(f"cannot grade: {exc}", file=sys.stderr)
            return 2
        except SandboxUnavailable as exc:
            print(f"refusing to grade: {exc}\n"
                  "Students' code would run with your permissions. Fix the machine, or pass "
                  "--allow-unsandboxed to grade anyway.", file=sys.stderr)
            return 2
        active = sorted(k for k, v in features.items() if v)
        print(f"sandbox: {', '.join(active) or 'none'}")
        cpu_ready, own_ready, t_ready = _tree_cpu(grader), time.process_time(), time.perf_counter()
        outcomes = grader.run(jobs)
        cpu_done, own_done, t_done = _tree_cpu(grader), time.process_time(), time.perf_counter()
    finally:
        grader.close()
    elapsed = time.perf_counter() - start
    if args.stats:
        _write_stats(Path(args.stats), outcomes, cpu_ready, cpu_done, t_done - t_ready, elapsed, grader.jobs,
                     own_done - own_ready)
    graded = [o for o in outcomes if o.status == "graded"]
    failed = [o for o in outcomes if o.status == "failed"]
    skipped = [o for o in outcomes if o.status == "skipped"]
    print(f"graded {len(graded)}, failed {len(failed)}, skipped {len(skipped)} (already graded) "
          f"in {elapsed:.1f} s" + (f" ({len(graded) / elapsed:.1f} submissions/s)" if graded else ""))
    for o in failed:
        print(f"  failed {o.job.key}: {o.reason}")
    for o in graded:
        if o.reason:
            print(f"  note {o.job.key}: {o.reason}")
    restarted = [o for o in graded if o.restarts]
    for o in restarted:
        print(f"  note {o.job.key}: the kernel died or timed out {o.restarts} time(s); "
              "the rest of the notebook was graded in a fresh kernel")
    if args.csv:
        csv = Path(args.csv) if Path(args.csv).is_absolute() else root / args.csv
        if args.quiet:
            from . import report

            report.write_csv(report.grade_frame(_db_url(root), root), csv)
        else:
            _print_grades(root, csv)
    if args.report:
        from . import htmlreport

        print(f"wrote {htmlreport.write_report(root, root / args.report)}")
    return 0


def cmd_sandbox_report(args) -> int:
    from .sandbox import sandbox_report

    report = sandbox_report()
    for feature, ok in report.items():
        why = "" if ok else f"  ({report.reasons.get(feature, 'unavailable')})"
        print(f"{feature:14s} {'yes' if ok else 'NO'}{why}")
    print(f"memory limit   {report.memory}")
    if report.get("root"):
        import os

        from .sandbox.executor import SandboxConfig, UidLockError, _trusted_lock_dir

        try:
            os.close(_trusted_lock_dir(SandboxConfig.uid_lock_dir))
            print(f"uid locks      {SandboxConfig.uid_lock_dir} (owned by root, mode 0700)")
        except UidLockError as exc:
            print(f"uid locks      NOT USABLE: {exc}")
    import importlib

    from .sandbox._kernel import _DEVICES, view_paths

    # what Grader.sandbox_config allows, plus what the sandbox adds to every kernel
    package = Path(importlib.import_module("course").__file__).parent
    trees, links = view_paths([sys.prefix, sys.base_prefix, package])
    print("a kernel sees only (read-only): " + ", ".join(trees)
          + "".join(f", {p} -> {t}" for p, t in links)
          + f"; /dev/{{{','.join(_DEVICES)}}}, its own /proc, a fresh /tmp and /dev/shm, "
          "and a copy of the submission's regular files")
    return 0


def cmd_import(args) -> int:
    from . import importer

    try:
        result = importer.import_zip(Path(args.root), args.assignment, Path(args.zip),
                                     Path(args.roster) if args.roster else None, dry_run=args.dry_run)
    except importer.ZipImportError as exc:
        print(f"cannot import: {exc}", file=sys.stderr)
        return 2
    print("\n".join(result.lines()))
    return 1 if result.problems else 0


def cmd_html_report(args) -> int:
    from . import htmlreport

    root = Path(args.root).resolve()
    out = Path(args.out) if args.out else root / "reports"
    print(f"wrote {htmlreport.write_report(root, out, args.db_url)}")
    return 0


def cmd_similarity(args) -> int:
    from . import similarity

    root = Path(args.root).resolve()
    path, pairs = similarity.write_report(root, args.assignment, Path(args.out) if args.out else None,
                                          args.threshold)
    for p in pairs:
        print(f"{p.a} ~ {p.b}: {p.similarity_a:.0%} / {p.similarity_b:.0%}")
    print(f"{len(pairs)} pair(s) at or above {args.threshold:.0%}; wrote {path} (a report to read, not a grade)")
    return 0


def cmd_report(args) -> int:
    _print_grades(Path(args.root), Path(args.csv) if args.csv else None)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("grade", help="autograde submissions (nbgrader's layout) in the course root")
    p.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--jobs", type=int, default=None, help="kernels at once (default: all cores)")
    p.add_argument("--force", action="store_true", help="regrade what is already graded")
    p.add_argument("--shard", default=None, help="K/N: grade only the K-th of N shares of the class")
    p.add_argument("--empty-ok", action="store_true",
                   help="exit 0 when there is nothing to grade (a shard of a small class)")
    p.add_argument("--allow-unsandboxed", action="store_true",
                   help="grade even where the machine cannot sandbox the kernels (unsafe)")
    p.add_argument("--root", default=".", help="the course root (default: the current directory)")
    p.add_argument("--csv", default="grades.csv", help="write the grade table here ('' for none)")
    p.add_argument("--report", default="reports", help="write the HTML report in this folder ('' for none)")
    p.add_argument("--stats", default=None,
                   help="write CPU and time figures of the run to this JSON file (bench/bench_grading.py)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("demo", help="build and autograde the demo class, print the grades")
    p.add_argument("--root", default=str(course.REPO / "build" / "demo"))
    p.add_argument("--csv", default=str(course.REPO / "grades.csv"))
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("sandbox-report", help="which sandbox features this machine provides")
    p.set_defaults(func=cmd_sandbox_report)
    p = sub.add_parser("report", help="print the grade table of a course root")
    p.add_argument("--root", default=".")
    p.add_argument("--csv", default=None)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("import", help="import an LMS export (a zip of notebooks) into submitted/")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("zip", metavar="ZIP",
                   help="the zip downloaded from Canvas, Moodle, Blackboard, or <student>/<file>.ipynb")
    p.add_argument("--roster", default=None,
                   help="CSV: student_id plus any of login, lms_id, name, email (maps LMS names to student ids)")
    p.add_argument("--dry-run", action="store_true", help="show what would be imported, write nothing")
    p.add_argument("--root", default=".", help="the course root (default: the current directory)")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("html-report", help="write an HTML report of the graded class (reports/index.html)")
    p.add_argument("--root", default=".", help="the course root (default: the current directory)")
    p.add_argument("--out", default=None, help="the report's folder (default: ROOT/reports)")
    p.add_argument("--db-url", default=None, help="the gradebook (default: the course's nbgrader_config.py)")
    p.set_defaults(func=cmd_html_report)

    p = sub.add_parser("similarity", help="which submissions' graded code looks alike (an HTML report)")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--root", default=".", help="the course root (default: the current directory)")
    p.add_argument("--out", default=None, help="the report's folder (default: ROOT/reports)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="report pairs sharing at least this fraction of code fingerprints (default 0.5)")
    p.set_defaults(func=cmd_similarity)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
