"""Nothing a student receives computes a graded function: a static check of the code.

The explorers and figures in ``course/widgets`` and ``course/plots`` take the
student's functions as arguments (tests/course/test_student_functions.py
proves they use them); this test proves they have no private copy to fall
back on.  It reads the code (the AST, so comments and docstrings that quote a
formula do not count) and flags every use of

* ``exp``, ``log``, ``log1p``, ``logaddexp``, ``tanh``, ``expit``,
  ``logsumexp`` and their relatives: the sigmoid, the log-sigmoid, the NLLs,
  softmax and log-sum-exp are all built from these;
* ``eye`` (the usual one-hot encoding);
* matrix products (``@``, ``dot``, ``matmul``, ``einsum``): scores ``X @ W.T``,
  the gradients ``(P - Y).T @ X``;
* ``cumsum`` (a running fraction of heads is the Bernoulli MLE).

A line may use one only if it is on ``ALLOWED`` below, with a one-line reason.
``tests/deploy/test_student_bundle.py`` runs the same scan on the built
student bundle.

The release notebooks' own code cells (neither solution nor test cells) are
scanned too (``scan_notebooks``), for what an implementation of a graded
function looks like there: a gradient-descent update ``w = w - lr * ...``,
a thresholded or argmax-ed score (``X @ w >= 0``: a linear classification),
a standardization ``(x - x.mean()) / x.std()``, and the ``exp`` / ``log`` /
``eye`` family.  Exceptions are on ``NOTEBOOK_ALLOWED``, each with its reason.
"""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

FORBIDDEN_NAMES = {
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp", "logaddexp2", "tanh", "expit",
    "logit", "logsumexp", "softmax", "log_softmax", "sigmoid", "eye", "identity", "dot", "matmul", "einsum",
    "tensordot", "cumsum",
}
# The packages a student receives, searched in full (course/checks.py is left out on purpose:
# the visible tests' checks compare numbers and never compute a graded quantity; it has its own tests).
SCANNED = ("course/widgets", "course/plots", "course/_style.py", "course/__init__.py", "course/data/__init__.py")

# (path relative to the package root's parent, the stripped source line) -> why it is fine.
# Empty: every explorer and figure takes the student's functions or precomputed numbers.
ALLOWED: dict[tuple[str, str], str] = {}

def _flagged(tree: ast.AST) -> list[tuple[int, str]]:
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            hits.append((node.lineno, "@"))
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            hits.append((node.lineno, node.attr))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_NAMES:
            hits.append((node.lineno, node.func.id))  # a bare call: `from numpy import exp` then exp(z)
        elif isinstance(node, ast.alias) and node.name.rsplit(".", 1)[-1] in FORBIDDEN_NAMES:
            hits.append((getattr(node, "lineno", 0), node.name))
    return hits


def scan(root: Path, scanned=SCANNED) -> list[str]:
    """Every forbidden use under ``root`` not on the allow-list, as "path:line: what: source"."""
    problems, files = [], []
    for entry in scanned:
        path = root / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    assert files, f"nothing to scan under {root}"
    for path in files:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        relative = path.relative_to(root).as_posix()
        for lineno, what in sorted(set(_flagged(ast.parse(source, str(path))))):
            line = lines[lineno - 1].strip() if lineno else ""
            if (relative, line) not in ALLOWED:
                problems.append(f"{relative}:{lineno}: {what}: {line}")
    return problems


def test_no_graded_computation_in_explorers_and_figures():
    problems = scan(REPO)
    assert not problems, ("code a student receives computes something graded (pass the student's function "
                          "in instead, or precompute it with scripts/precompute_figures.py):\n"
                          + "\n".join(problems))


def test_every_allowed_line_still_exists():
    """A stale allow-list entry would silently allow the same call elsewhere on a similar line."""
    for (relative, line), reason in ALLOWED.items():
        assert reason.strip(), f"{relative}: an allowed line needs its reason"
        text = [l.strip() for l in (REPO / relative).read_text(encoding="utf-8").splitlines()]
        assert line in text, f"{relative}: the allowed line {line!r} is gone: remove it from ALLOWED"


def test_the_scan_catches_what_it_is_for(tmp_path):
    """The scanner itself: each of the giveaways of issue 11 is flagged."""
    widgets = tmp_path / "course" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / "leak.py").write_text(
        "import numpy as np\nfrom scipy.special import expit\n"
        "def s(t):\n    return 0.5 * (1.0 + np.tanh(0.5 * t))\n"
        "def nll(A, W, y):\n    s = A @ W.T\n    return np.logaddexp(0, -s).sum()\n"
        "def onehot(y):\n    return np.eye(3)[y]\n"
        "def frac(flips, n):\n    return np.cumsum(flips) / n\n", encoding="utf-8")
    found = " ".join(scan(tmp_path, scanned=("course/widgets",)))
    for what in ("expit", "tanh", "@", "logaddexp", "eye", "cumsum"):
        assert f": {what}:" in found, f"{what} not flagged: {found}"


# (assignment, cell id, what) -> why the release may keep it
NOTEBOOK_ALLOWED = {
    ("03_sigmoid_logistic_model", "cell-005", "exp"):
        "the textbook sigmoid, shown overflowing on purpose: the unstable formula the exercise asks to avoid",
    ("03_sigmoid_logistic_model", "cell-017", "log"):
        "np.log(sigmoid(-1000)) shown giving -inf on purpose: why log_sigmoid needs its own formula",
    ("06_generalization_regularization", "cell-007", "standardization"):
        "scaling with the TRAINING set's statistics is what this cell teaches; 06 has no standardize to hand in",
}
_LOG_FAMILY = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp", "logaddexp2", "tanh",
               "expit", "logit", "logsumexp", "eye", "identity", "cumsum"}


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _has_matmul(node: ast.AST) -> bool:
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.MatMult,)) for n in ast.walk(node)) or any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("dot", "matmul")
        for n in ast.walk(node))


def _calls_method(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == name
               for n in ast.walk(node))


def _cell_findings(source: str) -> list[tuple[str, int]]:
    """What in one code cell looks like an implementation of a graded function: (what, line)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    found = []
    for node in ast.walk(ast.parse(code)):
        # w = w - lr * g(w)  or  w -= lr * g(w): a gradient-descent step
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.BinOp) and isinstance(node.value.op, ast.Sub):
            targets = set().union(*(_names(t) for t in node.targets))
            if targets & _names(node.value.left) and isinstance(node.value.right, ast.BinOp) \
                    and isinstance(node.value.right.op, ast.Mult):
                found.append(("descent update", node.lineno))
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Sub) and isinstance(node.value, ast.BinOp) \
                and isinstance(node.value.op, ast.Mult):
            found.append(("descent update", node.lineno))
        # X @ w >= 0, argmax(X @ W.T): a classification by the scores
        elif isinstance(node, ast.Compare) and any(_has_matmul(part) for part in [node.left, *node.comparators]):
            found.append(("thresholded score", node.lineno))
        elif isinstance(node, ast.Call) and (getattr(node.func, "attr", None) == "argmax" or
                                             getattr(node.func, "id", None) == "argmax") \
                and (_has_matmul(node) or (isinstance(node.func, ast.Attribute) and _has_matmul(node.func.value))):
            found.append(("argmax of scores", node.lineno))
        # (x - x.mean()) / x.std(): 01's standardize
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) \
                and any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub)
                        and (_calls_method(n.right, "mean") or "mean" in _names(n.right)) for n in ast.walk(node.left)) \
                and (_calls_method(node.right, "std") or "std" in _names(node.right)):
            found.append(("standardization", node.lineno))
        # np.mean(y_hat == y): 01's accuracy
        elif isinstance(node, ast.Call) and (getattr(node.func, "attr", None) == "mean" or
                                             getattr(node.func, "id", None) == "mean") \
                and any(isinstance(n, ast.Compare) and any(isinstance(op, ast.Eq) for op in n.ops)
                        for part in [*node.args, getattr(node.func, "value", None)] if part is not None
                        for n in ast.walk(part)):
            found.append(("accuracy", node.lineno))
        elif isinstance(node, ast.Attribute) and node.attr in _LOG_FAMILY:
            found.append((node.attr, node.lineno))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _LOG_FAMILY:
            found.append((node.func.id, node.lineno))
    return found


def _own_code_cells(notebook: Path):
    import json

    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and not meta.get("solution") and not meta.get("grade"):
            yield cell.get("id", "?"), "".join(cell["source"])


def scan_notebooks(release: Path, allowed=None) -> tuple[list[str], set]:
    """Findings in the release notebooks' own code cells not on ``allowed``, and the entries used."""
    allowed = NOTEBOOK_ALLOWED if allowed is None else allowed
    problems, used = [], set()
    notebooks = sorted(release.glob("*/*.ipynb"))
    assert notebooks, f"no release notebooks under {release}: run `make release`"
    for notebook in notebooks:
        assignment = notebook.parent.name
        for cell_id, source in _own_code_cells(notebook):
            lines = source.splitlines()
            for what, lineno in _cell_findings(source):
                key = (assignment, cell_id, what)
                if key in allowed:
                    used.add(key)
                else:
                    problems.append(f"{assignment} {cell_id} line {lineno}: {what}: {lines[lineno - 1].strip()}")
    return problems, used


def test_release_notebooks_own_cells_implement_no_graded_function():
    problems, used = scan_notebooks(REPO / "release")
    assert not problems, ("a release notebook's own code cell implements a graded function (call the student's "
                          "function, or ship precomputed numbers in course/data):\n" + "\n".join(problems))
    stale = set(NOTEBOOK_ALLOWED) - used
    assert not stale, f"NOTEBOOK_ALLOWED entries that match nothing any more (remove them): {sorted(stale)}"
    assert all(reason.strip() for reason in NOTEBOOK_ALLOWED.values())


def test_the_notebook_scan_catches_what_it_is_for(tmp_path):
    """Each giveaway of the issue, in a plain code cell, is flagged; solution and test cells are not scanned."""
    import json

    giveaways = {
        "descent update": "for _ in range(steps):\n    W = W - lr * softmax_nll_grad(W, X, y)",
        "descent update ": "w -= lr * grad(w)",
        "thresholded score": "y_hat = (X_test @ w >= 0).astype(int)",
        "argmax of scores": "c = np.argmax(X @ W.T, axis=1)",
        "standardization": "Z = (raw - raw.mean(axis=0)) / raw.std(axis=0)",
        "standardization ": 'z = (cars["weight"] - cars["weight"].mean()).to_numpy() / cars["weight"].std(ddof=0)',
        "exp": "p = 1 / (1 + np.exp(-z))",
        "eye": "Y = np.eye(3)[y]",
        "accuracy": 'print(f"accuracy {np.mean(y_hat == y_test):.3f}")',
        "accuracy ": "share = (labels == y).mean()",
    }
    plain = [{"cell_type": "code", "id": f"c{k}", "metadata": {}, "source": code}
             for k, code in enumerate(giveaways.values())]
    graded = [{"cell_type": "code", "id": "sol", "metadata": {"nbgrader": {"solution": True, "grade": False}},
               "source": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"},
              {"cell_type": "code", "id": "test", "metadata": {"nbgrader": {"solution": False, "grade": True}},
               "source": "assert np.allclose(softmax(z), np.exp(z) / np.exp(z).sum())"},
              {"cell_type": "code", "id": "fine", "metadata": {},
               "source": "P = softmax(X @ W.T)\nw_two = gradient_descent(grad, w0, 0.005, 2000)[-1]"}]
    folder = tmp_path / "99_example"
    folder.mkdir()
    (folder / "99_example.ipynb").write_text(json.dumps({"cells": plain + graded}), encoding="utf-8")
    problems, _ = scan_notebooks(tmp_path, allowed={})
    for k, what in enumerate(giveaways):
        assert any(p.startswith(f"99_example c{k} ") and f": {what.strip()}:" in p for p in problems), (what, problems)
    assert not any(" sol " in p or " test " in p or " fine " in p for p in problems), problems
    assert len(problems) == len(giveaways), problems
