"""nbgrader configuration for the course.

The course root is the folder of this file: `source/`, `release/`,
`submitted/`, `autograded/`, `feedback/` and the gradebook all live here,
whatever the current directory is.  Deployments (the JupyterHub config in
`deploy/`) load this file and override only what differs there
(the exchange, the gradebook URL).
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))

# --- the course -------------------------------------------------------------
c.CourseDirectory.course_id = "linear-classification"
c.CourseDirectory.root = ROOT
# A SQLite gradebook in the course root by default; set NBGRADER_DB_URL
# (for example postgresql://grader@db/linear_classification) to share one.
c.CourseDirectory.db_url = os.environ.get(
    "NBGRADER_DB_URL", "sqlite:///" + os.path.join(ROOT, "gradebook.db"))
# Never copy editor debris or instructor-only notes into the release.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.instructor.md",
]

# --- what students see in place of a solution -------------------------------
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# --- running notebooks (validate and plain `nbgrader autograde`) -------------
# No cell in this course needs more than a few seconds; a minute per cell
# catches infinite loops without cutting off a slow laptop.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.allow_errors = True
# Long outputs (a print in a loop) are cut in the autograded copy.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# --- autograding ------------------------------------------------------------
# A student who deletes a test cell gets it back from the source (graded as
# usual) instead of the submission being rejected.
c.OverwriteCells.add_missing_cells = True
# Students are created in the gradebook as their submissions arrive.
c.Autograde.create_student = True
# `python -m autograder grade` (autograder/grade.py): limits per notebook.
# All cells together, kernel restarts and replays included, get 5 minutes;
# the cells not reached are graded as not run.
c.Autograder.notebook_timeout = 300
# The kernel and every process it forks share this memory, tmpfs included
# (a cgroup per kernel where the machine has one: `python -m autograder sandbox-report`).
c.Autograder.memory_bytes = 3 << 30
# Outputs kept in autograded/: per cell, and for the whole notebook.
c.Autograder.max_output_bytes = 1 << 20
c.Autograder.max_notebook_output_bytes = 8 << 20
# No student-made HTML, JavaScript, SVG or widget state may run in a grader's
# browser (autograder/sanitize.py): neutralised in nbgrader's sanitizing step
# (the copy written to autograded/ before it runs) and after plain
# `nbgrader autograde` ran it; `python -m autograder grade` does the latter in
# autograder/finish.py.  nbgrader's default lists, plus the last step.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
    "autograder.sanitize.NeutralizeActiveContent",
]
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
    "autograder.sanitize.NeutralizeActiveContent",
]
# Formgrader shows an autograded notebook through nbconvert's HTMLExporter, with
# this config: neutralised once more as it is displayed, whatever wrote the file.
c.HTMLExporter.preprocessors = ["autograder.sanitize.NeutralizeActiveContent"]


# --- feedback ---------------------------------------------------------------
# Students see which tests passed, their points and the failure messages, but
# never the hidden test code (autograder/feedback.py says why this is needed).
c.GenerateFeedback.preprocessors = [
    "autograder.feedback.StripHiddenTests",
    # again here: feedback may be made from notebooks autograded before this step existed
    "autograder.sanitize.NeutralizeActiveContent",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# --- integrity ----------------------------------------------------------------
# Packages whose functions the graded cells of an assignment may not use
# (their shortcuts would replace the very math asked for: scipy.special.expit,
# softmax, logsumexp, scikit-learn models).  While grading, the trusted grader
# hides these packages from the kernel; the visible tests warn students early
# (course/integrity.py).  "default" applies to every assignment not listed.
# 06's scikit-learn comparison cell is not graded and skips itself while grading.
c.CourseIntegrity.forbidden_packages = {"default": ["scipy", "sklearn"]}
