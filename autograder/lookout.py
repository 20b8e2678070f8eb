""""Needs a look": code in a submission that reaches into the grading machinery.

The grader does not trust what a notebook does, so tampering costs points
without this module.  But a person should see it: a notebook that imports
``autograder``, rewires ``course.checks``, hooks IPython's events, weakens
numpy's floating-point error state or walks frames is either confused or
trying something, and one way of switching off a measurement (a solution
that calls ``np.seterr(over="ignore")`` itself, inside the graded function)
cannot be told apart from honest code by its values.

``scan_notebook`` reads the submission's code cells statically (Python's
``ast``; nothing is run), skipping the test cells (restored from the
gradebook) and cells whose source is exactly one of the instructor's.  Each
finding is one line naming the cell, the line and what it reaches.  The
grader writes them into the autograded notebook as a markdown note at the
top (what formgrader shows; ``NOTE_ID``), ``grades.csv`` has them in the
column ``<assignment>:needs_a_look``, and the class report lists them.
"""
from __future__ import annotations

import ast
from pathlib import Path

NOTE_ID = "autograder-needs-a-look"
NOTE_TITLE = "Grader note: needs a look"

MODULES = {
    "autograder": "the grader's own package",
    "gc": "the garbage collector (it reaches every object of the process)",
    "ctypes": "raw memory access",
    "inspect": "frames and source of running code",
    "importlib": "the import machinery",
    "builtins": "Python's builtins",
    "socket": "sockets (the grader's channel is one)",
    "traceback": "frames of running code",
}
ATTRIBUTES = {
    "seterrcall": "numpy's floating-point error callback",
    "_errstate": "the grader's errstate", "_run_one": "the grader's measurement",
    "_channel": "the grader's channel", "run_calls": "the grader's measurement",
    "run_checks": "the grader's check harness", "events": "IPython's event hooks",
    "modules": "sys.modules", "_getframe": "frames of running code",
    "settrace": "a tracer of running code", "setprofile": "a profiler of running code",
    "addaudithook": "an audit hook",
    "f_back": "frames", "f_locals": "frames", "f_globals": "frames", "f_builtins": "frames",
    "tb_frame": "frames", "gi_frame": "frames", "cr_frame": "frames", "ag_frame": "frames",
    "__globals__": "a function's globals", "__closure__": "a function's closure",
    "__code__": "a function's code", "__builtins__": "Python's builtins",
    "__subclasses__": "every subclass in the process", "__dict__": "an object's namespace",
}
NAMES = {
    "get_ipython": "the IPython shell (its event hooks, its namespace)",
    "__import__": "the import machinery", "exec": "code run from a string", "eval": "code run from a string",
    "compile": "code compiled from a string", "globals": "the notebook's namespace",
    "locals": "a namespace", "vars": "a namespace", "breakpoint": "the debugger",
    "setattr": "attributes set by name", "delattr": "attributes deleted by name",
    "__builtins__": "Python's builtins",
}
ERRSTATE = ("seterr", "errstate")
MEASURED = ("over", "all")  # overflow is what a naive exp formula trips (invalid alone is honest 0 log 0)


def is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def _bindings(tree) -> dict[str, str]:
    """name -> what an import statement binds it to ("numpy", "course.checks.expect_close")."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    out[root] = root
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                out[alias.asname or alias.name] = f"{'.' * node.level}{node.module or ''}.{alias.name}"
    return out


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _weakens_errstate(call: ast.Call) -> bool:
    """np.errstate(...) / np.seterr(...) that stops over/invalid from raising (or cannot be read)."""
    if call.args or any(k.arg is None for k in call.keywords):
        return True
    for k in call.keywords:
        if k.arg in MEASURED:
            if not (isinstance(k.value, ast.Constant) and k.value.value == "raise"):
                return True
    return False


class _Scan(ast.NodeVisitor):
    def __init__(self, instructor: dict[str, str]):
        self.instructor = instructor
        self.found: list[tuple[int, str]] = []
        self.imported: set[str] = set(instructor)

    def add(self, node, what):
        self.found.append((getattr(node, "lineno", 0), what))

    def visit_Import(self, node):
        for alias in node.names:
            self._module(node, alias.name)
            name = alias.asname or alias.name.split(".")[0]
            self._rebinds(node, name, alias.name if alias.asname else name)
            self.imported.add(name)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        self._module(node, module)
        for alias in node.names:
            name = alias.asname or alias.name
            if alias.name in NAMES or alias.name in ERRSTATE + ("seterrcall",):
                self.add(node, f"imports {alias.name} from {module}")
            self._rebinds(node, name, f"{module}.{alias.name}")
            self.imported.add(name)

    def _module(self, node, module):
        root = module.split(".")[0]
        if root in MODULES:
            self.add(node, f"imports {module} ({MODULES[root]})")

    def _rebinds(self, node, name, origin):
        if name in self.instructor and self.instructor[name] != origin:
            self.add(node, f"rebinds {name}, which the instructor's cells import from {self.instructor[name]}")

    def visit_Attribute(self, node):
        if node.attr in ATTRIBUTES and not (node.attr == "modules" and _root_name(node) != "sys"):
            self.add(node, f"uses {ast.unparse(node)} ({ATTRIBUTES[node.attr]})")
        elif node.attr in ERRSTATE and not getattr(node, "_called", False):
            self.add(node, f"uses {ast.unparse(node)} (numpy's floating-point error state) other than in a call")
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name in ERRSTATE:
            func._called = True
            if _weakens_errstate(node):
                self.add(node, f"calls {ast.unparse(node)[:120]}: numpy's overflow errors "
                               "no longer raise there (the spec's stability test)")
        if name == "getattr" and isinstance(func, ast.Name) and (
                len(node.args) < 2 or not isinstance(node.args[1], ast.Constant)):
            self.add(node, "calls getattr with a computed attribute name")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in NAMES:
            self.add(node, f"uses {node.id} ({NAMES[node.id]})")
        elif node.id in ERRSTATE + ("seterrcall",) and not getattr(node, "_called", False):
            self.add(node, f"uses {node.id} (numpy's floating-point error state)")

    def _targets(self, node, targets):
        for target in targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                self._targets(node, target.elts)
                continue
            if isinstance(target, ast.Starred):
                target = target.value
            if isinstance(target, ast.Name) and target.id in self.instructor:
                self.add(node, f"rebinds {target.id}, which the instructor's cells import from "
                               f"{self.instructor[target.id]}")
            spine = target
            while isinstance(spine, (ast.Attribute, ast.Subscript)):
                if isinstance(spine, ast.Attribute) and _root_name(spine) in self.imported:
                    self.add(node, f"replaces {ast.unparse(spine)}, which belongs to an imported module")
                    break
                spine = spine.value

    def visit_Assign(self, node):
        self._targets(node, node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._targets(node, [node.target])
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._targets(node, [node.target])
        self.generic_visit(node)

    def visit_Delete(self, node):
        self._targets(node, node.targets)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name in self.instructor:
            self.add(node, f"redefines {node.name}, which the instructor's cells import from "
                           f"{self.instructor[node.name]}")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Global(self, node):
        for name in node.names:
            if name in self.instructor:
                self.add(node, f"declares the instructor's {name} global")


def scan_source(source: str, instructor: dict[str, str] | None = None) -> list[tuple[int, str]]:
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    scan = _Scan(dict(instructor or {}))
    scan.visit(tree)
    return sorted(set(scan.found))


def instructor_view(source_nb) -> tuple[set, dict]:
    """The instructor's own code cells of a source notebook: their sources, and what their
    imports bind.  The same for every submission of an assignment: the grader computes it
    once per source file (autograder.checkrun.instructor_view)."""
    instructor_sources, instructor = set(), {}
    if source_nb is None:
        return instructor_sources, instructor
    for cell in source_nb.cells:
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            instructor_sources.add(cell.source.strip())
            try:
                instructor.update(_bindings(ast.parse(_python(cell.source))))
            except SyntaxError:
                pass
    return instructor_sources, instructor


def scan_notebook(nb, source_nb=None, view: tuple[set, dict] | None = None) -> list[str]:
    """One line per finding, in notebook order; [] for an honest notebook.

    ``view``: ``instructor_view(source_nb)`` when the caller already has it."""
    instructor_sources, instructor = view if view is not None else instructor_view(source_nb)
    findings = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code" or is_test_cell(cell) or cell.source.strip() in instructor_sources:
            continue
        meta = cell.metadata.get("nbgrader", {})
        label = f"solution cell {meta['grade_id']}" if meta.get("solution") else f"cell {number}"
        for line, what in scan_source(cell.source, instructor):
            findings.append(f"{label}, line {line}: {what}")
    return list(dict.fromkeys(findings))


def note_cell(findings: list[str]):
    import nbformat

    lines = [f"**{NOTE_TITLE}** (written by the autograder for the instructor; students do not see it "
             "in their feedback). This submission's code reaches into the grading machinery. The grade "
             "does not depend on it, but a person should look:", ""]
    lines += [f"- `{f}`" if "`" not in f else f"- {f}" for f in findings]
    cell = nbformat.v4.new_markdown_cell("\n".join(lines), id=NOTE_ID)
    cell.metadata["autograder"] = {"needs_a_look": list(findings)}
    return cell


def is_note(cell) -> bool:
    return cell.get("id") == NOTE_ID or "needs_a_look" in cell.get("metadata", {}).get("autograder", {})


def read_notes(root: Path, assignment: str, student: str) -> list[str]:
    """The findings written into a student's autograded notebooks of ``assignment``."""
    import nbformat

    out = []
    for path in sorted((Path(root) / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:
            continue
        for cell in nb.cells[:1]:
            if is_note(cell):
                found = cell.metadata.get("autograder", {}).get("needs_a_look")
                out += [str(f) for f in found] if isinstance(found, list) else [cell.source]
    return out
