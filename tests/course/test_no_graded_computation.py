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

# (path relative to the package root's parent, the stripped source line) -> why it is fine
ALLOWED = {
    ("course/plots/a04.py", "p = np.exp(-nll)  # allowed: turns your own NLL back into the probability it came from"):
        "exp of the STUDENT's logistic_nll of one observation: the probability their own model gives",
}


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
