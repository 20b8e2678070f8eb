"""The similarity report: copies under renamed variables and reordered lines are
flagged; independent correct solutions and the blank release are not."""
from __future__ import annotations

import io
import subprocess
import sys
import tokenize

import nbformat

from autograder import catalogue, course, demo

from ..conftest import one_assignment_root

A05 = "05_softmax_regression"
RENAME = {"scores": "s", "top": "biggest", "log_probs": "lp", "encoded": "out", "shifted": "zs",
          "E": "ex", "exps": "ee", "probs": "pr"}


def renamed_and_reordered(code: str) -> str:
    """The same code with local names changed and the first two body lines swapped."""
    toks = [(t.type, RENAME.get(t.string, t.string) if t.type == tokenize.NAME else t.string)
            for t in tokenize.generate_tokens(io.StringIO(code).readline)]
    code = tokenize.untokenize(toks)
    lines = code.splitlines()
    start = next(i for i, line in enumerate(lines) if "BEGIN SOLUTION" in line) + 1
    end = next(i for i, line in enumerate(lines) if "END SOLUTION" in line)
    if end - start >= 3:
        lines[start], lines[start + 1] = lines[start + 1], lines[start]
    return "\n".join(lines)


def test_copies_are_flagged_independent_work_and_the_release_are_not(tmp_path):
    root = one_assignment_root(tmp_path / "root", A05)
    source = catalogue.read(root / "source" / A05 / f"{A05}.ipynb")
    release = catalogue.read(root / "release" / A05 / f"{A05}.ipynb")
    cells = catalogue.solution_cells(source)
    copied = catalogue.with_solutions(source, {g: renamed_and_reordered(source.cells[i].source)
                                               for g, i in cells.items()})
    _, correct = catalogue.entries(A05)
    independent = catalogue.with_solutions(source, {fn: versions[0][1] for fn, versions in correct.items()})
    subs = {"ann": source, "bob": copied, "cat": independent, "dan": release, "eli": release}
    demo.write_submissions(root, {s: {A05: nbformat.writes(nb).encode()} for s, nb in subs.items()})
    (root / "submitted" / "<img src=x onerror=alert(1)>" / A05).mkdir(parents=True)
    (root / "submitted" / "<img src=x onerror=alert(1)>" / A05 / f"{A05}.ipynb").write_text(
        nbformat.writes(copied))
    done = subprocess.run([sys.executable, "-m", "autograder", "similarity", A05, "--root", str(root)],
                          capture_output=True, text=True, env=course.nbgrader_env())
    assert done.returncode == 0, done.stderr
    import json
    pairs = {frozenset((p["a"], p["b"])) for p in json.loads(
        (root / "reports" / f"similarity-{A05}.json").read_text())}
    assert frozenset(("ann", "bob")) in pairs
    for other in ("cat", "dan", "eli"):
        assert frozenset(("ann", other)) not in pairs and frozenset(("bob", other)) not in pairs, pairs
    assert frozenset(("dan", "eli")) not in pairs  # two blank releases share only the starter code
    page = (root / "reports" / f"similarity-{A05}.html").read_text()
    assert "ann and bob" in page and "highlight" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "https://" not in page  # nothing is loaded from other sites
