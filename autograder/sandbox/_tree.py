"""Copy a submission folder keeping only regular files and directories.

The grader runs as root, so whatever it follows it can read: a symbolic link
in a student's folder (``shadow.txt -> /etc/shadow``, a relative link to
another student's notebook, one cloned from the student's git repository)
would hand the target to the kernel, and nbgrader's own copy follows links.
Nothing here ever follows one: every entry is looked at with ``lstat``
relative to an already opened directory, opened with ``O_NOFOLLOW`` and
checked again with ``fstat`` on the open file, so an entry swapped for a link
between the look and the open is refused too.  Fifos, sockets and devices are
refused without being opened (opening a fifo blocks, opening a device can act
on it), and so are hard links to a file that has other names: they could be
names of a file outside the folder.
"""
from __future__ import annotations

import os
import stat

_KINDS = {stat.S_IFLNK: "symbolic link", stat.S_IFIFO: "fifo", stat.S_IFSOCK: "socket",
          stat.S_IFCHR: "character device", stat.S_IFBLK: "block device"}
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_CHUNK = 1 << 20


def kind(st: os.stat_result) -> str:
    """What an lstat result is, in words ("regular file", "symbolic link", ...)."""
    if stat.S_ISREG(st.st_mode):
        return "regular file"
    if stat.S_ISDIR(st.st_mode):
        return "directory"
    return _KINDS.get(stat.S_IFMT(st.st_mode), "special file")


def refusal(st: os.stat_result) -> str | None:
    """Why an entry is not copied, or None when it is a plain file or directory."""
    if stat.S_ISDIR(st.st_mode):
        return None
    if stat.S_ISREG(st.st_mode):
        return "hard link (the file has other names)" if st.st_nlink > 1 else None
    return kind(st)


def open_dir(path: str) -> int:
    """An fd of the directory ``path`` itself (refusing a link there)."""
    return os.open(path, _DIR_FLAGS)


def copy_plain(src: str | int, dest: str, uid: int | None = None, gid: int | None = None,
               max_bytes: int | None = None) -> list:
    """Copy ``src`` (a path or a directory fd) into the existing directory ``dest``.

    Returns the refused entries as ``(relative path, why)``, sorted.  Copies
    are made with mode 0644/0755 (no setuid, no sticky bits) and, given
    ``uid``/``gid``, owned by them.  Files larger than ``max_bytes`` are
    refused unread (a 100 GiB sparse file must not fill the disk).
    """
    refused: list = []
    fd = open_dir(src) if isinstance(src, str) else os.dup(src)
    try:
        _copy_dir(fd, dest, "", refused, uid, gid, max_bytes)
    finally:
        os.close(fd)
    return sorted(refused)


def _copy_dir(dfd: int, dest: str, rel: str, refused: list, uid, gid, max_bytes=None) -> None:
    for name in sorted(os.listdir(dfd)):
        path = f"{rel}{name}"
        try:
            st = os.lstat(name, dir_fd=dfd)
        except FileNotFoundError:
            continue
        why = refusal(st)
        if not why and max_bytes is not None and stat.S_ISREG(st.st_mode) and st.st_size > max_bytes:
            why = f"file larger than {max_bytes // 1000 ** 2} MB"
        if why:
            refused.append((path, why))
            continue
        target = os.path.join(dest, name)
        if stat.S_ISDIR(st.st_mode):
            try:
                sub = os.open(name, _DIR_FLAGS, dir_fd=dfd)
            except OSError:
                refused.append((path, "directory that changed while it was copied"))
                continue
            try:
                os.mkdir(target, 0o755)
                _own(target, uid, gid)
                _copy_dir(sub, target, path + "/", refused, uid, gid, max_bytes)
            finally:
                os.close(sub)
            continue
        try:
            fin = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dfd)
        except OSError as exc:
            refused.append((path, f"file that could not be opened ({exc.strerror})"))
            continue
        try:
            now = os.fstat(fin)
            if (now.st_ino, now.st_dev) != (st.st_ino, st.st_dev) or refusal(now):
                refused.append((path, refusal(now) or "file that changed while it was copied"))
                continue
            fout = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            try:
                while True:
                    chunk = os.read(fin, _CHUNK)
                    if not chunk:
                        break
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fout, view):]
            finally:
                os.close(fout)
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
            _own(target, uid, gid)
        finally:
            os.close(fin)


def _own(path: str, uid, gid) -> None:
    if uid is not None:
        os.chown(path, uid, gid, follow_symlinks=False)


def describe(refused: list, shown: int = 10) -> str:
    """One line for the instructor: what was left out and why (the first ``shown`` entries)."""
    # names are the student's bytes: shown with undecodable bytes replaced, never raising
    listed = ", ".join(f"{os.fsencode(path).decode('utf-8', 'replace')} ({why})" for path, why in refused[:shown])
    more = f" and {len(refused) - shown} more" if len(refused) > shown else ""
    return f"not copied (only regular files and folders are graded): {listed}{more}"
