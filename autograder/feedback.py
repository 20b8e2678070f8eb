"""Feedback for students without the hidden tests.

nbgrader builds feedback from the autograded notebooks, whose test cells were
restored from the gradebook *with* their hidden tests, so plain
``generate_feedback`` shows the hidden test code to students (and the code
lines in tracebacks).  ``StripHiddenTests`` runs first in the course's
feedback pipeline (nbgrader_config.py): it removes the hidden-test and
mark-scheme regions from every cell and cuts tracebacks of test cells to
their last line (``AssertionError: <what is wrong>``), so students see which
tests passed, their points and the failure messages, and nothing else.
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

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        cell.source = strip_regions(cell.source)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
