#!/usr/bin/env python
"""Benchmark: how fast every explorer in ``course.widgets`` reacts to its controls.

For every ``build_*`` function of ``course.widgets`` (found at run time, so
new explorers are picked up), in a real IPython kernel (as in JupyterLab; the
widgets send their PNG over a comm as they would to a browser):

0. hand it the student's functions it takes, played by the reference
   implementations of ``autograder.reference`` (found by parameter name;
   ``train`` is assignment 05's given loop on the reference NLL and gradient);
1. build the explorer (the time is reported; it includes the first render);
2. move each control through ``--values`` (default 20) values spread over its
   range (sliders: evenly from min to max; dropdowns / toggles: cycling their
   options), one change at a time, then put it back;
3. report the median and 90th percentile of ``Explorer.latencies`` -- the time
   from a control change to the new PNG (callback + render), measured by the
   explorer itself in the kernel process -- per explorer and per control,
   flagging any explorer whose median is over 50 ms.

``NBGRADER_EXECUTION`` is removed from the environment (while it is set the
explorers are skipped, and the ``build_*`` functions are what they wrap anyway).

Usage (from the repository root)::

    .venv/bin/python bench/bench_widgets.py                # in a kernel
    .venv/bin/python bench/bench_widgets.py --in-process   # no kernel, no comms
    .venv/bin/python bench/bench_widgets.py --values 40 --json widgets.json
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

LIMIT_MS = 50.0

# Runs inside the kernel (or this process with --in-process); prints one JSON line.
KERNEL_CODE = r'''
def _bench_widgets(n_values, only=None):
    import json, os, time
    import numpy as np
    os.environ.pop("NBGRADER_EXECUTION", None)
    import inspect
    import course.widgets as W
    from autograder import reference as R

    def train(W_start, X, y, lr, steps):
        """Assignment 05's given gradient descent, on the reference NLL and gradient."""
        Wk = W_start.copy()
        history = [R.softmax_nll(Wk, X, y)]
        for _ in range(steps):
            Wk = Wk - lr * R.softmax_nll_grad(Wk, X, y)
            history.append(R.softmax_nll(Wk, X, y))
        return Wk, np.array(history)

    def student_functions(fn):
        """The explorer's leading function parameters, filled with the reference implementations."""
        out = []
        for p in inspect.signature(fn).parameters.values():
            if p.default is not inspect.Parameter.empty:
                break
            out.append(train if p.name == "train" else getattr(R, p.name))
        return out

    def sweep(control, n):
        """Values to move ``control`` through, each different from the one before."""
        if hasattr(control, "options") and getattr(control, "options", None):
            opts = list(getattr(control, "_options_values", None) or control.options)
            seq = [opts[i % len(opts)] for i in range(1, n + 1)] if len(opts) > 1 else []
        elif isinstance(control.value, bool):
            seq = [not control.value if i % 2 == 0 else control.value for i in range(n)]
        elif hasattr(control, "min") and hasattr(control, "max"):
            lo, hi = control.min, control.max
            seq = list(np.linspace(lo, hi, n))
            if isinstance(control.value, int) and not isinstance(control.value, bool):
                seq = [int(round(v)) for v in seq]
            else:
                step = getattr(control, "step", None)
                if step:
                    seq = [min(hi, max(lo, lo + round((v - lo) / step) * step)) for v in seq]
                seq = [float(v) for v in seq]
        else:
            return None
        out, last = [], control.value
        for v in seq:
            if v != last:
                out.append(v)
                last = v
        return out

    results = []
    names = sorted(n for n in dir(W) if n.startswith("build_") and callable(getattr(W, n)))
    for name in names:
        if only and name not in only:
            continue
        fn = getattr(W, name)
        row = {"name": name, "module": getattr(fn, "__module__", "?"), "controls": {}, "skipped": []}
        try:
            t0 = time.perf_counter()
            ex = fn(*student_functions(fn))
            row["build_s"] = time.perf_counter() - t0
        except Exception as exc:
            row["error"] = f"{type(exc).__name__}: {exc}"
            results.append(row)
            continue
        row["first_render_s"] = ex.latencies[0] if ex.latencies else None
        for cname, control in ex.controls.items():
            values = sweep(control, n_values)
            if not values:
                row["skipped"].append(f"{cname} ({type(control).__name__})")
                continue
            start = control.value
            n0 = len(ex.latencies)
            for v in values:
                control.value = v
            lat = ex.latencies[n0:]
            control.value = start
            row["controls"][cname] = {"type": type(control).__name__, "moves": len(values),
                                      "callbacks": len(lat), "latencies": lat}
        results.append(row)
    print("BENCH_WIDGETS_JSON " + json.dumps(results), flush=True)
'''


def run_in_kernel(n_values: int, only, timeout: float = 900.0) -> tuple[list, float]:
    from jupyter_client.manager import KernelManager

    env = dict(os.environ)
    env.pop("NBGRADER_EXECUTION", None)
    km = KernelManager(kernel_name="python3")
    t0 = time.perf_counter()
    km.start_kernel(env=env, cwd=str(REPO))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        startup = time.perf_counter() - t0
        chunks: list[str] = []

        def hook(msg):
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                chunks.append(msg["content"]["text"])
            elif kind == "error":
                chunks.append("\n".join(msg["content"]["traceback"]))

        code = KERNEL_CODE + f"\n_bench_widgets({n_values}, {list(only) if only else None!r})\n"
        reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook, store_history=False)
        text = "".join(chunks)
        if reply["content"]["status"] != "ok":
            raise SystemExit("the benchmark failed in the kernel:\n" + text)
        line = next(l for l in text.splitlines() if l.startswith("BENCH_WIDGETS_JSON "))
        return json.loads(line.split(" ", 1)[1]), startup
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run_in_process(n_values: int, only) -> list:
    import contextlib
    import io

    scope: dict = {}
    exec(KERNEL_CODE, scope)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        scope["_bench_widgets"](n_values, only)
    line = next(l for l in buffer.getvalue().splitlines() if l.startswith("BENCH_WIDGETS_JSON "))
    return json.loads(line.split(" ", 1)[1])


def pct(values: list, q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if values else float("nan")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--values", type=int, default=20, help="values per control (default 20)")
    p.add_argument("--in-process", action="store_true", help="run here instead of in a kernel")
    p.add_argument("--only", action="append", help="only this build_* function (repeatable)")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args(argv)

    started = time.perf_counter()
    load0 = os.getloadavg()
    where = "this process" if args.in_process else "a python3 kernel"
    print(f"[{time.strftime('%H:%M:%S')}] bench_widgets: every course.widgets.build_* in {where}, "
          f"{args.values} values per control; load average {load0[0]:.2f}", flush=True)
    if args.in_process:
        results, startup = run_in_process(args.values, args.only), None
    else:
        results, startup = run_in_kernel(args.values, args.only)
        print(f"    kernel ready in {startup:.1f} s", flush=True)

    rows, per_control, flagged, errors = [], [], [], []
    for r in results:
        if "error" in r:
            errors.append(f"{r['name']}: {r['error']}")
            rows.append((r["name"], "ERROR", "", "", "", "", "", ""))
            continue
        lat = [x for c in r["controls"].values() for x in c["latencies"]]
        med, p90 = pct(lat, 50) * 1000, pct(lat, 90) * 1000
        flag = "SLOW (median > 50 ms)" if med > LIMIT_MS else "ok"
        if med > LIMIT_MS:
            flagged.append(r["name"])
        r["summary"] = {"median_ms": med, "p90_ms": p90, "max_ms": max(lat) * 1000 if lat else None, "n": len(lat)}
        rows.append((r["name"], r["module"].rsplit(".", 1)[-1], len(lat), f"{med:.1f}", f"{p90:.1f}",
                     f"{max(lat) * 1000:.1f}" if lat else "", f"{r['build_s'] * 1000:.0f}", flag))
        for cname, c in r["controls"].items():
            per_control.append((r["name"], cname, c["type"], c["callbacks"], f"{pct(c['latencies'], 50) * 1000:.1f}",
                                f"{pct(c['latencies'], 90) * 1000:.1f}"))
        for s in r["skipped"]:
            per_control.append((r["name"], s, "not moved", 0, "", ""))

    print()
    print(f"Explorer latency: control change -> new PNG (callback + render, in {where})")
    print(table(rows, ("explorer", "module", "moves", "median ms", "p90 ms", "max ms", "build ms", "")))
    print()
    print("Per control")
    print(table(per_control, ("explorer", "control", "type", "moves", "median ms", "p90 ms")))
    print()
    if errors:
        print("could not build: " + "; ".join(errors))
    print(f"{len(flagged)} of {len(results)} explorers have a median over {LIMIT_MS:.0f} ms"
          + (f": {', '.join(flagged)}" if flagged else ""))
    load1 = os.getloadavg()
    print(f"load average after: {load1[0]:.2f}; finished in {time.perf_counter() - started:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": _dt.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
            "cores": os.cpu_count(), "where": where, "values": args.values, "kernel_startup_s": startup,
            "limit_ms": LIMIT_MS, "flagged": flagged, "errors": errors,
            "loadavg_before": load0, "loadavg_after": load1, "explorers": results}, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
