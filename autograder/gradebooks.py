"""One database engine per gradebook for a whole grading run.

nbgrader opens a fresh ``Gradebook`` for every step of every notebook (the
converter's student, submission and notebook look-ups, OverwriteCells,
SaveAutoGrades, AssignLatePenalties): each one creates an SQLAlchemy engine,
inspects the tables, runs ``create_all`` and checks the course, then disposes
of the engine -- about ten times per notebook, a large part of the grader's
own CPU.  ``reused_engines()`` makes those ``Gradebook`` objects share one
engine (and its pooled connection) per database URL and course: the first one
is made exactly as nbgrader makes it (tables, alembic version, course row), the
later ones only open a new session on it, and closing one ends its session as
nbgrader's does.  Every read and write is still nbgrader's own code, in its own
sessions and transactions, so the gradebook holds exactly what ``nbgrader
autograde`` writes.

The instructor's side of the gradebook (the source and grade cells that
``nbgrader generate_assignment`` wrote) is the same for every submission and is
not written while a run lasts, yet OverwriteCells looks each cell up again for
every notebook: ``find_source_cell``, ``find_graded_cell`` and ``find_notebook``
(its kernelspec and cell lists) answer from a run-long snapshot of the columns
nbgrader's autograding reads (read-only; a write to one raises).
An assignment regenerated while a run lasts is seen by the next run.  And
SaveAutoGrades' ``find_grade``/``find_comment`` for a student's notebook answer
from that notebook's rows, loaded in two queries on the first ask and kept for
that gradebook session only.
"""
from __future__ import annotations

import contextlib
import threading

from nbgrader import api
from sqlalchemy.orm import scoped_session, sessionmaker

#: the nbgrader modules whose ``Gradebook`` name is swapped while a run lasts
MODULES = ("nbgrader.converters.autograde", "nbgrader.preprocessors.overwritecells",
           "nbgrader.preprocessors.saveautogrades", "nbgrader.preprocessors.latesubmissions",
           "nbgrader.preprocessors.overwritekernelspec")


class Engines:
    def __init__(self):
        self.lock = threading.Lock()
        self.engines: dict = {}
        self.cells: dict = {}  # (db_url, course, kind, name, notebook, assignment) -> CellSnapshot

    def dispose(self) -> None:
        with self.lock:
            for engine in self.engines.values():
                engine.dispose()
            self.engines.clear()
            self.cells.clear()


class CellSnapshot:
    """The columns of an instructor's cell row, read once; attribute access only, never written."""

    COLUMNS = {"source": ("id", "name", "cell_type", "locked", "source", "checksum"),
               "graded": ("id", "name", "cell_type", "max_score"),
               "solution": ("id", "name")}

    def __init__(self, row, columns):
        for column in columns:
            object.__setattr__(self, column, getattr(row, column))

    def __setattr__(self, name, value):
        raise AttributeError(f"a snapshot of the gradebook's {self.name!r} row is read-only")


class NotebookSnapshot(CellSnapshot):
    """An instructor's notebook row as nbgrader's autograding reads it: its kernelspec and
    its cells (OverwriteCells restores deleted test cells from them), in the gradebook's order."""

    def __init__(self, row):
        super().__init__(row, ("id", "name", "kernelspec"))
        cols = CellSnapshot.COLUMNS
        for attr, kind in (("source_cells", "source"), ("grade_cells", "graded"),
                           ("solution_cells", "solution"), ("task_cells", "graded")):
            object.__setattr__(self, attr, tuple(CellSnapshot(c, cols[kind]) for c in getattr(row, attr)))


def _cells(kind: str):
    return lambda row: CellSnapshot(row, CellSnapshot.COLUMNS[kind])


def reusing(engines: Engines):
    """A ``Gradebook`` class whose instances share ``engines``."""

    class ReusedGradebook(api.Gradebook):
        def __init__(self, db_url: str, course_id: str = "default_course", authenticator=None):
            self._rows: dict = {}  # (notebook, assignment, student) -> (grades, comments) by cell name
            key = (db_url, course_id)
            with engines.lock:
                engine = engines.engines.get(key)
            if engine is None:
                super().__init__(db_url, course_id, authenticator)
                with engines.lock:
                    engines.engines.setdefault(key, self.engine)
                return
            self.engine = engine
            self.db = scoped_session(sessionmaker(autoflush=True, bind=engine, future=True))
            self.course_id = course_id
            self.authenticator = authenticator

        def close(self):
            self._rows.clear()  # rows of the session that ends here
            self.db.remove()  # the engine stays, for the next one

        # --- the instructor's rows: one read per run (see the module docstring)
        def _snapshot(self, kind, make, find, *names):
            key = (str(self.engine.url), self.course_id, kind, *names)
            snap = engines.cells.get(key)
            if snap is None:  # MissingEntry is raised, and not remembered
                snap = engines.cells[key] = make(find(*names))
            return snap

        def find_notebook(self, name, assignment):
            return self._snapshot("notebook", NotebookSnapshot, super().find_notebook, name, assignment)

        def find_source_cell(self, name, notebook, assignment):
            return self._snapshot("source", _cells("source"), super().find_source_cell, name, notebook, assignment)

        def find_graded_cell(self, name, notebook, assignment):
            return self._snapshot("graded", _cells("graded"), super().find_graded_cell, name, notebook, assignment)

        # --- a student's rows: SaveAutoGrades asks for each grade and comment with a
        # seven-table join (two for a task cell's: nbgrader looks for a grade or solution
        # cell of that name first); the first ask loads all of that notebook's rows in two
        # queries (four with task cells), kept for this session only.  Anything not among
        # them (MissingEntry) is nbgrader's own look-up.
        def _student_rows(self, notebook, assignment, student) -> tuple[dict, dict]:
            key = (notebook, assignment, student)
            rows = self._rows.get(key)
            if rows is None:
                try:
                    sub = super().find_submission_notebook(notebook, assignment, student)
                except api.MissingEntry:
                    rows = ({}, {})
                else:
                    grades = self._named_rows(api.Grade, api.GradeCell, sub.id)
                    comments = self._named_rows(api.Comment, api.SolutionCell, sub.id)
                    if self.find_notebook(notebook, assignment).task_cells:
                        # a grade or solution cell's row before a task cell's, as in nbgrader
                        grades = {**self._named_rows(api.Grade, api.TaskCell, sub.id), **grades}
                        comments = {**self._named_rows(api.Comment, api.TaskCell, sub.id), **comments}
                    rows = (grades, comments)
                self._rows[key] = rows
            return rows

        def _named_rows(self, row, cell, notebook_id) -> dict:
            """A submitted notebook's ``row`` objects (Grade or Comment) of one kind of cell, by cell name."""
            return dict((name, r) for r, name in self.db.query(row, cell.name)
                        .join(cell, cell.id == row.cell_id).filter(row.notebook_id == notebook_id))

        def find_grade(self, grade_cell, notebook, assignment, student):
            row = self._student_rows(notebook, assignment, student)[0].get(grade_cell)
            return row if row is not None else super().find_grade(grade_cell, notebook, assignment, student)

        def find_comment(self, solution_cell, notebook, assignment, student):
            row = self._student_rows(notebook, assignment, student)[1].get(solution_cell)
            return row if row is not None else super().find_comment(solution_cell, notebook, assignment, student)

    return ReusedGradebook


@contextlib.contextmanager
def reused_engines(engines: Engines):
    """Within this block, nbgrader's autograding code opens its gradebooks on ``engines``."""
    import importlib

    cls = reusing(engines)
    engines.cells.clear()  # a run sees the assignments as they are when it starts
    saved = []
    for name in MODULES:
        module = importlib.import_module(name)
        if getattr(module, "Gradebook", None) is api.Gradebook:
            saved.append(module)
            module.Gradebook = cls
    try:
        yield cls
    finally:
        for module in saved:
            module.Gradebook = api.Gradebook
