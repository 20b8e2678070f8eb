"""All hidden checks of the course, by id (``"<function>.<property>"``).

Each assignment registers its checks in its own module; importing this
package registers them all.  See core.py for how a check is judged.
"""
from .core import REGISTRY, Call, Check, prepare  # noqa: F401
from . import a01, a02, a03, a04, a05, a06  # noqa: F401,E402  (registration)


def checks_of(function: str) -> list[str]:
    return sorted(cid for cid, c in REGISTRY.items() if c.function == function)
