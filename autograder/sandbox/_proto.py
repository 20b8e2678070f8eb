"""Length-prefixed JSON frames between the grader and a sandboxed kernel.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8
JSON whose top level is an object.  The reader enforces a size cap *before*
allocating and a deadline on every read, so a kernel that sends garbage,
sends a huge length or stops mid-frame cannot make the grader allocate
without bound or block: all of these surface as ``ProtocolError`` /
``EOFError`` / ``TimeoutError`` and are treated as a dead kernel.
"""
from __future__ import annotations

import json
import socket
import struct
import time

HEADER = struct.Struct("!I")
MAX_FRAME = 64 << 20


class ProtocolError(Exception):
    """A malformed or oversized frame."""


def pack(obj: dict, limit: int = MAX_FRAME) -> bytes:
    data = json.dumps(obj, separators=(",", ":"), default=repr).encode("utf-8")
    if len(data) > limit:
        raise ProtocolError(f"message of {len(data)} bytes exceeds the {limit} byte limit")
    return HEADER.pack(len(data)) + data


def send_frame(sock: socket.socket, obj: dict, deadline: float | None = None) -> None:
    data = pack(obj)
    if deadline is None:
        sock.settimeout(None)
        sock.sendall(data)
        return
    view = memoryview(data)
    while view:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("send timed out")
        sock.settimeout(remaining)
        n = sock.send(view)
        view = view[n:]


def _recv_exact(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        if deadline is None:
            sock.settimeout(None)
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("receive timed out")
            sock.settimeout(remaining)
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError("connection closed")
        got += k
    return bytes(buf)


def recv_frame(sock: socket.socket, deadline: float | None = None, limit: int = MAX_FRAME) -> dict:
    (length,) = HEADER.unpack(_recv_exact(sock, HEADER.size, deadline))
    if length > limit:
        raise ProtocolError(f"frame of {length} bytes exceeds the {limit} byte limit")
    payload = _recv_exact(sock, length, deadline)
    try:
        obj = json.loads(payload.decode("utf-8"))
    except Exception as exc:  # bad UTF-8, bad JSON, absurd nesting
        raise ProtocolError(f"malformed frame: {type(exc).__name__}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("a frame must be a JSON object")
    return obj
