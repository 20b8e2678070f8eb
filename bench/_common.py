"""Pieces shared by the benchmarks: plain-text tables."""
from __future__ import annotations


def _numeric(text: str) -> bool:
    try:
        float(text.rstrip("xs%").strip())
        return True
    except ValueError:
        return False


def table(rows: list[tuple], headers: tuple) -> str:
    """A text table; numeric columns right-aligned."""
    cells = [tuple(str(c) for c in r) for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) if i and _numeric(c) else c.ljust(w)
                      for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    return "\n".join(out)
