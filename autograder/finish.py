"""Stage 3 of the grader: nbgrader's post-execution preprocessors, in nbgrader's order.

``Autograde.autograde_preprocessors`` is ``[Execute, IgnorePattern,
ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
CheckCellMetadata]``.  Execute is done by the sandbox (stage 2); the rest run
here, configured from the course's nbgrader_config.py, with one change:
SaveAutoGrades scores test cells by the grader's own verdicts.  One step is
added at the end: nothing the student's notebook displayed may run in a
grader's browser (autograder.sanitize), so it is neutralised just before the
notebook is written to ``autograded/``.
"""
from __future__ import annotations

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader import utils
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                    SaveAutoGrades)

from .sanitize import NeutralizeActiveContent


class TrustedSaveAutoGrades(SaveAutoGrades):
    """SaveAutoGrades, but a test cell's score is the grader's verdict.

    nbgrader's own rule (``determine_grade``) gives 0 to any cell with an error
    *or any stderr output* and full marks otherwise.  Here a test cell gets its
    points exactly when the grader judged every hidden check in it correct and
    the cell raised nothing (autograder.grade.Verdicts); stderr is ignored.
    Other grade cells (manually graded answers) keep nbgrader's rule.
    """

    def preprocess(self, nb, resources):
        """nbgrader's, with the notebook's grades and comments written in one flush and one
        transaction: nbgrader commits after every cell; the rows written are the same."""
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        from nbgrader.preprocessors import saveautogrades

        self.gradebook = saveautogrades.Gradebook(self.db_url)  # the run's engine (autograder.gradebooks)
        with self.gradebook:
            db = self.gradebook.db
            # On the scoped session only: nbgrader commits after every cell; here the changed
            # rows stay in the session (no query follows to autoflush them) until the one commit
            # below writes them all, in one flush and one transaction.
            db.commit = lambda: None
            try:
                nb, resources = super(SaveAutoGrades, self).preprocess(nb, resources)
            finally:
                del db.commit
            db.commit()
        return nb, resources

    def _add_score(self, cell, resources):
        passed = resources.get("autograder", {}).get("passed", {})
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if grade_id not in passed:
            return super()._add_score(cell, resources)
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        grade.auto_score = float(cell.metadata["nbgrader"]["points"]) if passed[grade_id] else 0.0
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()


# The order of nbgrader's Autograde, without Execute (see the module docstring);
# NeutralizeActiveContent last, after the grades are saved, so it sees the outputs as written.
PIPELINE = [IgnorePattern, ClearMetadataPreprocessor, LimitOutput, TrustedSaveAutoGrades,
            AssignLatePenalties, CheckCellMetadata, NeutralizeActiveContent]


def finish_notebook(nb, resources, config, parent=None):
    for cls in PIPELINE:
        # Calling a preprocessor honours its `enabled` flag, as nbconvert's exporter
        # does: ClearMetadataPreprocessor is off unless the course config turns it on.
        preprocessor = cls(config=config, parent=parent)
        with utils.setenv(NBGRADER_EXECUTION="autograde"):
            nb, resources = preprocessor(nb, resources)
    return nb
