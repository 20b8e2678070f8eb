"""Jupyter Server config for an instructor's own single-user server:
Assignments, Validate and Courses (links to the formgrader service), but no
local formgrader -- grading happens in the shared service."""
c = get_config()  # noqa: F821

c.ServerApp.jpserver_extensions = {
    "nbgrader": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.course_list": True,
    "nbgrader.server_extensions.formgrader": False,
}
