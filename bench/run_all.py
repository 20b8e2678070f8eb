#!/usr/bin/env python
"""Run the three benchmarks in sequence: notebooks, widgets, grading.

    .venv/bin/python bench/run_all.py                 # full (40 students; ~25-35 min on 2 cores)
    .venv/bin/python bench/run_all.py --quick         # smoke run (8 students)
    .venv/bin/python bench/run_all.py --out bench/results   # also keep each one's JSON

The light benchmarks run first so that their figures are not taken while the
machine is still busy with the grading run.  Exit status: non-zero if any
benchmark failed (for bench_grading: the two gradebooks disagree).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="8 students in bench_grading")
    p.add_argument("--students", type=int, default=None, help="students in bench_grading")
    p.add_argument("--jobs", type=int, default=None, help="--jobs of the new grader")
    p.add_argument("--out", default=None, help="folder for the JSON figures of each benchmark")
    args = p.parse_args(argv)
    env = dict(os.environ)
    env.pop("NBGRADER_EXECUTION", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    out = Path(args.out).resolve() if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)

    def json_arg(name):
        return ["--json", str(out / f"{name}.json")] if out else []

    grading = (["--quick"] if args.quick else []) + (["--students", str(args.students)] if args.students else []) \
        + (["--jobs", str(args.jobs)] if args.jobs else [])
    plan = [("bench_notebooks", json_arg("notebooks")),
            ("bench_widgets", json_arg("widgets")),
            ("bench_grading", grading + json_arg("grading"))]
    status = {}
    for name, extra in plan:
        print(f"\n===== {name} {' '.join(extra)} =====", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(HERE / f"{name}.py"), *extra], cwd=REPO, env=env)
        status[name] = (rc, time.perf_counter() - t0)
    print("\n===== summary =====")
    for name, (rc, secs) in status.items():
        print(f"{name:16s} {'ok' if rc == 0 else f'FAILED (exit {rc})':18s} {secs:7.1f} s")
    return 0 if all(rc == 0 for rc, _ in status.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
