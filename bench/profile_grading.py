#!/usr/bin/env python
"""Where the grader's CPU goes: cProfile of ``Grader.run`` on a synthetic class.

Builds the benchmark's class (bench_grading.make_class) in a work dir, grades
it in this process and prints the top entries of the grader process's profile:
the main thread (sanitizing, finishing), the kernel-slot threads (executing)
and the check threads (the check kernel, judging the hidden checks) merged.  The kernels themselves are
other processes and are not in it; bench_grading.py accounts for their CPU.

    .venv/bin/python bench/profile_grading.py --students 10 --jobs 1 --out bench/profiles/after.txt
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_grading as bg  # noqa: E402  (also puts the repository on sys.path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=10)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--top", type=int, default=35)
    p.add_argument("--out", default=None, help="also write the report here")
    args = p.parse_args(argv)

    from autograder.grade import Grader

    work = Path(tempfile.mkdtemp(prefix="profile-grading-"))
    root = work / "course"
    names = bg.build_class_root(root, args.students)

    g = Grader(root, jobs=args.jobs, force=True, progress=False)
    g.executor()
    profiles = []

    def profiled(inner):  # the kernel-slot and check threads are not seen by the main thread's profiler
        def call(*args, **kwargs):
            prof = cProfile.Profile()
            profiles.append(prof)
            return prof.runcall(inner, *args, **kwargs)
        return call

    g._execute_all = profiled(g._execute_all)
    g.hidden_checks = profiled(g.hidden_checks)  # beside the notebook kernel, in a thread of its own
    jobs = g.find_jobs(names)
    main_prof = cProfile.Profile()
    t0, c0 = time.perf_counter(), time.process_time()
    main_prof.enable()
    outcomes = g.run(jobs)
    main_prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    g.close()
    n = len(outcomes)
    out = io.StringIO()
    out.write(f"{n} notebooks ({args.students} students x {len(names)} assignments), jobs={args.jobs}, "
              f"load {os.getloadavg()[0]:.2f}: wall {wall:.1f} s, grader process CPU {cpu:.1f} s "
              f"= {cpu / n * 1000:.0f} ms per notebook (kernels not included; profiling slows it)\n\n")
    stats = pstats.Stats(main_prof, stream=out)
    for prof in profiles:
        stats.add(prof)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    text = out.getvalue().replace(str(Path(sys.prefix)), "<venv>").replace(str(bg.REPO), "<repo>")
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
