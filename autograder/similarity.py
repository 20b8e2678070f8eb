"""``python -m autograder similarity ASSIGNMENT``: which submissions look alike.

A report for a person to read, never a grade.  The graded solution cells of
every submission (taken by the source notebook's solution grade ids, so that
the prose and extra cells a student added do not count) are compared pairwise
with copydetect (winnowed k-gram fingerprints of the token stream with
identifiers and literals normalized, so renamed variables and reordered lines
still match; Schleimer et al., "Winnowing", SIGMOD 2003).  The release
notebook's own code (signatures, docstrings, the stub) is boilerplate: what
every student received never counts.

The report (``reports/similarity-<assignment>.html``, next to the class
report) lists the pairs above the threshold, most similar first, side by side
with the shared code highlighted.  Everything students wrote is HTML-escaped
(copydetect escapes the code; names are escaped here), and the page loads
nothing from other sites.
"""
from __future__ import annotations

import html
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .catalogue import solution_cells

DEFAULT_THRESHOLD = 0.5  # the share of a submission's fingerprints found in the other one
NOISE_TOKENS = 25        # matches shorter than this many tokens are never reported
GUARANTEE_TOKENS = 30    # matches at least this long are always found


@dataclass
class Pair:
    a: str
    b: str
    similarity_a: float  # share of a's code found in b
    similarity_b: float
    code_a: str          # HTML, escaped, shared parts highlighted
    code_b: str


def graded_code(nb, grade_ids) -> str:
    """The source of the graded solution cells of ``nb``, in the source's order."""
    cells = solution_cells(nb)
    return "\n\n".join(str(nb.cells[cells[g]].source) for g in grade_ids if g in cells) + "\n"


def _read(path: Path):
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:  # not a notebook: nothing to compare
        return None


def collect(root: Path, assignment: str) -> tuple[dict[str, str], str, list[str]]:
    """(student -> graded code, boilerplate code, students whose notebook could not be read)."""
    root = Path(root)
    source = nbformat.read(str(root / "source" / assignment / f"{assignment}.ipynb"), as_version=4)
    grade_ids = list(solution_cells(source))
    release_path = root / "release" / assignment / f"{assignment}.ipynb"
    release = nbformat.read(str(release_path), as_version=4)
    # The starter code as a blank submission yields it (same cells, same joins), then every
    # other code cell of the release: nothing a student received can count.
    boilerplate = graded_code(release, grade_ids) + "\n\n".join(
        str(c.source) for c in release.cells if c.cell_type == "code") + "\n"
    codes, unreadable = {}, []
    for folder in sorted((root / "submitted").glob(f"*/{assignment}")):
        nb = _read(folder / f"{assignment}.ipynb")
        if nb is None:
            unreadable.append(folder.parent.name)
            continue
        codes[folder.parent.name] = graded_code(nb, grade_ids)
    return codes, boilerplate, unreadable


def compare(codes: dict[str, str], boilerplate: str, threshold: float = DEFAULT_THRESHOLD) -> list[Pair]:
    """Every pair of students whose graded code is at least ``threshold`` alike."""
    from copydetect import CopyDetector

    students = sorted(codes)
    if len(students) < 2:
        return []
    with tempfile.TemporaryDirectory(prefix="similarity-") as tmp:
        tmp = Path(tmp)
        (tmp / "subs").mkdir()
        (tmp / "boilerplate").mkdir()
        # Files are named by position, never by the (student-chosen) id.
        names = {}
        for i, student in enumerate(students):
            path = tmp / "subs" / f"s{i:05d}.py"
            path.write_text(codes[student], encoding="utf-8")
            names[str(path)] = student
        (tmp / "boilerplate" / "release.py").write_text(boilerplate, encoding="utf-8")
        detector = CopyDetector(test_dirs=[str(tmp / "subs")], boilerplate_dirs=[str(tmp / "boilerplate")],
                                extensions=["py"], noise_t=NOISE_TOKENS, guarantee_t=GUARANTEE_TOKENS,
                                display_t=threshold, autoopen=False, silent=True,
                                out_file=str(tmp / "unused.html"))
        detector.run()
        pairs = []
        for sim_a, sim_b, file_a, file_b, code_a, code_b, _overlap in detector.get_copied_code_list():
            if file_a == file_b:
                continue
            a, b = names[str(file_a)], names[str(file_b)]
            if b < a:  # each pair in one order, whatever order copydetect found it in
                a, b, sim_a, sim_b, code_a, code_b = b, a, sim_b, sim_a, code_b, code_a
            pairs.append(Pair(a, b, float(sim_a), float(sim_b), code_a, code_b))
    seen, out = set(), []
    for p in sorted(pairs, key=lambda p: (-round(max(p.similarity_a, p.similarity_b), 9), p.a, p.b)):
        key = frozenset((p.a, p.b))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Similarity: {title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 90em; }}
.pair {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1em; margin-bottom: 2.5em; }}
pre {{ background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: 85%; }}
.highlight-red {{ background: #ffd7a8; }} .highlight-green {{ background: #b8e0ff; }}
</style></head><body>
<h1>Similarity of the graded solutions: {title}</h1>
<p>This report is for a person to read; it is not a grade. Similar code is a reason to look,
not a finding: short exercises have few natural solutions. Code of the released notebook
(signatures, docstrings, stubs) is ignored. Pairs at or above {threshold:.0%} of shared code
fingerprints (identifiers and literals normalized), most similar first: {count} of
{students} students compared.</p>
{unreadable}
{pairs}
</body></html>
"""


def write_report(root: Path, assignment: str, out_dir: Path | None = None,
                 threshold: float = DEFAULT_THRESHOLD) -> tuple[Path, list[Pair]]:
    codes, boilerplate, unreadable = collect(root, assignment)
    pairs = compare(codes, boilerplate, threshold)
    out_dir = Path(out_dir) if out_dir else Path(root) / "reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    h = html.escape
    blocks = []
    for p in pairs:
        blocks.append(
            f"<h2>{h(p.a)} and {h(p.b)}</h2><div class='pair'>"
            f"<div><p>{h(p.a)}: {p.similarity_a:.0%} of this code is found in the other</p><pre>{p.code_a}</pre></div>"
            f"<div><p>{h(p.b)}: {p.similarity_b:.0%} of this code is found in the other</p><pre>{p.code_b}</pre></div>"
            "</div>")
    note = (f"<p>Not compared (not a readable notebook): {h(', '.join(unreadable))}</p>" if unreadable else "")
    page = _PAGE.format(title=h(assignment), threshold=threshold, count=len(pairs), students=len(codes),
                        unreadable=note, pairs="\n".join(blocks) or "<p>No pair above the threshold.</p>")
    path = out_dir / f"similarity-{assignment}.html"
    path.write_text(page, encoding="utf-8")
    (out_dir / f"similarity-{assignment}.json").write_text(json.dumps(
        [{"a": p.a, "b": p.b, "similarity_a": p.similarity_a, "similarity_b": p.similarity_b} for p in pairs],
        indent=1))
    return path, pairs
