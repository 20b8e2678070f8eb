"""Jupyter Server config for a student's single-user server.

Students keep nbgrader's Assignments panel (assignment_list) and Validate
(validate_assignment); the instructor-only server extensions are switched off.
The matching Lab plugins are disabled in labconfig/page_config.json.
"""
c = get_config()  # noqa: F821

c.ServerApp.jpserver_extensions = {
    "nbgrader": False,  # the umbrella entry point would load all four
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.formgrader": False,
}
