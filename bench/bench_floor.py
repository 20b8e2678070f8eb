#!/usr/bin/env python
"""The least CPU per notebook that grading can cost, beside the student's cells.

``bench_grading.py`` measures the grader's "other" CPU per notebook: everything
but the cells' own execution.  This script measures, on the same synthetic
class and with the same sandbox, the parts of it that no change to the
grader's own code can remove while the gradebook stays nbgrader's and every
notebook runs in fresh kernels:

* **gradebook**: nbgrader's gradebook calls that ``nbgrader autograde`` makes
  for a notebook and that write its rows -- ``update_or_create_student``,
  ``update_or_create_submission``, SaveAutoGrades (the grader's one-commit
  version), AssignLatePenalties -- and the read of the submission's score;
  thread CPU around each call, in the grading run itself;
* **kernel**: one fresh sandboxed kernel, started, running one empty cell and
  ended: CPU of the grader process, the fork server and the kernel
  (``Executor.tree_cpu_seconds``), minus the cell's own CPU;
* **per cell**: what one more (empty) cell adds to a kernel's run outside the
  cell's own CPU (the slope between a 1-cell and a 40-cell notebook);

and multiplies them by what a notebook of the class needs: the kernels and
cells the run actually started and ran (a notebook kernel and a check kernel
each).  The sum is a floor for "other" as the grader is built: it also
sanitizes, judges and writes the notebook, which this does not count.

For scale, one more line: a **bare fork** of a process holding what the fork
server preloads (``executor.PRELOAD``, an IPython shell), running one empty
cell and exiting, with no sandbox, no protocol and no grader -- what a kernel
costs before the sandbox adds its namespaces, mount view, init process and
messages.  With ``--features`` it also prices each of the sandbox's
protections: the same kernel with one of them switched off in turn.

    .venv/bin/python bench/bench_floor.py [--students 10] [--json FILE]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_grading as bg  # noqa: E402  (also puts the repository on sys.path)
from _common import table  # noqa: E402

TARGET_MS = 30.0


class StageCPU:
    """Thread CPU seconds spent inside wrapped callables, by label (any thread)."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self._lock = threading.Lock()
        self._depth = threading.local()

    def wrap(self, owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            depth = getattr(self._depth, "n", 0)
            self._depth.n = depth + 1
            t0 = time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self._depth.n = depth
                if depth == 0:  # a wrapped call inside another is counted once, in the outer one
                    with self._lock:
                        self.seconds[label] += time.thread_time() - t0

        setattr(owner, name, timed)


def kernel_cost(ex, cells: int, runs: int) -> float:
    """CPU seconds per run of a notebook of ``cells`` empty cells, outside the cells' own CPU."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass") for _ in range(cells)])
    ex.run(nb)  # the fork server's first kernel is not counted
    z0, c0, own = ex.tree_cpu_seconds(), time.process_time(), 0.0
    for _ in range(runs):
        own += ex.run(nb).cpu_seconds
    return (ex.tree_cpu_seconds() - z0 + time.process_time() - c0 - own) / runs


BARE_FORK = r"""
import importlib, json, os, sys
preload, runs = json.loads(sys.argv[1]), int(sys.argv[2])
for name in preload:
    importlib.import_module(name)
from IPython.core.interactiveshell import InteractiveShell
from autograder.sandbox._kernel import _WARM_UP_CELLS, _cpu
shell = InteractiveShell.instance()
for code in _WARM_UP_CELLS:  # what the fork server runs before its first fork
    shell.run_cell(code)
c0 = _cpu()
for _ in range(runs):
    pid = os.fork()
    if pid == 0:
        sys.stdout = open(os.devnull, "w")
        shell.run_cell("pass")
        os._exit(0)
    os.waitpid(pid, 0)
print((_cpu() - c0) / runs)
"""


def bare_fork_cost(runs: int) -> float:
    """CPU seconds of a fork of the preloaded image that runs one empty IPython cell and exits."""
    import subprocess

    from autograder.sandbox.executor import PRELOAD, THREAD_ENV

    out = subprocess.run([sys.executable, "-c", BARE_FORK, json.dumps(PRELOAD), str(runs)],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, **THREAD_ENV, "PYTHONPATH": str(bg.REPO)}, cwd=str(bg.REPO))
    return float(out.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


#: protections switched off in turn by --features (names of SandboxConfig.disable)
FEATURES = [("memory cgroup", ("memory_cgroup",)), ("network namespace", ("net_ns",)),
            ("mount namespace and view", ("mount_ns",)), ("pid namespace and its init", ("pid_ns",)),
            ("ipc and uts namespaces", ("ipc_ns", "uts_ns")),
            ("all of these", ("memory_cgroup", "net_ns", "mount_ns", "pid_ns", "ipc_ns", "uts_ns"))]


def feature_costs(cfg, runs: int, per_kernel: float) -> list[tuple]:
    """What each protection costs per kernel: the kernel's CPU with it switched off, subtracted."""
    from dataclasses import replace

    from autograder.sandbox import Executor

    rows = []
    for label, off in FEATURES:
        ex = Executor(replace(cfg, disable=tuple(cfg.disable) + off, allow_unsandboxed=True), jobs=1)
        try:
            cost = kernel_cost(ex, 1, runs)
        finally:
            ex.close()
        rows.append((label, round(cost * 1000, 1), round((per_kernel - cost) * 1000, 1)))
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=10)
    p.add_argument("--runs", type=int, default=40, help="kernel runs per measurement (default 40)")
    p.add_argument("--features", action="store_true",
                   help="also price each sandbox protection per kernel (about 30 s more)")
    p.add_argument("--json", default=None, help="also write the figures here")
    args = p.parse_args(argv)

    from nbgrader import api
    from nbgrader.preprocessors import AssignLatePenalties

    from autograder import finish as F
    from autograder.grade import Grader

    bg.log(f"bench_floor: {args.students} students, load average {load_average()}")
    work = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    try:
        root = work / "course"
        names = bg.build_class_root(root, args.students)

        g = Grader(root, jobs=1, force=True, progress=False)
        ex = g.executor()
        stages = StageCPU()
        for name in ("update_or_create_student", "update_or_create_submission"):
            stages.wrap(api.Gradebook, name, "gradebook")
        stages.wrap(F.TrustedSaveAutoGrades, "preprocess", "gradebook")
        stages.wrap(AssignLatePenalties, "preprocess", "gradebook")
        stages.wrap(g, "submission_score", "gradebook")
        runs, runs_lock = collections.Counter(), threading.Lock()
        inner_run = ex.run

        def counted(*a, **k):
            result = inner_run(*a, **k)
            with runs_lock:
                runs["kernels"] += 1 + result.restarts
                runs["cells"] += sum(1 for c in result.cells if c.status != "skipped")
            return result

        ex.run = counted
        jobs = g.find_jobs(names)
        z0, c0, t0 = ex.tree_cpu_seconds(), time.process_time(), time.perf_counter()
        outcomes = g.run(jobs)
        total = ex.tree_cpu_seconds() - z0 + time.process_time() - c0
        wall = time.perf_counter() - t0
        ex.run = inner_run
        n = len(outcomes)
        own = sum(o.cell_cpu_seconds + o.check_cpu_seconds for o in outcomes)
        failed = [o for o in outcomes if o.status != "graded"]
        if failed:
            print(f"{len(failed)} notebooks not graded: {failed[0].reason}", file=sys.stderr)
            return 1

        per_kernel = kernel_cost(ex, 1, args.runs)
        per_cell = (kernel_cost(ex, 40, max(5, args.runs // 4)) - per_kernel) / 39
        cfg = g.sandbox_config()
        g.close()
        bare = bare_fork_cost(4 * args.runs)
        features = feature_costs(cfg, args.runs, per_kernel) if args.features else []

        kernels_nb, cells_nb = runs["kernels"] / n, runs["cells"] / n
        gradebook = stages.seconds["gradebook"] / n
        floor = gradebook + kernels_nb * per_kernel + cells_nb * per_cell
        other = (total - own) / n
        ms = lambda s: round(s * 1000, 1)  # noqa: E731
        rows = [
            ("nbgrader's gradebook calls", "per notebook", "1", ms(gradebook), ms(gradebook)),
            ("a fresh sandboxed kernel (start, 1 cell, end)", "per kernel", f"{kernels_nb:.2f}",
             ms(per_kernel), ms(kernels_nb * per_kernel)),
            ("one more cell, outside its own CPU", "per cell", f"{cells_nb:.1f}", round(per_cell * 1000, 2),
             ms(cells_nb * per_cell)),
            ("floor", "", "", "", ms(floor)),
            ("for scale: a bare fork of the kernel image, 1 cell, exit", "per kernel", "", ms(bare), ""),
            ("'other' in this run (in-process, jobs 1, one-time costs in)", "", "", "", ms(other)),
        ]
        print()
        print(f"{n} notebooks ({args.students} students x {len(names)} assignments) graded in {wall:.1f} s; "
              "CPU ms per notebook outside the student's cells:")
        print(table(rows, ("part", "unit", "count per notebook", "ms per unit", "ms per notebook")))
        if features:
            print()
            print("What each of the sandbox's protections costs per kernel (the kernel with it switched off):")
            print(table(features, ("switched off", "kernel ms", "the protection's ms")))
        verdict = "below" if floor <= TARGET_MS / 1000 else "above"
        print(f"floor {ms(floor)} ms per notebook: {verdict} the {TARGET_MS:g} ms target of issue 17; "
              f"the rest of 'other' ({ms(other - floor)} ms) is sanitizing, judging and writing notebooks; "
              "a small class spreads the run's one-time costs over few notebooks, so bench_grading.py's "
              "'other' on a large class is the figure to quote")
        print(f"load average after: {load_average()}")
        if args.json:
            Path(args.json).write_text(json.dumps({
                "notebooks": n, "gradebook_ms": ms(gradebook), "kernel_ms": ms(per_kernel),
                "cell_ms": round(per_cell * 1000, 3), "kernels_per_notebook": kernels_nb,
                "cells_per_notebook": cells_nb, "floor_ms": ms(floor), "other_ms": ms(other),
                "bare_fork_ms": ms(bare),
                "features": [dict(zip(("off", "kernel_ms", "cost_ms"), row)) for row in features]}, indent=1))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
