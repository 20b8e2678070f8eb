"""The grader side: ``Executor`` runs notebooks in sandboxed, pre-warmed kernels.

The grader is the trusted process.  It never imports or evaluates anything a
kernel sends: kernel messages are size-capped JSON frames read with deadlines
(``_proto``), outputs are rebuilt field by field into nbformat shapes, and any
frame that is late, oversized or malformed counts as a dead kernel.  Hidden
check requests are answered by the caller's ``handler`` here, so the verdicts
never depend on anything inside the kernel.
"""
from __future__ import annotations

import copy as _copy
import fcntl
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import NotebookNode

from . import _cgroup
from ._proto import ProtocolError, recv_frame, send_frame

PRELOAD = [
    "numpy", "pandas", "matplotlib", "matplotlib.pyplot", "IPython",
    "IPython.core.interactiveshell", "IPython.display", "ipywidgets",
    "course", "course.data", "course.checks", "course.plots", "course.widgets", "course.integrity",
    "autograder.wire", "autograder.hidden",
    "getpass",  # the kernel's input() stub (_kernel._setup_shell); the first cells' imports: _kernel._warm_up
]
#: called once in the fork server after PRELOAD ("module:function"): work every kernel would redo
WARM = ["course.data:_warm"]
REQUIRED = ("root", "user_switch", "mount_ns", "mount_api", "pid_ns", "net_ns", "rlimits", "no_new_privs")
OPTIONAL = ("ipc_ns", "uts_ns", "memory_cgroup")
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_PKG_ROOT = str(Path(__file__).resolve().parents[2])


class SandboxUnavailable(RuntimeError):
    """The machine lacks a sandbox feature the Executor needs."""


class UidLockError(RuntimeError):
    """The uid lock directory cannot be trusted; an admin must fix it (grading unsandboxed would not)."""


@dataclass
class SandboxConfig:
    cell_timeout: float = 60.0
    memory_bytes: int = 3 << 30
    cpu_seconds: int = 600
    max_processes: int = 64
    max_file_bytes: int = 256 << 20
    max_open_files: int = 256
    max_output_bytes: int = 1 << 20
    #: all outputs of one notebook together; later cells keep only their errors
    max_notebook_output_bytes: int = 8 << 20
    #: wall time of one notebook, kernel starts and replays after kernel deaths
    #: included; None: 10 cell timeouts
    notebook_timeout: float | None = None
    #: root-owned (0700) directory of the per-uid lock files shared by all graders
    uid_lock_dir: str = "/run/autograder/uids"
    hide: list = field(default_factory=list)
    allow: list = field(default_factory=list)
    allow_unsandboxed: bool = False
    max_restarts: int = 3
    startup_timeout: float = 20.0
    tmp_bytes: int = 512 << 20
    uid_base: int = 64000
    max_message_bytes: int = 64 << 20
    #: features not to use even where available (debugging, tests); a disabled
    #: required feature needs allow_unsandboxed=True like a missing one.
    disable: tuple = ()


@dataclass
class CellRun:
    index: int
    status: str  # ok | error | timeout | died | budget | not_run | skipped
    seconds: float = 0.0
    kernel: int | None = None
    #: CPU seconds the kernel reports for the cell (benchmarks only: the kernel could lie)
    cpu_seconds: float = 0.0


@dataclass
class ExecutionResult:
    nb: nbformat.NotebookNode
    cells: list
    restarts: int = 0
    exec_seconds: float = 0.0
    wall_seconds: float = 0.0
    #: CPU seconds of all cells run, replays included, as the kernels report them (benchmarks only)
    cpu_seconds: float = 0.0
    features: dict = field(default_factory=dict)
    handler_errors: list = field(default_factory=list)
    #: why the notebook was stopped before its end ("" when it ran to the end)
    stopped: str = ""


class FeatureReport(dict):
    """feature -> bool; ``.reasons[feature]`` says why one is missing."""

    def __init__(self, values: dict, reasons: dict):
        super().__init__(values)
        self.reasons = reasons
        self.memory = ""
        self.cgroup = None


_PROBE = r"""
import json, os, resource, sys
sys.path.insert(0, sys.argv[1])
from autograder.sandbox import _linux as L
uid = int(sys.argv[2])
r, why = {}, {}
def t(name, fn):
    try:
        fn(); r[name] = True
    except Exception as e:
        r[name] = False; why[name] = f"{type(e).__name__}: {e}"
def root():
    if os.geteuid() != 0: raise PermissionError("not running as root")
t("root", root)
def in_child(fn):
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            fn(); os.write(wr, b"ok")
        except BaseException as e:
            os.write(wr, f"{type(e).__name__}: {e}".encode()[:500])
        os._exit(0)
    os.close(wr); msg = os.read(rd, 600).decode(); os.close(rd); os.waitpid(pid, 0)
    if msg != "ok": raise OSError(msg or "probe child died")
def user_switch():
    os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)
    if os.getuid() != uid: raise PermissionError("setuid had no effect")
t("user_switch", lambda: in_child(user_switch))
def nnp(): L.prctl(L.PR_SET_NO_NEW_PRIVS, 1)
t("no_new_privs", lambda: in_child(nnp))
def rl(): resource.setrlimit(resource.RLIMIT_NPROC, (64, 64)); resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
t("rlimits", lambda: in_child(rl))
def mnt():
    L.unshare(L.CLONE_NEWNS); L.mount(None, "/", None, L.MS_REC | L.MS_PRIVATE)
    L.mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m")
t("mount_ns", lambda: in_child(mnt))
def api():
    L.unshare(L.CLONE_NEWNS); L.mount(None, "/", None, L.MS_REC | L.MS_PRIVATE)
    fd = L.open_tree("/etc", L.OPEN_TREE_CLONE | L.AT_RECURSIVE)
    L.mount_setattr(fd, L.MOUNT_ATTR_RDONLY); L.move_mount_fd(fd, "/mnt")
    # the kernel's view is a tmpfs made the root with pivot_root
    L.mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m"); os.chdir("/tmp")
    L.pivot_root(".", "."); L.umount2(".", L.MNT_DETACH)
t("mount_api", lambda: in_child(api))
def pidns():
    L.unshare(L.CLONE_NEWPID)
    pid = os.fork()
    if pid == 0: os._exit(0 if os.getpid() == 1 else 1)
    _, st = os.waitpid(pid, 0)
    if st != 0: raise OSError("child was not pid 1")
t("pid_ns", lambda: in_child(pidns))
for name, flag in (("net_ns", L.CLONE_NEWNET), ("ipc_ns", L.CLONE_NEWIPC), ("uts_ns", L.CLONE_NEWUTS)):
    t(name, lambda flag=flag: in_child(lambda: L.unshare(flag)))
print(json.dumps([r, why]))
"""


@lru_cache(maxsize=4)
def _probe(uid: int) -> tuple:
    if not sys.platform.startswith("linux"):
        r = {k: False for k in REQUIRED + OPTIONAL}
        return r, {k: "not Linux" for k in r}
    try:
        out = subprocess.run([sys.executable, "-c", _PROBE, _PKG_ROOT, str(uid)],
                             capture_output=True, text=True, timeout=60)
        values, reasons = json.loads(out.stdout)
    except Exception as exc:
        values = {k: False for k in REQUIRED + OPTIONAL}
        reasons = {k: f"probe failed: {exc}" for k in values}
    return values, reasons


def sandbox_report(uid: int = 64000) -> FeatureReport:
    """Which sandbox features this machine provides, tested for real in throwaway processes.

    ``.memory`` says how a kernel's memory is limited here, in words.
    """
    values, reasons = _probe(uid)
    report = FeatureReport(dict(values), dict(reasons))
    hierarchy, why = _cgroup.probe() if values.get("root") else (None, "not running as root")
    report["memory_cgroup"] = hierarchy is not None
    if hierarchy is None:
        report.reasons["memory_cgroup"] = why
        report.memory = ("per process only (RLIMIT_AS): the processes of one kernel together "
                         f"can use a multiple of the limit ({why})")
    else:
        report.memory = f"per kernel, all its processes and its tmpfs together: {hierarchy.describe()}"
    report.cgroup = hierarchy
    return report


# --------------------------------------------------------------------------- zygote client
#: a fork server started by prestart(), waiting for the Executor that adopts it
_PRESTARTED: list = []


def prestart() -> None:
    """Start the fork server now, while the grader itself is still importing.

    Its imports (numpy, pandas, matplotlib, course) take about a second; the
    command line starts it first and the Executor made later adopts it, after
    the same checks as always (a machine without PID namespaces gets a fresh one).
    Nothing runs in it before then: it only imports, and waits.
    """
    if _PRESTARTED or not sys.platform.startswith("linux") or os.geteuid() != 0:
        return
    try:
        _PRESTARTED.append(_Zygote(True, 60.0, wait=False))
    except Exception:  # the Executor starts its own, and reports what fails
        pass


def discard_prestarted() -> None:
    while _PRESTARTED:
        _PRESTARTED.pop().close()


class _Zygote:
    def __init__(self, pid_ns: bool, timeout: float, wait: bool = True):
        self.lock = threading.Lock()
        self.pid_ns = pid_ns
        self.info = None
        self._timeout = timeout
        self.sock, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # A minimal environment on purpose: a forked kernel can read the
        # zygote's original environment block through /proc/self/environ, so
        # nothing of the grader's own environment (tokens, passwords) goes in.
        env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
        env.update(THREAD_ENV)
        env["MPLBACKEND"] = "Agg"
        env["AUTOGRADER_SANDBOX_ZYGOTE"] = json.dumps(
            {"fd": child.fileno(), "preload": PRELOAD, "warm": WARM, "pid_ns": pid_ns})
        path = [_PKG_ROOT] + [p for p in sys.path if p]
        code = ("import sys; sys.path[:0] = %r; "
                "from autograder.sandbox._zygote import main; main()" % (path,))
        self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=[child.fileno()],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     cwd="/", start_new_session=True)
        child.close()
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until the server has made its imports and said it is ready (once)."""
        if self.info is not None:
            return
        self.sock.settimeout(timeout or self._timeout)
        try:
            data = self.sock.recv(1 << 20)
            info = json.loads(data)
            if not info.get("ready"):
                raise RuntimeError(info)
        except Exception as exc:
            self.close()
            raise RuntimeError(f"the sandbox fork server did not start: {exc}") from None
        self.info = info
        self.sock.settimeout(30)

    def _call(self, req: dict, fds=()) -> dict:
        with self.lock:
            if fds:
                socket.send_fds(self.sock, [json.dumps(req).encode()], list(fds))
            else:
                self.sock.send(json.dumps(req).encode())
            data = self.sock.recv(1 << 20)
        if not data:
            raise RuntimeError("the sandbox fork server exited")
        return json.loads(data)

    def spawn(self, spec: dict, fds) -> int:
        reply = self._call({"op": "spawn", "spec": spec}, fds)
        if "pid" not in reply:
            raise RuntimeError(f"fork server: {reply.get('error')}")
        return int(reply["pid"])

    def reap(self, pid: int) -> None:
        self._call({"op": "reap", "pid": pid})

    def close(self):
        try:
            self.sock.close()
        finally:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------- one kernel
class _KernelGone(Exception):
    """The kernel died or broke the protocol; the message says how."""


class _Kernel:
    def __init__(self, ex: "Executor", spec: dict):
        self.ex = ex
        self.pid = None
        self.alive = False
        self.workdir = None
        if not spec["features"].get("mount_ns"):
            # No private tmpfs: the work dir lives on the host and we clean it up.
            self.workdir = tempfile.mkdtemp(prefix="autograder-sandbox-")
            spec = {**spec, "workdir": self.workdir}
            if spec["features"].get("user_switch"):
                os.chown(self.workdir, spec["uid"], spec["gid"])
        self.cgroup = None
        if ex._cgroup is not None:
            # Made here, joined by the namespace init before it forks the kernel.
            try:
                self.cgroup = _cgroup.create(ex._cgroup, ex.cfg.memory_bytes)
            except OSError as exc:  # never a kernel without its limit
                raise _KernelGone(f"the kernel's memory cgroup could not be made: {exc}") from None
            spec = {**spec, "cgroup": self.cgroup}
        self.last_cpu = 0.0
        self.sock, ipc_child = socket.socketpair()
        self.status, st_child = socket.socketpair()
        try:
            self.pid = ex._zygote.spawn(spec, [ipc_child.fileno(), st_child.fileno()])
        except BaseException:
            self.sock.close()
            self.status.close()
            if self.workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
            if self.cgroup:
                _cgroup.remove(self.cgroup)
            raise
        finally:
            ipc_child.close()
            st_child.close()
        self.alive = True
        deadline = time.monotonic() + ex.cfg.startup_timeout
        try:
            hello = recv_frame(self.sock, deadline, ex.cfg.max_message_bytes)
            if hello.get("t") != "ready" or not isinstance(hello.get("features"), dict):
                raise ProtocolError("no ready message")
        except (EOFError, TimeoutError, ProtocolError, OSError) as exc:
            why = self.death_reason(str(exc))
            self.kill()
            raise _KernelGone(f"the kernel did not start: {why}") from None
        self.features = {k: bool(v) for k, v in hello["features"].items()}
        self.uid = hello.get("uid")

    def kill(self):
        """SIGKILL the namespace init: the Linux kernel then kills every process in the namespace."""
        if not self.alive:
            return
        self.alive = False
        try:
            if self.ex._features.get("pid_ns"):
                self._kill_kernel_first()
                os.kill(self.pid, signal.SIGKILL)
            else:
                os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.ex._zygote.reap(self.pid)  # returns once the whole namespace is gone
        finally:
            self.sock.close()
            self.status.close()
            if self.workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
            if self.cgroup:
                _cgroup.remove(self.cgroup)

    def _kill_kernel_first(self):
        """SIGKILL the init's children (the kernel) and let the init reap them before it goes.

        A process reaped by its parent adds its CPU time to the parent's account
        (and so, through the fork server, to the grader's); one killed with its
        namespace is reaped by no one and its CPU time is lost to the benchmark's
        figures.  pidfds: a pid read from /proc is signalled only while it is
        still the init's child, so a reused pid is never hit.
        """
        children = f"/proc/{self.pid}/task/{self.pid}/children"
        try:
            with open(children) as f:
                pids = [int(p) for p in f.read().split()]
        except (OSError, ValueError):
            return
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except OSError:
                continue
            try:
                with open(children) as f:
                    if str(pid) in f.read().split():
                        signal.pidfd_send_signal(fd, signal.SIGKILL)
            except OSError:
                pass
            finally:
                os.close(fd)
        if pids:
            self.status.settimeout(1.0)
            try:  # the init writes the kernel's status once it has reaped it
                self.status.recv(4096)
            except OSError:
                pass

    def death_reason(self, fallback: str) -> str:
        """Ask init how the kernel ended (exit code, signal), waiting briefly."""
        self.status.settimeout(3.0)
        buf = b""
        try:
            while not buf.endswith(b"\n") and len(buf) < 4096:
                chunk = self.status.recv(4096)
                if not chunk:
                    break
                buf += chunk
            info = json.loads(buf)
        except Exception:
            return fallback
        if "setup_error" in info:
            return f"sandbox setup failed: {str(info['setup_error'])[:500]}"
        st = info.get("status")
        if not isinstance(st, int):
            return fallback
        if os.WIFEXITED(st):
            return f"the kernel process exited with code {os.WEXITSTATUS(st)}"
        if os.WIFSIGNALED(st):
            sig = os.WTERMSIG(st)
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
            if sig == signal.SIGXCPU:
                return f"the kernel used up its CPU time limit ({self.ex.cfg.cpu_seconds} s) and was killed ({name})"
            if sig == signal.SIGKILL and self.cgroup and _cgroup.oom_kills(self.cgroup):
                return (f"the kernel's processes together used more than the memory limit "
                        f"({self.ex.cfg.memory_bytes / (1 << 30):.3g} GiB) and the kernel was killed ({name})")
            if sig == signal.SIGKILL:
                return f"the kernel was killed by signal {name} (for example: out of memory, or killed by the notebook)"
            return f"the kernel was killed by signal {name}"
        return fallback

    def run(self, index: int, code: str, replay: bool, handler, result: ExecutionResult,
            budget_deadline: float = float("inf"), output_cap: int | None = None):
        """Run one cell; returns (status, count, outputs, seconds).  Status may be timeout/died/budget.

        The cell stops at its own timeout or at ``budget_deadline`` (the
        notebook's), whichever comes first; ``output_cap`` is what is left of
        the notebook's output budget.
        """
        cfg = self.ex.cfg
        t0 = time.monotonic()
        deadline = t0 + cfg.cell_timeout
        cap = cfg.max_output_bytes if output_cap is None else max(0, min(cfg.max_output_bytes, output_cap))
        outputs, count = [], None
        try:
            send_frame(self.sock, {"t": "run", "i": index, "code": code, "replay": replay, "cap": cap},
                       time.monotonic() + 10)
            while True:
                msg = recv_frame(self.sock, min(deadline, budget_deadline), cfg.max_message_bytes)
                t = msg.get("t")
                if t == "start" and msg.get("i") == index:
                    count = _int_or_none(msg.get("count"))
                elif t == "out" and msg.get("i") == index and not replay:
                    outputs = _bounded(_clean_outputs(msg.get("outputs")), cap)
                elif t == "req":
                    h0 = time.monotonic()
                    reply = self._answer(msg.get("msg"), index, replay, handler, result)
                    deadline += time.monotonic() - h0  # the grader's own time is not the cell's
                    send_frame(self.sock, {"t": "rep", "msg": reply}, time.monotonic() + 30)
                elif t == "done" and msg.get("i") == index:
                    status = "ok" if msg.get("status") == "ok" else "error"
                    cpu = msg.get("cpu")
                    if isinstance(cpu, (int, float)) and not isinstance(cpu, bool) and 0 <= cpu < 1e7:
                        self.last_cpu = float(cpu)
                        result.cpu_seconds += float(cpu)
                    outs = [] if replay else _bounded(_clean_outputs(msg.get("outputs")), cap)
                    return status, _int_or_none(msg.get("count")), outs, time.monotonic() - t0
                elif t == "crash":
                    raise ProtocolError(f"internal kernel error: {str(msg.get('error'))[-500:]}")
                elif t not in ("start", "out"):
                    raise ProtocolError(f"unexpected message {t!r}")
        except TimeoutError:
            secs = time.monotonic() - t0
            self.kill()
            if budget_deadline < deadline:
                return "budget", count, outputs + [_error("NotebookTimeoutError", self.ex._budget_message())], secs
            err = _error("CellTimeoutError",
                         f"Cell execution timed out after {cfg.cell_timeout:g} seconds; the kernel was stopped "
                         "and the rest of the notebook runs in a fresh kernel.")
            return "timeout", count, outputs + [err], secs
        except (EOFError, ProtocolError, OSError, ValueError, TypeError) as exc:
            secs = time.monotonic() - t0
            why = self.death_reason(f"{type(exc).__name__}: {exc}")
            if isinstance(exc, ProtocolError) and str(exc).startswith("internal kernel error"):
                why = f"{why}; {exc}"
            self.kill()
            err = _error("DeadKernelError",
                         f"The kernel died while running this cell ({why}); the rest of the "
                         "notebook runs in a fresh kernel.")
            return "died", count, outputs + [err], secs

    def _answer(self, msg, index, replay, handler, result):
        if not isinstance(msg, dict):
            raise ProtocolError("a request must be an object")
        if replay:
            return {"ok": False, "message": "hidden checks are not re-run while earlier cells are replayed"}
        if handler is None:
            return {"ok": False, "message": "no grader is listening on this channel"}
        try:
            reply = handler(msg, index)
            if not isinstance(reply, dict):
                raise TypeError(f"handler returned {type(reply).__name__}, not dict")
            json.dumps(reply)
            return reply
        except Exception as exc:
            result.handler_errors.append((index, f"{type(exc).__name__}: {exc}"))
            return {"ok": False, "message": f"the grader could not handle this request ({type(exc).__name__})"}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _int_or_none(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _text(v, what="text") -> str:
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        v = "".join(v)
    if not isinstance(v, str):
        raise ProtocolError(f"{what} must be a string")
    return v.encode("utf-8", "replace").decode("utf-8")


def _mime(d, what) -> dict:
    if d is None:
        return {}
    if not isinstance(d, dict):
        raise ProtocolError(f"{what} must be an object")
    return {str(k): v for k, v in d.items()}


def _clean_outputs(outs) -> list:
    """Rebuild kernel-sent outputs into valid nbformat v4 outputs (or raise ProtocolError)."""
    if not isinstance(outs, list):
        raise ProtocolError("outputs must be a list")
    clean = []
    for o in outs:
        if not isinstance(o, dict):
            raise ProtocolError("an output must be an object")
        kind = o.get("output_type")
        if kind == "stream":
            if o.get("name") not in ("stdout", "stderr"):
                raise ProtocolError("bad stream name")
            # what nbformat.v4.new_output builds; its schema check has nothing left to find here
            # (both fields are checked strings), and it costs 0.1 ms per output
            clean.append(NotebookNode(output_type="stream", name=o["name"], text=_text(o.get("text"))))
        elif kind in ("display_data", "execute_result"):
            data = _mime(o.get("data"), "data")
            for k, v in list(data.items()):
                if isinstance(v, str):
                    data[k] = _text(v)
            kw = dict(data=data, metadata=_mime(o.get("metadata"), "metadata"))
            if kind == "execute_result":
                kw["execution_count"] = _int_or_none(o.get("execution_count"))
            clean.append(nbformat.v4.new_output(kind, **kw))
        elif kind == "error":
            tb = o.get("traceback")
            if not isinstance(tb, list):
                raise ProtocolError("traceback must be a list")
            clean.append(NotebookNode(
                output_type="error", ename=_text(o.get("ename"), "ename"), evalue=_text(o.get("evalue"), "evalue"),
                traceback=[_text(t, "traceback") for t in tb]))
        else:
            raise ProtocolError(f"unknown output type {kind!r}")
    return clean


def _outputs_size(outputs) -> int:
    return len(json.dumps(outputs, ensure_ascii=False, default=repr).encode("utf-8", "replace"))


#: room for the truncation notices and the one error a cell keeps beyond its cap
_CAP_SLACK = 64 << 10


def _bounded(outputs: list, cap: int) -> list:
    """``outputs`` when they fit in ``cap``; else a notice plus the cell's first error, shortened.

    The kernel already caps what it sends; this holds even for a kernel
    that does not.  The error is kept because it decides the cell's grade.
    """
    if _outputs_size(outputs) <= cap + _CAP_SLACK:
        return outputs
    kept = [nbformat.v4.new_output("stream", name="stdout", text=OUTPUT_DROPPED.format(n=cap))]
    err = next((o for o in outputs if o.output_type == "error"), None)
    if err is not None:
        kept.append(_error(err.ename[:200], err.evalue[:2000]))
    return kept


OUTPUT_DROPPED = "\n... outputs dropped (this cell's outputs exceeded the {n} bytes left for it)\n"


def _error(ename: str, evalue: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _trusted_lock_dir(path: str) -> int:
    """An fd of the uid lock directory, made if missing, refused unless only we can write to it.

    Every grader on the machine must see the same locks, and nobody else may
    hold or fake them: a directory another user made (the old
    ``$TMPDIR/autograder-sandbox-uids``) let any local user stop all grading.
    """
    me = os.geteuid()
    path = os.path.abspath(path)
    parts = [p for p in path.split("/") if p]
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for depth, name in enumerate(parts):
            last = depth == len(parts) - 1
            where = "/" + "/".join(parts[:depth + 1])
            try:
                os.mkdir(name, 0o700 if last else 0o755, dir_fd=fd)
            except FileExistsError:
                pass
            except OSError as exc:
                raise UidLockError(f"cannot create the uid lock directory {path}: {exc.strerror}. "
                                   f"Create it as {'root' if me == 0 else 'the grading user'} with mode 0700.") from None
            try:
                nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except OSError as exc:
                raise UidLockError(f"the uid lock directory {path} is unusable: {where} is not a plain "
                                   f"directory ({exc.strerror}). Remove it; the grader recreates it.") from None
            os.close(fd)
            fd = nfd
            st = os.fstat(fd)
            who = "root" if me == 0 else f"uid {me}"
            if last:
                unsafe = st.st_uid != me or st.st_mode & 0o077
            else:  # a parent others may write to is fine only when sticky (/tmp): they cannot replace our entry
                unsafe = st.st_uid not in (0, me) or (st.st_mode & 0o022 and not st.st_mode & 0o1000)
            if unsafe:
                raise UidLockError(
                    f"the uid lock directory {path} is not safe: {where} is owned by uid {st.st_uid} with "
                    f"mode {st.st_mode & 0o7777:04o}; it must be owned by {who} and "
                    f"{'have mode 0700' if last else 'writable by nobody else'}. Remove it (`rm -r {where}`) "
                    "and the grader recreates it correctly.")
        return fd
    except BaseException:
        os.close(fd)
        raise


# --------------------------------------------------------------------------- Executor
class Executor:
    """Runs notebooks in sandboxed kernels forked from one pre-warmed zygote.

    Thread-safe: up to ``jobs`` notebooks run at once (one per calling
    thread), each in its own uid slot (``self.uids``: the first free uids from
    ``uid_base``, reserved against other Executors), so per-uid limits
    such as RLIMIT_NPROC and the "no process left behind" check are per slot.
    """

    def __init__(self, cfg: SandboxConfig | None = None, jobs: int = 1):
        self.cfg = cfg = cfg or SandboxConfig()
        report = sandbox_report(cfg.uid_base)
        for k in cfg.disable:
            report[k] = False
            report.reasons[k] = "disabled by SandboxConfig.disable"
        missing = [k for k in REQUIRED if not report.get(k)]
        if missing and not cfg.allow_unsandboxed:
            detail = "; ".join(f"{k}: {report.reasons.get(k, 'unavailable')}" for k in missing)
            raise SandboxUnavailable(
                f"cannot sandbox notebooks on this machine, missing {', '.join(missing)} ({detail}). "
                "Run the grader as root on Linux, or pass allow_unsandboxed=True to run without these protections.")
        feats = dict(report)
        if not feats.get("root"):
            feats = {k: False for k in feats}
        if not feats.get("mount_api"):
            feats["mount_ns"] = False
        self._features = feats
        self._cgroup = report.cgroup if feats.get("memory_cgroup") else None
        if self._cgroup is not None:
            _cgroup.remove_stale(self._cgroup)
        self.jobs = max(1, int(jobs))
        self._allowed = self._resolve_allowed()
        self.uids = self._claim_uids(cfg.uid_base, self.jobs)
        self._slots: queue.Queue = queue.Queue()
        for uid in self.uids:
            self._slots.put(uid)
        try:
            pid_ns = bool(feats.get("pid_ns"))
            early = _PRESTARTED.pop() if _PRESTARTED else None
            if early is not None and early.pid_ns == pid_ns and early.proc.poll() is None:
                early.wait_ready(max(60.0, cfg.startup_timeout))
                self._zygote = early
            else:
                if early is not None:
                    early.close()
                self._zygote = _Zygote(pid_ns, max(60.0, cfg.startup_timeout))
        except BaseException:
            for fd in self._uid_locks:
                os.close(fd)
            raise
        self.preload_failed = dict(self._zygote.info.get("failed", {}))
        self._closed = False

    @property
    def features(self) -> dict:
        """The sandbox features in force for this executor's kernels (feature -> bool)."""
        return dict(self._features)

    def _claim_uids(self, base: int, n: int) -> list:
        """Reserve ``n`` sandbox uids with lock files held for our lifetime.

        Two Executors (in one process or several) must never share a uid:
        RLIMIT_NPROC counts per uid and "no process of this uid is left" is
        how a slot is known to be clean.  flock locks die with the process.
        """
        self._uid_locks = []
        lockdir = self.cfg.uid_lock_dir
        if os.geteuid() != 0 and lockdir == SandboxConfig.uid_lock_dir:
            # without root nothing runs under the sandbox uids; the locks only keep this user's graders apart
            lockdir = os.path.join(os.path.expanduser("~"), ".cache", "autograder", "uids")
        dfd = _trusted_lock_dir(lockdir)
        uids = []
        try:
            for uid in range(base, base + 4096):
                fd = os.open(str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600,
                             dir_fd=dfd)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                self._uid_locks.append(fd)
                uids.append(uid)
                if len(uids) == n:
                    return uids
        finally:
            os.close(dfd)
        for fd in self._uid_locks:
            os.close(fd)
        raise UidLockError(f"no free sandbox uid in {base}..{base + 4095}: other graders hold all the "
                           f"locks in {lockdir} (`fuser -v {lockdir}/*` shows who)")

    # context manager
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if not self._closed:
            self._closed = True
            try:
                self._zygote.close()
            finally:
                for fd in self._uid_locks:
                    os.close(fd)

    def tree_cpu_seconds(self) -> float:
        """CPU seconds used so far by the fork server and every kernel it has reaped.

        Each kernel is reaped by its namespace init (or, when the init is killed,
        by the pid namespace's teardown in the init), and the init by the fork
        server, so the kernels' CPU is in the server's ``cutime``/``cstime``
        the moment :meth:`_Kernel.kill` returns; the grader's own
        ``RUSAGE_CHILDREN`` holds it only after the server has exited.
        """
        try:
            with open(f"/proc/{self._zygote.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def _resolve_allowed(self) -> list:
        """The trees a kernel may see, resolved once (Executor.__init__): the same for all its kernels."""
        paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                 os.path.dirname(os.path.realpath(sys.executable))]
        paths += [str(p) for p in self.cfg.allow]
        seen, out = set(), []
        for p in paths:
            rp = os.path.realpath(p)
            if rp not in seen:
                seen.add(rp)
                out.append(rp)
        return out

    def _spec(self, uid: int, files_dir, env) -> dict:
        cfg = self.cfg
        prefix_bin = os.path.join(sys.prefix, "bin")
        kenv = {
            "PATH": f"{prefix_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/.config/matplotlib",
            "IPYTHONDIR": "/tmp/.ipython", "NBGRADER_EXECUTION": "autograde",
            "PYTHONDONTWRITEBYTECODE": "1", **THREAD_ENV,
        }
        if env:
            kenv.update({str(k): str(v) for k, v in env.items()})
        return {
            "uid": uid, "gid": uid, "features": self._features,
            "hide": [str(p) for p in cfg.hide], "allow": list(self._allowed),
            "files_dir": str(files_dir) if files_dir else None, "env": kenv,
            "limits": {
                "memory_bytes": int(cfg.memory_bytes), "cpu_seconds": int(cfg.cpu_seconds),
                "max_processes": int(cfg.max_processes), "max_file_bytes": int(cfg.max_file_bytes),
                "max_open_files": int(cfg.max_open_files), "max_output_bytes": int(cfg.max_output_bytes),
                "tmp_bytes": int(cfg.tmp_bytes),
            },
        }

    def run(self, nb, files_dir: Path | str | None = None, handler: Callable | None = None,
            env: dict | None = None, copy: bool = True) -> ExecutionResult:
        """Execute a copy of ``nb`` (``nb`` itself with ``copy=False``: a notebook made for
        this run, which becomes ``result.nb``); never raises for anything the notebook does."""
        if self._closed:
            raise RuntimeError("Executor is closed")
        t_wall = time.monotonic()
        if copy:
            nb = _copy.deepcopy(nb)
        result = ExecutionResult(nb=nb, cells=[])
        todo = []
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
                if _source(cell).strip():
                    todo.append(i)
                    result.cells.append(CellRun(i, "not_run"))
                    continue
            result.cells.append(CellRun(i, "skipped"))
        result.features = {**self._planned(), "sandboxed": False}
        slot = self._slots.get()
        kernel = None
        # The budget starts once a slot is ours: waiting for one is not the notebook's time.
        budget_deadline = time.monotonic() + self.notebook_timeout
        output_left = int(self.cfg.max_notebook_output_bytes)
        try:
            spec = self._spec(slot, files_dir, env)
            replayable: list = []
            kernels = 0
            pos = 0
            while pos < len(todo):
                i = todo[pos]
                if time.monotonic() >= budget_deadline:
                    self._out_of_time(result, todo[pos:])
                    break
                if kernel is None:
                    if kernels > self.cfg.max_restarts:
                        self._give_up(result, todo[pos:])
                        break
                    kernels += 1
                    try:
                        kernel = _Kernel(self, spec)
                        result.features = {**kernel.features, "sandboxed": self._sandboxed(kernel.features)}
                    except _KernelGone as exc:
                        kernel = None
                        self._finish(result, i, "died", None, [_error("DeadKernelError", str(exc))], 0.0, kernels - 1)
                        pos += 1
                        continue
                    dead = False
                    for j in list(replayable):
                        status, *_ = kernel.run(j, _source(nb.cells[j]), True, handler, result, budget_deadline)
                        if status in ("timeout", "died", "budget"):
                            if status != "budget":
                                replayable.remove(j)
                            kernel, dead = None, True
                            break
                    if dead:
                        continue
                kernel.last_cpu = 0.0
                status, count, outputs, secs = kernel.run(i, _source(nb.cells[i]), False, handler, result,
                                                          budget_deadline, output_left)
                result.cells[i].cpu_seconds = kernel.last_cpu
                output_left -= _outputs_size(outputs)
                self._finish(result, i, status, count, outputs, secs, kernels - 1)
                if status == "budget":
                    kernel = None
                    self._out_of_time(result, todo[pos + 1:])
                    break
                if status in ("ok", "error"):
                    replayable.append(i)
                else:
                    kernel = None
                pos += 1
            result.restarts = max(0, kernels - 1)
        finally:
            if kernel is not None:
                kernel.kill()
            self._slots.put(slot)
        result.wall_seconds = time.monotonic() - t_wall
        return result

    def _planned(self) -> dict:
        return {k: bool(self._features.get(k)) for k in
                ("pid_ns", "mount_ns", "net_ns", "ipc_ns", "uts_ns", "user_switch", "no_new_privs")}

    def _sandboxed(self, applied: dict) -> bool:
        return all(applied.get(k) for k in ("mount_ns", "pid_ns", "net_ns", "user_switch", "no_new_privs", "rlimits"))

    def _finish(self, result, i, status, count, outputs, secs, kernel_no):
        cell = result.nb.cells[i]
        cell.outputs = outputs
        cell.execution_count = count
        for o in outputs:
            if o.output_type == "execute_result" and o.get("execution_count") is None:
                o.execution_count = count
        run = result.cells[i]
        run.status, run.seconds, run.kernel = status, secs, kernel_no
        result.exec_seconds += secs

    @property
    def notebook_timeout(self) -> float:
        t = self.cfg.notebook_timeout
        return float(t) if t else 10 * float(self.cfg.cell_timeout)

    def _budget_message(self) -> str:
        return (f"The notebook used up its time budget of {self.notebook_timeout:g} seconds (all its cells "
                "together, replays after a kernel restart included); this cell was stopped and the cells "
                "after it were not run.")

    def _out_of_time(self, result, indices):
        msg = (f"This cell was not run: the notebook used up its time budget of {self.notebook_timeout:g} "
               "seconds before reaching it.")
        result.stopped = (f"stopped at its time budget of {self.notebook_timeout:g} s; "
                          "the cells not reached were not run")
        for i in indices:
            result.nb.cells[i].outputs = [_error("CellNotRunError", msg)]
            result.cells[i].status = "not_run"

    def _give_up(self, result, indices):
        msg = (f"This cell was not run: the kernel died or timed out {self.cfg.max_restarts + 1} times, "
               "which is the limit for one notebook.")
        for i in indices:
            result.nb.cells[i].outputs = [_error("CellNotRunError", msg)]
            result.cells[i].status = "not_run"
