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

    def dispose(self) -> None:
        with self.lock:
            for engine in self.engines.values():
                engine.dispose()
            self.engines.clear()


def reusing(engines: Engines):
    """A ``Gradebook`` class whose instances share ``engines``."""

    class ReusedGradebook(api.Gradebook):
        def __init__(self, db_url: str, course_id: str = "default_course", authenticator=None):
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
            self.db.remove()  # the engine stays, for the next one

    return ReusedGradebook


@contextlib.contextmanager
def reused_engines(engines: Engines):
    """Within this block, nbgrader's autograding code opens its gradebooks on ``engines``."""
    import importlib

    cls = reusing(engines)
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
