"""Trusted mode: which code runs in which kernel, and what each kernel may ask.

A notebook is graded in two kinds of kernels, both forked from the same clean
zygote (autograder.sandbox):

* **The notebook kernel** runs the sanitized notebook with the hidden part of
  every test cell removed (``notebook_without_hidden_tests``): nothing hidden
  ever enters it, so nothing the notebook does (an event hook, a loop over
  the checks) can print, learn or patch a hidden test.  Its channel answers
  no request (``refuse``).  Only whether each test cell's visible part raised
  is taken from it.
* **The check kernel** runs a notebook the grader writes
  (``check_notebook``): the instructor's import statements (from the source
  notebook, never the student's copy), then one harness cell that runs
  ``autograder.hidden.run_checks`` on the submission's solution cells (one
  per solution grade_id of the source).  The notebook's other cells, where a
  student could prepare the process (wrap the measurement, replace numpy's
  error state, loop over the checks), never run there, and neither do the
  submission's other files.

``CheckSession`` is the check kernel's grader side: it answers one ``plan``
request, only from the harness cell, with the calls of exactly the check ids
found in the restored test cells' hidden parts and a fresh token; it then
accepts one ``results`` message per planned id carrying that token, judges
it here and replies with an acknowledgement only.  A verdict is never
replaced and never sent into a kernel; the messages reach the student in the
feedback, after grading.
"""
from __future__ import annotations

import ast
import copy
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .feedback import strip_regions

CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w.]+)["']""")
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
REFUSED = {"message": "the grader answers no request from this notebook's own cells"}


def is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def hidden_part(source: str) -> str:
    out, inside = [], False
    for line in source.split("\n"):
        if not inside and HIDDEN_BEGIN in line:
            inside = True
        elif inside and HIDDEN_END in line:
            inside = False
        elif inside:
            out.append(line)
    return "\n".join(out)


def check_ids(source: str) -> list[str]:
    """The hidden check ids of a (restored) test cell, in order, once each."""
    return list(dict.fromkeys(CHECK_CALL.findall(hidden_part(source))))


def refuse(message, cell_index) -> dict:
    return dict(REFUSED)


# --- what the source notebook says ---------------------------------------------------------------
@dataclass
class SourceInfo:
    solution_ids: list[str] = field(default_factory=list)
    imports: str = "import numpy as np"


_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()


def _cached(kind: str, path: Path, build):
    """``build(path)``, computed once per file version (path and mtime); None if it is missing."""
    path = Path(path)
    try:
        key = (kind, str(path), path.stat().st_mtime_ns)
    except OSError:
        return None
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    value = build(path)
    with _CACHE_LOCK:
        _CACHE[key] = value
    return value


def source_notebook(path: Path):
    """The instructor's notebook, parsed once per run and assignment (callers only read it)."""
    return _cached("notebook", path, lambda p: nbformat.read(str(p), as_version=4))


def instructor_view(path: Path) -> tuple[set, dict]:
    """autograder.lookout's view of the instructor's cells of a source notebook, once per file version."""
    from . import lookout

    return _cached("lookout", path, lambda p: lookout.instructor_view(source_notebook(p))) or (set(), {})


def source_info(path: Path) -> SourceInfo:
    """The solution grade_ids (code cells) and the import statements of the instructor's notebook."""
    return _cached("info", path, lambda p: _source_info(source_notebook(p))) or SourceInfo()


def _source_info(nb) -> SourceInfo:
    info = SourceInfo(imports="")
    lines = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution") and not meta.get("grade"):
            info.solution_ids.append(meta["grade_id"])
        elif not meta.get("grade") and not meta.get("solution"):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            lines += [ast.get_source_segment(cell.source, node) for node in tree.body
                      if isinstance(node, (ast.Import, ast.ImportFrom))]
    info.imports = "\n".join(dict.fromkeys(lines)) or "import numpy as np"
    return info


# --- the two notebooks ---------------------------------------------------------------------------
def notebook_without_hidden_tests(nb):
    """The notebook kernel's copy: test cells keep their visible part only."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.source = strip_regions(cell.source)
    return nb


def solution_sources(nb, solution_ids: list[str]) -> list[list[str]]:
    """[grade_id, source] of the first code cell of each solution grade_id, in notebook order."""
    wanted, found = set(solution_ids), {}
    order = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if cell.cell_type == "code" and meta.get("solution") and gid in wanted and gid not in found:
            found[gid] = cell.source
            order.append(gid)
    return [[gid, found[gid]] for gid in order]


def check_notebook(nb, info: SourceInfo, without: frozenset = frozenset()):
    """The check kernel's notebook: the instructor's imports, then the harness cell
    (``without``: solution grade_ids left out, because they hung or ended the kernel)."""
    solutions = [s for s in solution_sources(nb, info.solution_ids) if s[0] not in without]
    harness = ("import autograder.hidden\n"
               f"autograder.hidden.run_checks(__import__('json').loads({json.dumps(solutions)!r}))")
    out = nbformat.v4.new_notebook()
    out.cells = [nbformat.v4.new_code_cell(info.imports), nbformat.v4.new_code_cell(harness)]
    return out


HARNESS_INDEX = 1


# --- the check kernel's grader side --------------------------------------------------------------
class CheckSession:
    """One check kernel: one plan, then one judged result per planned check id."""

    def __init__(self, ids: list[str]):
        from . import cases

        self.ids = list(ids)
        self.functions: dict[str, str] = {}
        self.judges: dict = {}
        self.verdicts: dict[str, dict] = {}
        self.token = secrets.token_hex(16)
        self.planned = False
        self.ready = False  # every solution cell has run
        self.executing: int | None = None  # the solution cell running now (its number)
        for cid in self.ids:
            check = cases.REGISTRY.get(cid)
            if check is None:
                self.verdicts[cid] = {"ok": False, "message": f"unknown hidden check {cid!r}"}
            else:
                self.functions[cid] = check.function

    def handle(self, message: dict, cell_index: int) -> dict:
        from . import cases

        if cell_index != HARNESS_INDEX or not isinstance(message, dict):
            return dict(REFUSED)
        op = message.get("op")
        if op == "plan" and not self.planned:
            self.planned = True
            plan = []
            for cid in self.ids:
                if cid in self.verdicts:
                    continue
                calls, judge = cases.prepare(cid)
                self.judges[cid] = judge
                plan.append({"id": cid, "function": self.functions[cid], "calls": calls})
            return {"token": self.token, "checks": plan}
        if op == "solution" and self.planned and not self.ready and message.get("token") == self.token:
            number = message.get("number")
            self.executing = number if isinstance(number, int) and not isinstance(number, bool) else None
            return {"received": "solution"}
        if op == "ready" and self.planned and message.get("token") == self.token:
            self.ready, self.executing = True, None
            return {"received": "ready"}
        if op == "results" and self.ready and message.get("token") == self.token:
            cid = str(message.get("id", ""))
            judge = self.judges.get(cid)
            if judge is not None and cid not in self.verdicts:
                outcomes = message.get("outcomes")
                if isinstance(outcomes, dict) and outcomes.get("missing"):
                    name = self.functions[cid]
                    verdict = {"ok": False, "message": (
                        f"{name}: no function {name} is defined by its solution cell; the hidden checks "
                        f"run the code of the cell that starts with def {name}(...)")}
                else:
                    verdict = judge(outcomes)
                self.verdicts[cid] = {"ok": bool(verdict.get("ok")), "message": str(verdict.get("message", ""))}
                return {"received": cid}
        return dict(REFUSED)

    def unjudged(self) -> list[str]:
        return [cid for cid in self.ids if cid not in self.verdicts]
