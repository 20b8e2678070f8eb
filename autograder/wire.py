"""Values that cross the boundary between a student's kernel and the grader.

Everything is plain JSON.  Arrays travel as base64 of their raw bytes with a
dtype string and a shape; only numeric dtypes are accepted on the way back, so
nothing a student's kernel sends can become an object on the grader's side
(no pickle, no ``__eq__`` that always says True, no subclass of ndarray).

Callables cannot cross as data.  Where a graded function takes a function
(``numerical_gradient``, ``gradient_descent``), the grader sends a
``FunctionSpec`` naming one of the small test functions in
``autograder.hidden.TEST_FUNCTIONS`` and its parameters; both sides build the
same function from it.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Kinds accepted from a kernel: bool, signed/unsigned int, float, complex.
NUMERIC_KINDS = frozenset("biufc")
MAX_ELEMENTS = 10_000_000


class WireError(ValueError):
    """A message from a kernel that is not a well-formed encoded value."""


@dataclass(frozen=True)
class FunctionSpec:
    """A test function known to both sides by name (see hidden.TEST_FUNCTIONS)."""

    name: str
    params: dict = field(default_factory=dict)


def _encode_array(a: np.ndarray, type_name: str | None = None) -> dict:
    a = np.array(a, order="C", copy=True)  # (ascontiguousarray would make 0-d arrays 1-d)
    out = {
        "__nd__": base64.b64encode(a.tobytes()).decode("ascii"),
        "dtype": a.dtype.str,
        "shape": list(a.shape),
    }
    if type_name is not None:
        out["type"] = type_name
    return out


def encode(value: Any) -> Any:
    """Encode grader-side inputs (arrays, numbers, strings, lists, specs)."""
    if isinstance(value, FunctionSpec):
        return {"__fn__": value.name, "params": encode(value.params)}
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    if isinstance(value, np.generic):
        return _encode_array(np.asarray(value))
    if isinstance(value, (list, tuple)):
        return {"__seq__": [encode(v) for v in value], "tuple": isinstance(value, tuple)}
    if isinstance(value, dict):
        return {"__map__": {str(k): encode(v) for k, v in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


def _decode_array(obj: dict) -> np.ndarray:
    try:
        dtype = np.dtype(obj["dtype"])
        shape = tuple(int(s) for s in obj["shape"])
        raw = base64.b64decode(obj["__nd__"], validate=True)
    except Exception as exc:  # malformed message
        raise WireError(f"malformed array: {exc}") from None
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject or dtype.fields is not None:
        raise WireError(f"non-numeric dtype {dtype}")
    if any(s < 0 for s in shape):
        raise WireError("negative dimension")
    size = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if size > MAX_ELEMENTS or size * dtype.itemsize != len(raw):
        raise WireError("array size does not match its shape")
    # frombuffer gives a read-only view of bytes we own; copy to a plain array.
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(obj: Any, build_function=None) -> Any:
    """Decode a value.  ``build_function(spec)`` turns a FunctionSpec into a callable."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, list):
        raise WireError("bare list in message")
    if not isinstance(obj, dict):
        raise WireError(f"unexpected {type(obj).__name__} in message")
    if "__nd__" in obj:
        return _decode_array(obj)
    if "__seq__" in obj:
        items = [decode(v, build_function) for v in obj["__seq__"]]
        return tuple(items) if obj.get("tuple") else items
    if "__map__" in obj:
        return {str(k): decode(v, build_function) for k, v in obj["__map__"].items()}
    if "__fn__" in obj:
        spec = FunctionSpec(str(obj["__fn__"]), decode(obj.get("params", {"__map__": {}})))
        return build_function(spec) if build_function else spec
    raise WireError("unknown value in message")


def encode_result(value: Any) -> Any:
    """Encode whatever a student's function returned (kernel side).

    Numbers and array-likes become arrays (their Python type name is kept, so
    the judge can say "returned a list"); anything else becomes an Opaque.
    """
    type_name = type(value).__name__
    if value is None:
        return {"__opaque__": "NoneType", "repr": "None"}
    if isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) and v.ndim > 0 for v in value):
        if isinstance(value, tuple) and 0 < len(value) <= 8:
            # A pair of arrays (split_indices' train and test indices): each part on its own.
            return {"__parts__": [encode_result(v) for v in value], "type": type_name}
        return {"__opaque__": type_name, "repr": _short_repr(value)}
    try:
        arr = np.array(value, copy=True)
    except Exception:
        return {"__opaque__": type_name, "repr": _short_repr(value)}
    if type(arr) is not np.ndarray or arr.dtype.kind not in NUMERIC_KINDS:
        return {"__opaque__": type_name, "repr": _short_repr(value)}
    return _encode_array(arr, type_name)


@dataclass(frozen=True)
class Returned:
    """What a student's function returned, as the grader sees it.

    ``array`` is a plain numeric ndarray (None when the value was not numeric);
    ``type_name`` is the Python type the kernel reported; ``text`` is a short
    repr for values that could not be turned into numbers.
    """

    array: np.ndarray | None
    type_name: str
    text: str = ""
    parts: tuple = ()  # a returned tuple holding arrays: one Returned per entry


def decode_result(obj: Any) -> Returned:
    """Decode a kernel's result (grader side)."""
    if isinstance(obj, dict) and "__opaque__" in obj:
        return Returned(None, str(obj["__opaque__"])[:100], str(obj.get("repr", ""))[:300])
    if isinstance(obj, dict) and "__nd__" in obj:
        return Returned(_decode_array(obj), str(obj.get("type", "ndarray"))[:100])
    if isinstance(obj, dict) and "__parts__" in obj and isinstance(obj["__parts__"], list) \
            and len(obj["__parts__"]) <= 8 and all(not (isinstance(v, dict) and "__parts__" in v)
                                                   for v in obj["__parts__"]):
        parts = tuple(decode_result(v) for v in obj["__parts__"])
        return Returned(None, str(obj.get("type", "tuple"))[:100], "(a tuple of arrays)", parts)
    raise WireError("a result must be an encoded array or an opaque value")


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:
        text = f"<repr failed: {type(exc).__name__}>"
    return text if len(text) <= 300 else text[:297] + "..."
