"""Helpers for the course "Classification with linear models".

Students import this package in every notebook:

* ``course.data``    -- the Auto MPG and Iris data sets (shipped, never downloaded)
* ``course.checks``  -- the checks used by the visible tests, with messages that
  say what is wrong
* ``course.plots``   -- the static figures of the notebooks
* ``course.widgets`` -- the interactive explorers (ipywidgets)
* ``course.integrity`` -- the visible tests' warning when a graded function uses a
  library shortcut (scipy.special.expit, a scikit-learn model) instead of its own math

Nothing here contains a solution: an explorer or figure that needs a graded
computation is handed the student's own functions (``explore_iris(train,
predict_class)``), so it is drawn by the student's code, and it shows one
friendly line while those are still stubs.  A figure shown before its
exercise draws precomputed curves (``course/data/figures.json``).
"""
import os

from . import integrity as _integrity

__version__ = "0.1.0"


def grading() -> bool:
    """True while nbgrader validates or autogrades a notebook.

    nbgrader sets ``NBGRADER_EXECUTION`` then; figures and widgets skip their
    drawing so that grading stays fast.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))


# While the trusted grader grades, an import of a package the assignment
# forbids explains itself (see course.integrity); otherwise this does nothing.
_integrity.import_guard()
