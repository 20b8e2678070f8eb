"""The pre-warmed fork server ("zygote").

Started once per Executor with ``python -c`` (so the grader's ``__main__`` is
never imported here), it imports numpy, pandas, matplotlib (Agg), IPython,
ipywidgets, ``course`` and ``autograder.hidden``, builds the IPython shell and
runs a few cells of its own in it (a value, an error, a print: IPython's
first use of each costs a kernel 1-3 ms; the shell is reset after them),
then forks one sandbox per request.  A fork costs a few milliseconds and
shares all those pages copy-on-write, so no kernel ever pays for imports.
The zygote itself never runs student code: every kernel is a fresh fork of
the same clean image, so nothing one notebook does can reach the next.

Protocol (SOCK_SEQPACKET, one JSON object per packet):
  {"op": "spawn", "spec": {...}} + two fds (kernel socket, status socket)
      -> {"pid": <pid of the sandbox init, as the grader sees it>}
  {"op": "reap", "pid": n} -> {"ok": true} once that init has been reaped
      (the grader SIGKILLs it first; reaping only on request means the pid
      cannot be reused while the grader might still signal it).
EOF on the control socket ends the zygote.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import socket
import tempfile


def main() -> None:
    cfg = json.loads(os.environ.pop("AUTOGRADER_SANDBOX_ZYGOTE"))
    ctl = socket.socket(fileno=int(cfg["fd"]))
    private = tempfile.mkdtemp(prefix="autograder-zygote-")
    os.environ["MPLCONFIGDIR"] = os.path.join(private, "mpl")
    os.environ["IPYTHONDIR"] = os.path.join(private, "ipython")
    loaded, failed = [], {}
    for name in cfg["preload"]:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"
    for target in cfg.get("warm", []):  # "module:function", e.g. the course's data sets parsed once
        name, _, func = target.partition(":")
        try:
            getattr(importlib.import_module(name), func)()
        except Exception as exc:
            failed[target] = f"{type(exc).__name__}: {exc}"
    try:
        import matplotlib

        matplotlib.use("Agg")
    except Exception:
        pass
    from . import _kernel, _linux

    _kernel.prepare()
    pidns_fd = None
    if cfg.get("pid_ns"):
        pidns_fd = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    gc.collect()
    gc.freeze()  # keep the pre-imported heap shared copy-on-write
    ctl.send(json.dumps({"ready": True, "loaded": loaded, "failed": failed}).encode())
    try:
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(ctl, 1 << 20, 4)
            except InterruptedError:
                continue
            if not data:
                break
            try:
                req = json.loads(data)
                if req["op"] == "spawn":
                    if len(fds) != 2:
                        raise ValueError("spawn needs two fds")
                    pid = _spawn(req["spec"], fds, ctl, pidns_fd, _kernel, _linux)
                    reply = {"pid": pid}
                elif req["op"] == "reap":
                    try:
                        os.waitpid(int(req["pid"]), 0)
                    except ChildProcessError:
                        pass
                    reply = {"ok": True}
                else:
                    reply = {"error": f"unknown op {req['op']!r}"}
            except Exception as exc:
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                for fd in fds:
                    os.close(fd)
            ctl.send(json.dumps(reply).encode())
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _spawn(spec, fds, ctl, pidns_fd, _kernel, L) -> int:
    if pidns_fd is not None and spec["features"].get("pid_ns"):
        # unshare(CLONE_NEWPID) only affects our *next* child, which becomes
        # pid 1 of a new namespace.  A second unshare is refused while the
        # pending namespace differs from our own, so first point "children's
        # namespace" back at our own with setns.
        L.setns(pidns_fd, L.CLONE_NEWPID)
        L.unshare(L.CLONE_NEWPID)
    pid = os.fork()
    if pid == 0:
        try:
            ctl.close()
            if pidns_fd is not None:
                os.close(pidns_fd)
            _kernel.init_main(spec, fds[0], fds[1])
        finally:
            os._exit(70)
    return pid


if __name__ == "__main__":
    main()
