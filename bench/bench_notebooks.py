#!/usr/bin/env python
"""Benchmark: "Run All" time of every assignment notebook, answers filled in.

For every assignment in ``source/`` (found at run time), the source notebook
-- the release with correct answers in the solution cells, plus the hidden
tests, which run in local mode (no grader channel) -- is executed top to
bottom in a real ``python3`` kernel with nbclient, as a student's "Run All"
would be (``NBGRADER_EXECUTION`` unset: figures and explorers are drawn).

Reported per notebook:

* **run**: from the first code cell's start (the kernel's ``status: busy``)
  to the last code cell's end (its ``execute_reply``), kernel start-up excluded;
  flagged when over 3 s;
* **total**: the wall time of ``NotebookClient.execute()``, kernel start-up
  and shutdown included;
* the three slowest cells (busy -> execute_reply), to know what to optimize;
* error outputs (a source notebook should have none).

Usage (from the repository root)::

    .venv/bin/python bench/bench_notebooks.py
    .venv/bin/python bench/bench_notebooks.py --repeat 3 --json notebooks.json
    .venv/bin/python bench/bench_notebooks.py 03_sigmoid_logistic_model
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from _common import table  # noqa: E402  (bench/ is on sys.path: scripts run from here)
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
os.environ.pop("NBGRADER_EXECUTION", None)

import nbformat  # noqa: E402

LIMIT_S = 3.0


def _ts(value) -> float:
    if isinstance(value, _dt.datetime):
        return value.timestamp()
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return _dt.datetime.fromisoformat(text).timestamp()


def _label(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    grade_id = meta.get("grade_id")
    first = next((l.strip() for l in cell.source.splitlines() if l.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    return f"[{grade_id}] {first}" if grade_id else first


def run_once(path: Path, timeout: int) -> dict:
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            record_timing=True, resources={"metadata": {"path": str(path.parent)}})
    t0 = time.time()
    p0 = time.perf_counter()
    client.execute()
    total = time.perf_counter() - p0
    cells, errors = [], []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        timing = cell.metadata.get("execution", {})
        if "iopub.status.busy" not in timing or "shell.execute_reply" not in timing:
            continue
        start, end = _ts(timing["iopub.status.busy"]), _ts(timing["shell.execute_reply"])
        cells.append({"index": i, "label": _label(cell), "start": start, "end": end, "seconds": end - start})
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                errors.append(f"cell {i} {_label(cell)}: {o.get('ename')}: {o.get('evalue', '')[:120]}")
    run = (cells[-1]["end"] - cells[0]["start"]) if cells else float("nan")
    return {"total_s": total, "run_s": run, "startup_s": (cells[0]["start"] - t0) if cells else float("nan"),
            "code_cells": len(cells), "cells": cells, "errors": errors}


def main(argv=None) -> int:
    from autograder import course

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("assignments", nargs="*", help="default: every assignment in source/")
    p.add_argument("--repeat", type=int, default=1, help="runs per notebook; the median run is reported")
    p.add_argument("--timeout", type=int, default=120, help="per-cell timeout (s)")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    names = args.assignments or course.assignments(REPO)

    load0 = os.getloadavg()
    print(f"[{time.strftime('%H:%M:%S')}] bench_notebooks: {len(names)} source notebooks, "
          f"{args.repeat} run(s) each, in a python3 kernel; load average {load0[0]:.2f}", flush=True)
    results = {}
    for name in names:
        path = REPO / "source" / name / f"{name}.ipynb"
        runs = []
        for k in range(args.repeat):
            print(f"    {name} run {k + 1}/{args.repeat} ...", end="", flush=True)
            try:
                r = run_once(path, args.timeout)
            except Exception as exc:  # a notebook being edited may not even be valid JSON
                print(f" FAILED ({type(exc).__name__}: {str(exc)[:200]})", flush=True)
                runs.append({"failed": f"{type(exc).__name__}: {exc}"})
                break
            print(f" run {r['run_s']:.2f} s, total {r['total_s']:.2f} s", flush=True)
            runs.append(r)
        ok = [r for r in runs if "failed" not in r]
        if not ok:
            results[name] = {"failed": runs[-1]["failed"]}
            continue
        ok.sort(key=lambda r: r["run_s"])
        median = ok[len(ok) // 2]
        results[name] = {"run_s": median["run_s"], "total_s": median["total_s"],
                         "startup_s": median["startup_s"], "code_cells": median["code_cells"],
                         "runs_s": [r["run_s"] for r in ok], "totals_s": [r["total_s"] for r in ok],
                         "errors": median["errors"],
                         "slowest": sorted(median["cells"], key=lambda c: -c["seconds"])[:3]}

    rows, slow_rows, flagged = [], [], []
    for name, r in results.items():
        if "failed" in r:
            rows.append((name, "", "FAILED", "", "", "", r["failed"][:60]))
            continue
        over = r["run_s"] > LIMIT_S
        if over:
            flagged.append(name)
        spread = (f"{min(r['runs_s']):.2f}-{max(r['runs_s']):.2f}" if len(r["runs_s"]) > 1 else "")
        rows.append((name, r["code_cells"], f"{r['run_s']:.2f}", spread, f"{r['total_s']:.2f}",
                     len(r["errors"]), "SLOW (> 3 s)" if over else "ok"))
        for rank, c in enumerate(r["slowest"], 1):
            slow_rows.append((name if rank == 1 else "", rank, c["index"], f"{c['seconds'] * 1000:.0f}", c["label"]))
    print()
    print("Run All, answers filled in (run = first cell start -> last cell end; total = with kernel start-up)")
    print(table(rows, ("notebook", "code cells", "run s", "range s", "total s", "errors", "")))
    print()
    print("Slowest cells (median run)")
    print(table(slow_rows, ("notebook", "#", "cell", "ms", "cell (grade id) first line")))
    for name, r in results.items():
        for e in r.get("errors", []):
            print(f"    error in {name}: {e}")
    print()
    print(f"{len(flagged)} of {len(results)} notebooks take over {LIMIT_S:.0f} s"
          + (f": {', '.join(flagged)}" if flagged else ""))
    load1 = os.getloadavg()
    print(f"load average after: {load1[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": _dt.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
            "cores": os.cpu_count(), "repeat": args.repeat, "limit_s": LIMIT_S, "flagged": flagged,
            "loadavg_before": load0, "loadavg_after": load1, "notebooks": results}, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
