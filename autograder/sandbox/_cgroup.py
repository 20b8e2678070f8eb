"""A memory cgroup per sandbox: the kernel and everything it forks share one limit.

``RLIMIT_AS`` bounds each process on its own; a notebook that forks four
children gets four times the limit.  A memory cgroup bounds them together,
and it also counts the pages of the sandbox's tmpfs (``/tmp``, ``/dev/shm``),
which are charged to the cgroup of the process that wrote them.

The grader creates one cgroup per kernel under its own cgroup, the
namespace init joins it before it forks the kernel (so nothing escapes
it), and the grader removes it once the namespace is gone.  Where the
unified hierarchy (cgroup v2) has the memory controller, ``memory.max`` and
``memory.swap.max`` are used; otherwise the v1 memory hierarchy's
``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes`` where swap
accounting exists).
"""
from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass

PREFIX = "autograder-"
_counter = itertools.count()


@dataclass(frozen=True)
class Hierarchy:
    version: int  # 1 or 2
    base: str  # the grader's own cgroup directory; sandboxes go below it
    files: tuple  # the limit files written, in order

    def describe(self) -> str:
        return f"cgroup v{self.version} {' + '.join(self.files)} per sandbox, under {self.base}"


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, fs type, super options) of every cgroup mount."""
    out = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fstype, _src, opts = (right.split() + ["", "", ""])[:3]
                if fstype in ("cgroup", "cgroup2"):
                    out.append((left.split()[4], fstype, opts))
    except OSError:
        pass
    return out


def _own_paths() -> dict:
    """controller (or "" for v2) -> our cgroup path, from /proc/self/cgroup."""
    paths = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _id, controllers, path = line.rstrip("\n").split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                paths[c] = path
    return paths


def _v2(own: dict) -> tuple[Hierarchy | None, str]:
    mount = next((m for m, t, _ in _mounts() if t == "cgroup2"), None)
    if mount is None:
        return None, "no cgroup2 mount"
    base = os.path.join(mount, own.get("", "/").lstrip("/"))
    if os.path.basename(base).startswith(f"{PREFIX}grader-"):
        base = os.path.dirname(base)  # the leaf we moved ourselves into, below
    try:
        with open(os.path.join(base, "cgroup.controllers")) as f:
            if "memory" not in f.read().split():
                return None, f"cgroup2 at {mount} has no memory controller"
        control = os.path.join(base, "cgroup.subtree_control")
        with open(control) as f:
            enabled = "memory" in f.read().split()
        if not enabled:
            try:
                with open(control, "w") as f:
                    f.write("+memory")
            except OSError:
                # v2 lets a cgroup with processes of its own have no controlled children:
                # in a delegated cgroup (systemd-run --scope -p Delegate=yes) the grader
                # moves itself into a leaf first.  Not exercised on the v1 test machine.
                leaf = os.path.join(base, f"{PREFIX}grader-{os.getpid()}")
                os.makedirs(leaf, exist_ok=True)
                with open(os.path.join(leaf, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
                with open(control, "w") as f:
                    f.write("+memory")
    except OSError as exc:
        return None, f"cgroup2 memory controller not usable under {base}: {exc.strerror or exc}"
    # memory.swap.max appears in a child once it exists; create() sets it there
    return Hierarchy(2, base, ("memory.max", "memory.swap.max")), ""


def _v1(own: dict) -> tuple[Hierarchy | None, str]:
    mount = next((m for m, t, o in _mounts() if t == "cgroup" and "memory" in o.split(",")), None)
    if mount is None:
        return None, "no cgroup v1 memory hierarchy"
    base = os.path.join(mount, own.get("memory", "/").lstrip("/"))
    files = ["memory.limit_in_bytes"]
    if os.path.exists(os.path.join(base, "memory.memsw.limit_in_bytes")):
        files.append("memory.memsw.limit_in_bytes")
    return Hierarchy(1, base, tuple(files)), ""


def find() -> tuple[Hierarchy | None, str]:
    """The hierarchy to use on this machine, or None and why none can be used."""
    try:
        own = _own_paths()
    except OSError as exc:
        return None, f"cannot read /proc/self/cgroup: {exc}"
    h, why2 = _v2(own)
    if h is not None:
        return h, ""
    h, why1 = _v1(own)
    if h is not None:
        return h, ""
    return None, f"{why2}; {why1}"


def probe() -> tuple[Hierarchy | None, str]:
    """``find`` plus a real trial: create a cgroup, set a limit, read it back, remove it."""
    h, why = find()
    if h is None:
        return None, why
    try:
        path = create(h, 64 << 20)
        try:
            with open(os.path.join(path, h.files[0])) as f:
                got = int(f.read().strip())
            if got > 64 << 20:
                raise OSError(f"{h.files[0]} reads back {got}")
        finally:
            remove(path)
    except OSError as exc:
        return None, f"{h.describe()}: {exc}"
    return h, ""


def create(h: Hierarchy, limit: int) -> str:
    """A fresh cgroup with the memory limit set; returns its directory."""
    path = os.path.join(h.base, f"{PREFIX}{os.getpid()}-{next(_counter)}")
    os.mkdir(path, 0o755)
    try:
        for name in h.files:  # v1: the memory limit must be set before memsw, which must be >= it
            if name == "memory.swap.max":
                if not os.path.exists(os.path.join(path, name)):
                    continue  # no swap accounting on this machine
                value = "0"  # no swapping either: the limit is the kernel's real footprint
            else:
                value = str(int(limit))
            with open(os.path.join(path, name), "w") as f:
                f.write(value)
    except OSError:
        remove(path)
        raise
    return path


def join(path: str) -> None:
    """Move the calling process (and its future children) into ``path``."""
    with open(os.path.join(path, "cgroup.procs"), "w") as f:
        f.write("0")


def oom_kills(path: str) -> int:
    """How many processes the memory limit killed in ``path`` (0 where unknown)."""
    for name, key in (("memory.events", "oom_kill"), ("memory.oom_control", "oom_kill")):
        try:
            with open(os.path.join(path, name)) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == key:
                        return int(v)
        except (OSError, ValueError):
            continue
    return 0


def remove(path: str, wait: float = 5.0) -> bool:
    """Remove a sandbox cgroup once its processes are gone (they are dying: retry briefly)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def remove_stale(h: Hierarchy) -> None:
    """Remove empty sandbox cgroups left by graders that were killed."""
    try:
        names = os.listdir(h.base)
    except OSError:
        return
    for name in names:
        if not name.startswith(PREFIX):
            continue
        try:
            pid = int(name[len(PREFIX):].split("-")[0])
        except ValueError:
            continue
        if pid != os.getpid() and not os.path.exists(f"/proc/{pid}"):
            remove(os.path.join(h.base, name), wait=0)
