"""Feedback for students without the hidden tests.

nbgrader builds feedback from the autograded notebooks, whose test cells were
restored from the gradebook *with* their hidden tests, so plain
``generate_feedback`` shows the hidden test code to students (and the code
lines in tracebacks).  ``StripHiddenTests`` runs first in the course's
feedback pipeline (nbgrader_config.py): it removes the hidden-test and
mark-scheme regions from every cell, keeps only the error outputs of test
cells (the trusted grader writes nothing else there; a notebook graded by
plain nbgrader may have printed its hidden tests there, through an IPython
event hook) with tracebacks cut to their last line (``AssertionError: <what
is wrong>``), and drops the grader's "needs a look" note, which is for the
instructor.  Students see which tests passed, their points and the failure
messages, and nothing else.
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor

REGIONS = (("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"), ("BEGIN MARK SCHEME", "END MARK SCHEME"))


def strip_regions(source: str) -> str:
    out, inside = [], None
    for line in source.split("\n"):
        if inside is None:
            begin = next((pair for pair in REGIONS if pair[0] in line), None)
            if begin:
                inside = begin
                continue
            out.append(line)
        elif inside[1] in line:
            inside = None
    return "\n".join(out).rstrip("\n")


class StripHiddenTests(Preprocessor):
    enabled = True

    def preprocess(self, nb, resources):
        from .lookout import is_note

        nb.cells = [cell for cell in nb.cells if not is_note(cell)]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        cell.source = strip_regions(cell.source)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cell.outputs = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
            for out in cell.outputs:
                out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
