"""What runs inside the sandbox: the namespace's init process and the kernel.

Process tree for one kernel (all forked, nothing exec'd)::

    grader (Executor) ── zygote ── init (pid 1 of a new PID namespace, root)
                                      └── kernel (pid 2, unprivileged uid, runs the cells)

Why this shape holds:

* **The kernel sees an allow-list, not the host.**  ``init`` unshares a new
  mount namespace (propagation made private, so nothing leaks back to the
  host), clones the allowed trees read-only (the Python installation, the
  ``course`` package, the system's shared libraries and fonts) and binds
  them into a fresh tmpfs, with a minimal ``/dev``, a fresh ``/tmp`` and
  ``/dev/shm``, a ``/proc`` of its own PID namespace and a copy of the
  submission's plain files; then it ``pivot_root``s into that tmpfs and
  detaches the old root.  Paths the caller hides inside allowed trees are
  covered by empty mounts.  The kernel is forked *after* that, so it starts
  in that view; it then drops to an unprivileged uid without capabilities
  and with ``PR_SET_NO_NEW_PRIVS``, so it can neither unmount anything
  (needs CAP_SYS_ADMIN) nor leave the namespace (``setns`` needs it too) nor
  regain privileges through a setuid binary.  What already sits in memory
  (modules the zygote imported, such as ``autograder.hidden``) stays usable;
  the files behind it are not there.
* **Everything the notebook started dies with it.**  ``init`` is pid 1 of a
  fresh PID namespace.  When pid 1 of a namespace exits (or is SIGKILLed by
  the grader), the Linux kernel SIGKILLs every other process in that
  namespace, and a process cannot leave its PID namespace, so neither
  ``fork`` nor ``setsid``/double-fork daemons survive.  ``init`` is not the
  kernel itself because pid 1 ignores signals it has no handler for, which
  would make ``os.kill(os.getpid(), 9)`` a no-op instead of a dead kernel.
  ``RLIMIT_NPROC`` on the per-slot uid bounds a fork bomb meanwhile.
* **No network.**  A new network namespace has only a loopback device that
  is down: every connect fails, including to the host's 127.0.0.1.  The only
  way out is the socketpair inherited from the grader.
* **No state leaks.**  Each kernel is a fresh fork of the zygote (which never
  runs student code) with a fresh tmpfs as its whole filesystem (only
  read-only binds of the allowed trees in it); env vars are rebuilt.
"""
from __future__ import annotations

import builtins
import contextlib
import json
import os
import resource
import signal
import socket
import sys
import threading
import time

from . import _cgroup
from . import _linux as L
from . import _tree
from ._proto import pack, recv_frame, send_frame

DEATH_NOTE_EXIT = 71  # kernel_main crashed in our own code
OUTPUT_TRUNCATED = "\n... output truncated (this cell printed more than {n} bytes)\n"
NOTEBOOK_TRUNCATED = "\n... output truncated (the outputs of this notebook reached their limit)\n"


# --------------------------------------------------------------------------- zygote side
def prepare() -> None:
    """Run once in the zygote: build the IPython shell every kernel inherits."""
    shell = _GradingShell.instance()
    # IPython's default ("Context") tracebacks look up and highlight the source of every
    # frame: about 40 ms per error, ten times what the cells of a blank notebook cost.
    # "Plain" has the same frames and lines, as Python prints them.
    shell.InteractiveTB.set_mode("Plain")
    _warm_up(shell)


#: run once in the zygote so that no kernel pays for IPython's first use of these paths
#: (its compiler and logger, the display formatter, the traceback formatter)
_WARM_UP_CELLS = ("None", "1", "raise ValueError('warm-up')", "print('')")


def _warm_up(shell) -> None:
    global _capture, _MAIN_PID
    saved = sys.stdout, sys.stderr
    _capture, _MAIN_PID = _Capture(1 << 16), os.getpid()
    try:
        sys.stdout, sys.stderr = _CaptureStream("stdout"), _CaptureStream("stderr")
        for index, code in enumerate(_WARM_UP_CELLS):
            _capture.begin(index)
            shell.run_cell(code, store_history=True, silent=False)
            _capture.end()
    finally:
        sys.stdout, sys.stderr = saved
        _capture, _MAIN_PID = None, None
        # back to a new shell's state: empty In/Out and namespace, execution count 1
        history = shell.history_manager
        history._i00 = history._i = history._ii = history._iii = ""
        shell.reset(new_session=True)
        shell.execution_count = 1
        shell.last_execution_succeeded, shell.last_execution_result = True, None
        for name in ("last_type", "last_value", "last_traceback", "last_exc"):
            if hasattr(sys, name):
                delattr(sys, name)
        import linecache

        for name in [n for n in linecache.cache if str(n).startswith("<ipython-input-")]:
            del linecache.cache[name]
        getattr(shell.compile, "_filename_map", {}).clear()


# --------------------------------------------------------------------------- init
def init_main(spec: dict, ipc_fd: int, status_fd: int) -> None:
    """Body of the namespace init.  Never returns."""
    status = socket.socket(fileno=status_fd)
    work = None
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # The zygote is our parent; if it goes, we go (and with us the namespace).
        L.prctl(L.PR_SET_PDEATHSIG, signal.SIGKILL)
        if spec.get("cgroup"):
            # Before the kernel exists, so that it and all it forks share the one limit.
            _cgroup.join(spec["cgroup"])
        applied, work = _setup(spec)
        applied["memory_cgroup"] = bool(spec.get("cgroup"))
        kpid = os.fork()
        if kpid == 0:
            try:
                status.close()
                kernel_main(spec, ipc_fd, applied, work)
            except BaseException:
                pass
            os._exit(DEATH_NOTE_EXIT)
        os.close(ipc_fd)
        st = None
        while True:  # reap orphans until the kernel itself is gone
            try:
                pid, wst = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if pid == kpid:
                st = wst
                break
        status.sendall((json.dumps({"status": st}) + "\n").encode())
    except BaseException as exc:
        try:
            status.sendall((json.dumps({"setup_error": f"{type(exc).__name__}: {exc}"}) + "\n").encode())
        except Exception:
            pass
    os._exit(0)


def _setup(spec: dict) -> tuple[dict, str]:
    feats = spec["features"]
    applied = {"pid_ns": os.getpid() == 1}
    for name, flag in (("mount_ns", L.CLONE_NEWNS), ("net_ns", L.CLONE_NEWNET),
                       ("ipc_ns", L.CLONE_NEWIPC), ("uts_ns", L.CLONE_NEWUTS)):
        applied[name] = False
        if feats.get(name):
            L.unshare(flag)
            applied[name] = True
    if applied["uts_ns"]:
        socket.sethostname("sandbox")
    if not applied["pid_ns"]:
        os.setsid()  # without a PID namespace, the grader kills our process group instead
    applied["user_switch"] = bool(feats.get("user_switch"))
    uid, gid = (spec["uid"], spec["gid"]) if applied["user_switch"] else (None, None)
    files_fd = None
    if spec.get("files_dir"):
        # Opened before any mount: the copy reads through this fd, although
        # the directory itself is not part of the kernel's view.
        files_fd = _tree.open_dir(spec["files_dir"])
    applied["hide"] = applied["view"] = False
    try:
        if applied["mount_ns"]:
            work = _mounts(spec, applied, files_fd, uid, gid)
            applied["hide"] = applied["view"] = True
        else:
            work = spec["workdir"]  # made (and removed) by the grader
            if files_fd is not None:
                _tree.copy_plain(files_fd, work, uid, gid)
    finally:
        if files_fd is not None:
            os.close(files_fd)
    if uid is not None:
        os.chown(work, uid, gid)
    return applied, work


# The kernel's filesystem is a fresh tmpfs holding only these, besides the
# allowed trees (the Python installation, the course package): the shared
# libraries an extension module imported late still loads and the loader's
# cache naming them, and the fonts matplotlib's font list (built in the
# zygote) may point at.  Nothing else of the host is there to be found.
_RUNTIME = ("/usr/lib", "/usr/lib64", "/lib", "/lib32", "/lib64", "/etc/ld.so.cache", "/usr/share/fonts")
_DEVICES = ("null", "zero", "full", "random", "urandom")
_NEW_ROOT = "/tmp"  # where the view is assembled: our namespace's /tmp, covered by a fresh tmpfs


def _tmpfs(path: str, size: int, mode: int, flags: int = 0) -> None:
    L.mount("tmpfs", path, "tmpfs", L.MS_NOSUID | L.MS_NODEV | flags, f"size={size},mode={mode:o}")


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _hide(path: str) -> None:
    if not os.path.lexists(path):
        return  # already under an earlier cover
    if os.path.isdir(path) and not os.path.islink(path):
        _tmpfs(path, 1 << 20, 0o755, L.MS_NOEXEC | L.MS_RDONLY)
    else:
        L.mount("/dev/null", path, None, L.MS_BIND)


def _clone(path: str, attrs: int) -> int:
    """A detached, recursive copy of the mounts at ``path`` (an fd) with ``attrs`` set."""
    fd = L.open_tree(path, L.OPEN_TREE_CLONE | L.OPEN_TREE_CLOEXEC | L.AT_RECURSIVE)
    L.mount_setattr(fd, attrs)
    return fd


def _attach(fd: int, target: str, is_dir: bool) -> None:
    os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
    if is_dir:
        os.makedirs(target, 0o755, exist_ok=True)
    elif not os.path.lexists(target):
        open(target, "x").close()
    L.move_mount_fd(fd, target)
    os.close(fd)


def view_paths(allow) -> tuple[list, list]:
    """The host paths the kernel's view is made of: (trees bound read-only, symlinks copied).

    A path inside another one is bound with it; a symlinked runtime path
    (merged /usr: /lib -> usr/lib) becomes the same link in the view.
    """
    trees, links = set(), []
    for p in allow:
        if os.path.exists(p):
            trees.add(os.path.realpath(p))
    for p in _RUNTIME:
        if os.path.islink(p):
            links.append((p, os.readlink(p)))
        elif os.path.exists(p):
            trees.add(p)
    if "/" in trees:
        raise ValueError("the whole filesystem cannot be part of the kernel's view")
    trees = sorted(t for t in trees if not any(_inside(t, u) and t != u for u in trees))
    return trees, links


def _mounts(spec: dict, applied: dict, files_fd, uid, gid) -> str:
    """Build the kernel's filesystem and make it our root; returns the work dir in it."""
    # Our mounts must not propagate back to the host namespace.
    L.mount(None, "/", None, L.MS_REC | L.MS_PRIVATE)
    os.umask(0o022)
    trees, links = view_paths(spec.get("allow", []))
    ro = L.MOUNT_ATTR_RDONLY | L.MOUNT_ATTR_NOSUID | L.MOUNT_ATTR_NODEV
    # Clones are taken before anything is covered (the allowed trees may lie under /tmp).
    binds = [(p, _clone(p, ro), os.path.isdir(p)) for p in trees]
    devices = [(f"/dev/{d}", _clone(f"/dev/{d}", L.MOUNT_ATTR_NOSUID)) for d in _DEVICES
               if os.path.exists(f"/dev/{d}")]
    new = _NEW_ROOT
    _tmpfs(new, 8 << 20, 0o755)  # root-owned 0755 parents: a 0700 course checkout is no obstacle
    os.makedirs(new + "/dev", 0o755)
    for p, fd in devices:
        _attach(fd, new + p, False)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/dev/{name}")
    tmp_bytes = spec["limits"]["tmp_bytes"]
    for p, size in (("/tmp", tmp_bytes), ("/dev/shm", min(tmp_bytes, 64 << 20))):
        os.makedirs(new + p, 0o755, exist_ok=True)
        _tmpfs(new + p, size, 0o1777)
    # After the fresh /tmp: an allowed tree under /tmp (a venv there) must stay visible.
    for p, fd, is_dir in binds:
        _attach(fd, new + p, is_dir)
    for p, target in links:
        os.makedirs(os.path.dirname(new + p), 0o755, exist_ok=True)
        os.symlink(target, new + p)
    os.makedirs(new + "/proc", 0o555)
    if applied["pid_ns"]:
        # A /proc of our own PID namespace: the host's processes are invisible.
        L.mount("proc", new + "/proc", "proc", L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC)
    # Covers inside the allowed trees (the grader's own package, packages a capstone hides).
    for h in sorted({os.path.realpath(p) for p in spec.get("hide", [])}, key=lambda p: (p.count("/"), p)):
        if any(_inside(h, t) for t in trees):
            _hide(new + h)
    work = new + "/tmp/work"
    os.mkdir(work, 0o755)
    if files_fd is not None:
        _tree.copy_plain(files_fd, work, uid, gid)
    L.mount(None, new, None, L.MS_REMOUNT | L.MS_BIND | L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV)
    # pivot_root(".", ".") stacks the old root on the new one; detaching it
    # leaves no path, mount or cwd of ours that leads back to the host.
    os.chdir(new)
    L.pivot_root(".", ".")
    L.umount2(".", L.MNT_DETACH)
    os.chdir("/")
    return "/tmp/work"


# --------------------------------------------------------------------------- kernel
_MAIN_PID = None


def kernel_main(spec: dict, ipc_fd: int, applied: dict, work: str) -> None:
    global _MAIN_PID
    init_pid = os.getppid()
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):  # C-level output goes nowhere; Python-level output is captured
        os.dup2(devnull, fd)
    os.close(devnull)
    lim = spec["limits"]
    rl = resource
    for res, val in ((rl.RLIMIT_NPROC, lim["max_processes"]), (rl.RLIMIT_FSIZE, lim["max_file_bytes"]),
                     (rl.RLIMIT_NOFILE, lim["max_open_files"]), (rl.RLIMIT_CORE, 0)):
        rl.setrlimit(res, (val, val))
    rl.setrlimit(rl.RLIMIT_CPU, (lim["cpu_seconds"], lim["cpu_seconds"] + 2))
    if applied.get("user_switch"):
        os.setgroups([])
        os.setresgid(spec["gid"], spec["gid"], spec["gid"])
        os.setresuid(spec["uid"], spec["uid"], spec["uid"])
        if os.getuid() != spec["uid"] or os.geteuid() != spec["uid"]:
            os._exit(DEATH_NOTE_EXIT)
    applied["no_new_privs"] = False
    if spec["features"].get("no_new_privs"):
        L.prctl(L.PR_SET_NO_NEW_PRIVS, 1)
        applied["no_new_privs"] = True
    # setuid from root made us non-dumpable, which leaves /proc/self/* owned by
    # root; restore the normal state (no core dumps: RLIMIT_CORE is 0, and only
    # this sandbox's own processes share the uid).
    L.prctl(L.PR_SET_DUMPABLE, 1)
    # setuid cleared any earlier death signal; the kernel dies when init does.
    L.prctl(L.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != init_pid:
        os._exit(DEATH_NOTE_EXIT)
    rl.setrlimit(rl.RLIMIT_AS, (lim["memory_bytes"], lim["memory_bytes"]))
    applied["rlimits"] = True
    os.environ.clear()
    os.environ.update(spec["env"])
    os.chdir(work)
    _MAIN_PID = os.getpid()
    sock = socket.socket(fileno=ipc_fd)
    try:
        _Kernel(sock, spec, applied).serve()
    except BaseException as exc:
        import traceback

        if os.getpid() == _MAIN_PID:  # tell the grader why, for its error message
            try:
                send_frame(sock, {"t": "crash", "error": "".join(
                    traceback.format_exception(exc))[-2000:]})
            except BaseException:
                pass
        raise


class _Capture:
    """Per-cell outputs in nbformat v4 shape, capped at ``cap`` bytes.

    Every byte a cell can make the grader store counts: stream text (UTF-8),
    the data *and* metadata of display_data and execute_result, display
    updates (their new size replaces the old), and errors however they are
    raised (``_showtraceback``, ``showtraceback()`` in a loop).  Past the cap
    a cell keeps one truncation notice and at most one short error, so that
    a failing cell still fails.
    """

    def __init__(self, cap: int):
        self.cap = self.default_cap = cap
        self.lock = threading.Lock()
        self.outputs: list = []
        self.nbytes = 0
        self.truncated = False
        self.late_error = False
        self.clear_pending = False
        self.version = 0
        self.active = False
        self.index = -1

    def after_fork(self):
        self.lock = threading.Lock()

    def begin(self, index: int, cap: int | None = None):
        with self.lock:
            self.outputs, self.nbytes, self.truncated, self.late_error = [], 0, False, False
            self.cap = self.default_cap if cap is None else max(0, min(int(cap), self.default_cap))
            self.clear_pending = False
            self.index, self.active = index, True
            self.version += 1

    def end(self) -> list:
        with self.lock:
            self.active = False
            out, self.outputs = self.outputs, []
            return out

    def snapshot(self):
        with self.lock:
            return self.version, self.index, [dict(o) for o in self.outputs]

    def _maybe_clear(self):
        if self.clear_pending:
            self.outputs, self.nbytes, self.clear_pending = [], 0, False
            self.truncated = self.late_error = False

    def _room(self, n: int) -> int:
        return max(0, self.cap - self.nbytes) if n > self.cap - self.nbytes else n

    def _truncate(self):
        """Past the cap: one notice, then nothing more but (at most) one short error."""
        if not self.truncated:
            self.truncated = True
            self.outputs.append({"output_type": "stream", "name": "stdout", "text": self._notice()})

    def _notice(self) -> str:
        return OUTPUT_TRUNCATED.format(n=self.cap) if self.cap >= self.default_cap else NOTEBOOK_TRUNCATED

    def stream(self, name: str, text: str):
        if not text:
            return
        with self.lock:
            self._maybe_clear()
            if self.truncated:
                return
            data = text.encode("utf-8", "replace")
            room = self._room(len(data))
            if room < len(data):
                text = data[:room].decode("utf-8", "ignore") + self._notice()
                self.truncated = True
            self.nbytes += room
            last = self.outputs[-1] if self.outputs else None
            if last is not None and last["output_type"] == "stream" and last["name"] == name:
                last["text"] += text
            else:
                self.outputs.append({"output_type": "stream", "name": name, "text": text})
            self.version += 1

    def rich(self, output: dict, size: int, display_id=None, update=False):
        with self.lock:
            self._maybe_clear()
            if update:
                if self.truncated:
                    return
                targets = [o for o in self.outputs
                           if display_id is not None and o.get("_display_id") == display_id]
                grow = sum(size - o.get("_size", 0) for o in targets)
                if grow > self.cap - self.nbytes:
                    self._truncate()
                else:
                    for o in targets:
                        o["data"], o["metadata"], o["_size"] = output["data"], output["metadata"], size
                    self.nbytes += grow
                self.version += 1
                return
            if self.truncated:
                return
            if size > self.cap - self.nbytes:
                self._truncate()
            else:
                self.nbytes += size
                output["_size"] = size
                if display_id is not None:
                    output["_display_id"] = display_id
                self.outputs.append(output)
            self.version += 1

    def error(self, ename: str, evalue: str, traceback: list):
        ename, evalue = str(ename)[:200], str(evalue)[:20000]
        traceback = [str(t)[:20000] for t in traceback[-200:]]
        size = len(ename) + len(evalue) + sum(len(t) for t in traceback)
        with self.lock:
            self._maybe_clear()
            if size > self.cap - self.nbytes or self.truncated:
                self._truncate()
                if self.late_error:
                    return
                self.late_error = True
                evalue = evalue[:2000]
                traceback = [f"{ename}: {evalue}"]
            else:
                self.nbytes += size
            self.outputs.append({"output_type": "error", "ename": ename,
                                 "evalue": evalue, "traceback": traceback})
            self.version += 1

    def clear(self, wait: bool):
        with self.lock:
            if wait:
                self.clear_pending = True
            else:
                self.outputs, self.nbytes = [], 0
                self.truncated = self.late_error = False
                self.version += 1


_capture: _Capture | None = None


class _CaptureStream:
    """sys.stdout / sys.stderr: every write lands in the current cell's outputs."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name: str):
        self.name = name

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        _capture.stream(self.name, s)
        return len(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def readable(self):
        return False

    def writable(self):
        return True

    def seekable(self):
        return False

    def fileno(self):
        import io
        raise io.UnsupportedOperation("fileno")

    @property
    def closed(self):
        return False

    def close(self):
        pass


def _shell_classes():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class GradingDisplayHook(DisplayHook):
        """execute_result outputs, as ipykernel's ZMQShellDisplayHook sends them."""

        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            data, metadata = dict(format_dict), dict(md_dict or {})
            _capture.rich({"output_type": "execute_result",
                           "execution_count": self.prompt_count,
                           "data": data, "metadata": metadata}, _size(data) + _size(metadata))

        def finish_displayhook(self):
            pass

    class GradingDisplayPublisher(DisplayPublisher):
        """display_data outputs (IPython.display.display, widgets, figures)."""

        def publish(self, data, metadata=None, *args, transient=None, update=False, **kwargs):
            data, metadata = dict(data), dict(metadata or {})
            display_id = (transient or {}).get("display_id")
            _capture.rich({"output_type": "display_data", "data": data, "metadata": metadata},
                          _size(data) + _size(metadata), display_id=display_id, update=update)

        def clear_output(self, wait=False):
            _capture.clear(wait)

    class GradingShell(InteractiveShell):
        displayhook_class = GradingDisplayHook
        display_pub_class = GradingDisplayPublisher

        def _showtraceback(self, etype, evalue, stb):
            # ipykernel's error content: ename, evalue, traceback (list of str)
            if os.getpid() != _MAIN_PID:
                os._exit(1)  # a process the cell forked hit an error: it has no cell to report to
            try:
                ev = str(evalue)
            except Exception:
                ev = "<unprintable exception>"
            _capture.error(str(getattr(etype, "__name__", etype)), ev, list(stb))

        @contextlib.contextmanager
        def _tee(self, channel):
            # IPython 9 keeps every stream write of a cell in history_manager.outputs:
            # unbounded memory under a print flood.  Our capture already holds
            # the (capped) outputs.
            yield

        def enable_gui(self, gui=None):
            # Like ipykernel with the inline backend: there is no GUI event loop to start.
            pass

        def init_history(self):
            from IPython.core.history import HistoryManager
            self.history_manager = HistoryManager(shell=self, parent=self, hist_file=":memory:", enabled=False)
            self.configurables.append(self.history_manager)

    return GradingShell


def _size(data: dict) -> int:
    """Bytes ``data`` takes in the notebook: keys too, and any value JSON can hold."""
    n = 0
    for k, v in data.items():
        n += len(str(k)) + (len(v.encode("utf-8", "replace")) if isinstance(v, str)
                            else len(json.dumps(v, default=repr)))
    return n


class _LazyShellClass:
    cls = None

    def instance(self):
        if self.cls is None:
            self.cls = _shell_classes()
        return self.cls.instance()


_GradingShell = _LazyShellClass()


class _Channel:
    """``autograder.hidden._channel``: JSON requests to the grader, answered there."""

    def __init__(self, kernel: "_Kernel"):
        self._kernel = kernel
        self._lock = threading.Lock()

    def request(self, msg: dict) -> dict:
        if os.getpid() != _MAIN_PID:
            raise RuntimeError("the grader channel is only available in the kernel process")
        if not isinstance(msg, dict):
            raise TypeError("a request must be a dict")
        json.dumps(msg)  # fail here, in the cell, for values JSON cannot carry
        with self._lock:
            self._kernel.send({"t": "req", "msg": msg})
            reply = recv_frame(self._kernel.sock)
        if reply.get("t") != "rep" or not isinstance(reply.get("msg"), dict):
            raise RuntimeError("unexpected reply from the grader")
        return reply["msg"]


class _Kernel:
    def __init__(self, sock, spec, applied):
        global _capture
        self.sock = sock
        self.spec = spec
        self.applied = applied
        self.send_lock = threading.Lock()
        _capture = self.cap = _Capture(spec["limits"]["max_output_bytes"])
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self):
        # A process the notebook forked must never talk on our socket, nor
        # deadlock on a lock another thread held at fork time.
        self.cap.after_fork()
        self.send_lock = threading.Lock()

    def send(self, obj):
        if os.getpid() != _MAIN_PID:
            raise RuntimeError("not the kernel process")
        with self.send_lock:
            send_frame(self.sock, obj)

    def _setup_shell(self):
        import getpass

        from IPython.core.error import StdinNotImplementedError

        def no_input(*args, **kwargs):
            raise StdinNotImplementedError("input() is not available while grading")

        builtins.input = no_input
        getpass.getpass = no_input
        sys.stdin = open(os.devnull)
        sys.stdout = _CaptureStream("stdout")
        sys.stderr = _CaptureStream("stderr")
        shell = _GradingShell.instance()
        shell.execution_count = 1
        try:
            import autograder.hidden as hidden

            hidden._channel = _Channel(self)
        except Exception:
            pass
        return shell

    def _flusher(self):
        """Ships partial outputs, so a cell that times out or dies keeps what it printed."""
        sent = None
        while True:
            time.sleep(0.25)
            with self.send_lock:
                version, index, outs = self.cap.snapshot()
                if not self.cap.active or version == sent:
                    continue
                sent = version
                try:
                    send_frame(self.sock, {"t": "out", "i": index, "outputs": _public(outs)})
                except Exception:
                    return

    def serve(self):
        shell = self._setup_shell()
        self.send({"t": "ready", "features": self.applied, "uid": os.getuid(), "pid": os.getpid()})
        threading.Thread(target=self._flusher, daemon=True).start()
        while True:
            try:
                msg = recv_frame(self.sock)
            except EOFError:
                os._exit(0)
            if msg.get("t") != "run":
                continue
            index, replay = int(msg["i"]), bool(msg.get("replay"))
            cap = msg.get("cap")
            self.cap.begin(index, cap if isinstance(cap, int) else None)
            self.send({"t": "start", "i": index, "count": shell.execution_count})
            cpu0 = _cpu()
            try:
                result = shell.run_cell(str(msg["code"]), store_history=True, silent=False)
                ok, count = result.success, result.execution_count
            except BaseException as exc:  # IPython itself failed
                self.cap.error(type(exc).__name__, str(exc), [f"{type(exc).__name__}: {exc}"])
                ok, count = False, shell.execution_count
            if os.getpid() != _MAIN_PID:
                os._exit(0)  # a fork of the kernel made by the cell: not ours to report
            cpu = _cpu() - cpu0
            outs = getattr(shell.history_manager, "outputs", None)
            if hasattr(outs, "clear"):
                outs.clear()
            sys.stdout, sys.stderr = _CaptureStream("stdout"), _CaptureStream("stderr")
            with self.send_lock:
                outputs = self.cap.end()
                done = {"t": "done", "i": index, "count": count, "status": "ok" if ok else "error",
                        "cpu": cpu}
                try:
                    frame = pack({**done, "outputs": [] if replay else _public(outputs)})
                except Exception as exc:  # MemoryError, oversized outputs
                    outputs = None
                    ename = type(exc).__name__
                    frame = pack({**done, "status": "error", "outputs": [{
                        "output_type": "error", "ename": ename,
                        "evalue": f"the outputs of this cell could not be sent to the grader ({ename})",
                        "traceback": [ename]}]})
                self.sock.sendall(frame)


def _cpu() -> float:
    """CPU seconds of this process and the children it reaped: the cell's own cost, for the
    benchmark only (the kernel could forge it; nothing is graded by it)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _public(outputs: list) -> list:
    return [{k: v for k, v in o.items() if not k.startswith("_")} for o in outputs]
