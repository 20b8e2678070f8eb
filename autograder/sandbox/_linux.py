"""Thin ctypes wrappers around the Linux calls Python 3.11 does not expose.

``unshare``/``setns``/``mount``/``prctl`` come from libc; the new mount API
(``open_tree``, ``move_mount``, ``mount_setattr``, Linux >= 5.12) is reached
through ``syscall(2)``.  Every wrapper raises ``OSError`` with the errno on
failure, so callers never mistake a failed security step for a success.
"""
from __future__ import annotations

import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long

# clone/unshare flags
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

# mount(2) flags
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

# new mount API (x86_64 and the generic table share these numbers)
SYS_open_tree = 428
SYS_move_mount = 429
SYS_mount_setattr = 442
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
OPEN_TREE_CLONE = 1
OPEN_TREE_CLOEXEC = os.O_CLOEXEC
MOVE_MOUNT_F_EMPTY_PATH = 0x4
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4

# prctl
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38


def _check(res: int, what: str) -> int:
    if res < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return res


def _b(path):
    return None if path is None else os.fsencode(path)


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def setns(fd: int, nstype: int) -> None:
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


def mount(source, target, fstype, flags: int = 0, data: str | None = None) -> None:
    _check(
        _libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)),
        f"mount {target}",
    )


def prctl(option: int, arg: int) -> None:
    _check(
        _libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0),
                    ctypes.c_ulong(0), ctypes.c_ulong(0)),
        "prctl",
    )


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def open_tree(path: str, flags: int) -> int:
    """A detached copy of the mount tree at ``path`` (an fd), OPEN_TREE_CLONE."""
    return _check(
        _libc.syscall(ctypes.c_long(SYS_open_tree), ctypes.c_int(AT_FDCWD), _b(path),
                      ctypes.c_uint(flags)),
        f"open_tree {path}",
    )


def move_mount_fd(fd: int, target: str) -> None:
    """Attach the detached tree ``fd`` at ``target``."""
    _check(
        _libc.syscall(ctypes.c_long(SYS_move_mount), ctypes.c_int(fd), b"",
                      ctypes.c_int(AT_FDCWD), _b(target),
                      ctypes.c_uint(MOVE_MOUNT_F_EMPTY_PATH)),
        f"move_mount {target}",
    )


def mount_setattr(path_or_fd, attr_set: int, recursive: bool = True) -> None:
    attr = _MountAttr(attr_set, 0, 0, 0)
    flags = AT_RECURSIVE if recursive else 0
    if isinstance(path_or_fd, int):
        dfd, path, flags = path_or_fd, b"", flags | AT_EMPTY_PATH
    else:
        dfd, path = AT_FDCWD, _b(path_or_fd)
    _check(
        _libc.syscall(ctypes.c_long(SYS_mount_setattr), ctypes.c_int(dfd), path,
                      ctypes.c_uint(flags), ctypes.byref(attr),
                      ctypes.c_size_t(ctypes.sizeof(attr))),
        "mount_setattr",
    )


# pivot_root(2) has no libc wrapper; x86_64 and the generic table (aarch64) differ.
SYS_pivot_root = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine)
MNT_DETACH = 2


def pivot_root(new_root: str, put_old: str) -> None:
    if SYS_pivot_root is None:
        raise OSError(38, f"pivot_root: unknown syscall number on {os.uname().machine}")
    _check(_libc.syscall(ctypes.c_long(SYS_pivot_root), _b(new_root), _b(put_old)), "pivot_root")


def umount2(target: str, flags: int = 0) -> None:
    _check(_libc.umount2(_b(target), ctypes.c_int(flags)), f"umount {target}")
