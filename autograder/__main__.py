"""Command line of the course's grading tools.

    python -m autograder demo   [--root build/demo] [--csv grades.csv]
    python -m autograder report [--root .] [--csv grades.csv]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import course, demo, report


def _print_grades(root: Path, csv: Path | None) -> None:
    db_url = f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"
    frame = report.grade_frame(db_url)
    print(report.summary_table(frame).to_string())
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
    for name in names:
        t0 = time.perf_counter()
        done = course.nbgrader("autograde", name, root=root, check=False)
        failed = [line for line in done.stderr.splitlines()
                  if "There was an error processing assignment" in line and "for student" in line]
        print(f"autograded {name} in {time.perf_counter() - t0:.1f} s"
              + (f"; could not grade: {len(failed)} submission(s)" if failed else ""))
        for line in failed:
            print("   ", line.split("] ", 1)[-1])
    print()
    _print_grades(root, Path(args.csv) if args.csv else None)
    print(f"\ndemo finished in {time.perf_counter() - start:.1f} s")
    return 0


def cmd_report(args) -> int:
    _print_grades(Path(args.root), Path(args.csv) if args.csv else None)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="build and autograde the demo class, print the grades")
    p.add_argument("--root", default=str(course.REPO / "build" / "demo"))
    p.add_argument("--csv", default=str(course.REPO / "grades.csv"))
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("report", help="print the grade table of a course root")
    p.add_argument("--root", default=".")
    p.add_argument("--csv", default=None)
    p.set_defaults(func=cmd_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
