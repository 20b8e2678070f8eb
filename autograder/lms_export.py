"""Grades into an LMS's own gradebook import format: ``nbgrader export`` plugins.

nbgrader's export step takes a plugin class (``nbgrader export --exporter=...``);
these two write the CSV layouts that Canvas and Moodle document for importing
grades, with the course's student ids mapped to the LMS's ids through the same
roster file that ``python -m autograder import`` reads::

    nbgrader export --exporter=autograder.lms_export.CanvasExport \\
        --CanvasExport.roster=roster.csv --to=canvas-grades.csv
    nbgrader export --exporter=autograder.lms_export.MoodleExport \\
        --MoodleExport.roster=roster.csv --to=moodle-grades.csv

Canvas (Grades > Import): the columns ``Student, ID, SIS User ID, SIS Login ID,
Section`` identify the student (``ID`` is the Canvas user id, the roster's
``lms_id``), then one column per assignment, and a second row ``Points
Possible``.  Moodle (Grades > Import > CSV file): one identifier column the
import page maps to a user field (``ID number``, ``Email address`` or
``Username``), then one column per grade item.

Written answers that a grader has not graded yet are never silently counted
as 0: ``ungraded`` decides (``blank``: the cell is left empty so the LMS keeps
what it has, the default; ``zero``: counted as 0; ``refuse``: no file is
written).  Every such case is reported, as are students of the gradebook who
are not on the roster (they cannot be mapped, so they are not exported) and
students of the roster without a submission (exported with 0, nbgrader's rule
for a missing submission).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Enum, Unicode

from .importer import Roster, ZipImportError


class ExportRefused(RuntimeError):
    """The export would count ungraded written answers and ``ungraded='refuse'``."""


@dataclass
class Sheet:
    """Scores per (student id, assignment) and what the instructor must hear about."""

    assignments: list[str]
    max_scores: dict[str, float]
    scores: dict[tuple[str, str], float | None] = field(default_factory=dict)
    ungraded: list[tuple[str, str, int]] = field(default_factory=list)  # student, assignment, cells
    missing: list[tuple[str, str]] = field(default_factory=list)        # no submission


def read_sheet(gradebook: Gradebook, students: list[str], assignments: list[str] | None,
               ungraded: str) -> Sheet:
    names = sorted(a.name for a in gradebook.assignments)
    if assignments:
        names = [a for a in names if a in assignments]
    sheet = Sheet(names, {a: float(gradebook.find_assignment(a).max_score) for a in names})
    for student in students:
        for name in names:
            try:
                sub = gradebook.find_submission(name, student)
            except MissingEntry:
                sheet.missing.append((student, name))
                sheet.scores[(student, name)] = 0.0
                continue
            waiting = sum(1 for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade)
            if waiting:
                sheet.ungraded.append((student, name, waiting))
                if ungraded == "blank":
                    sheet.scores[(student, name)] = None
                    continue
            sheet.scores[(student, name)] = float(sub.score)
    return sheet


class _LmsExport(ExportPlugin):
    roster = Unicode("", help="the roster CSV (student_id plus login, lms_id, name, email, "
                              "sis_user_id, section), as for `python -m autograder import`").tag(config=True)
    ungraded = Enum(["blank", "zero", "refuse"], default_value="blank",
                    help="written answers not graded yet: leave the LMS cell empty (blank), count 0 "
                         "(zero), or write nothing (refuse)").tag(config=True)

    default_name = "grades.csv"

    def rows(self, gradebook: Gradebook):
        if not self.roster:
            raise ZipImportError(f"{type(self).__name__} needs a roster: --{type(self).__name__}.roster=FILE")
        table = Roster.read(self.roster)
        known = {s.id for s in gradebook.students}
        on_roster = [r for r in table.rows if not self.student or r["student_id"] in self.student]
        self.not_on_roster = sorted(known - table.ids)
        self.not_in_gradebook = sorted(r["student_id"] for r in on_roster if r["student_id"] not in known)
        sheet = read_sheet(gradebook, [r["student_id"] for r in on_roster], self.assignment, self.ungraded)
        return on_roster, sheet

    def export(self, gradebook: Gradebook) -> None:
        on_roster, sheet = self.rows(gradebook)
        for student in self.not_on_roster:
            self.log.warning("%s is in the gradebook but not on the roster: not exported", student)
        for student in self.not_in_gradebook:
            self.log.warning("%s is on the roster but has no submission: exported with 0", student)
        for student, name, cells in sheet.ungraded:
            self.log.warning("%s/%s: %d written answer(s) not graded yet (%s)", student, name, cells,
                             {"blank": "left blank", "zero": "counted as 0", "refuse": "refused"}[self.ungraded])
        if sheet.ungraded and self.ungraded == "refuse":
            raise ExportRefused(f"{len(sheet.ungraded)} submission(s) have written answers not graded yet; "
                                "grade them in formgrader, or choose --%s.ungraded=blank|zero"
                                % type(self).__name__)
        dest = self.to or self.default_name
        with open(dest, "w", newline="", encoding="utf-8") as f:
            self.write(csv.writer(f), on_roster, sheet)
        self.log.info("wrote %s (%d students, %d assignments)", dest, len(on_roster), len(sheet.assignments))

    def write(self, out, rows, sheet: Sheet) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class CanvasExport(_LmsExport):
    """Canvas's gradebook import CSV."""

    default_name = "canvas-grades.csv"

    def write(self, out, rows, sheet: Sheet) -> None:
        out.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *sheet.assignments])
        out.writerow(["Points Possible", "", "", "", "", *(_cell(sheet.max_scores[a]) for a in sheet.assignments)])
        for r in rows:
            out.writerow([r.get("name", ""), r.get("lms_id", ""), r.get("sis_user_id", ""), r.get("login", ""),
                          r.get("section", ""),
                          *(_cell(sheet.scores[(r["student_id"], a)]) for a in sheet.assignments)])


class MoodleExport(_LmsExport):
    """Moodle's grade import CSV (Grades > Import > CSV file)."""

    default_name = "moodle-grades.csv"

    def write(self, out, rows, sheet: Sheet) -> None:
        out.writerow(["ID number", "Email address", "Username", *sheet.assignments])
        for r in rows:
            out.writerow([r.get("lms_id", ""), r.get("email", ""), r.get("login", ""),
                          *(_cell(sheet.scores[(r["student_id"], a)]) for a in sheet.assignments)])
