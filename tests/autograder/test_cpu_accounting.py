"""The benchmark's CPU figures: a cell's own CPU, and the kernels' CPU reaching the grader's account.

bench/bench_grading.py splits a run's CPU into the cells' own (reported by the
kernel around each cell) and everything else (grader, fork server, kernel
start-up), so both halves must really be counted, also for a kernel killed
in the middle of a cell.
"""
from __future__ import annotations

import resource

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.sandbox import Executor, SandboxConfig, sandbox_report

REPORT = sandbox_report()
pytestmark = pytest.mark.skipif(
    not all(REPORT.get(k) for k in ("root", "user_switch", "mount_ns", "pid_ns", "net_ns")),
    reason=f"sandbox features unavailable: {REPORT.reasons}",
)

BUSY = "import time\nt0 = time.process_time()\nwhile time.process_time() - t0 < 0.4:\n    pass"


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def test_cells_and_killed_kernels_are_counted():
    before_all = children_cpu()
    cfg = SandboxConfig(cell_timeout=1.5, memory_bytes=1 << 30, cpu_seconds=60, max_restarts=1)
    with Executor(cfg, jobs=1) as ex:
        before = ex.tree_cpu_seconds()
        run = ex.run(new_notebook(cells=[new_code_cell(BUSY), new_code_cell("x = 1")]))
        assert [c.status for c in run.cells] == ["ok", "ok"]
        assert 0.39 <= run.cells[0].cpu_seconds < 1.5
        assert run.cells[1].cpu_seconds < 0.05
        assert run.cpu_seconds == pytest.approx(run.cells[0].cpu_seconds + run.cells[1].cpu_seconds)
        after_one = ex.tree_cpu_seconds()
        assert after_one - before >= 0.39  # reaped by its init, the init by the fork server
        hung = ex.run(new_notebook(cells=[new_code_cell("while True:\n    pass")]))
        assert hung.cells[0].status == "timeout"
        assert hung.cells[0].cpu_seconds == 0.0  # it never reported: the account below has it
        assert ex.tree_cpu_seconds() - after_one >= 0.5
    assert children_cpu() - before_all >= 0.39 + 0.5  # the fork server's whole tree, once it exited
