"""Jupyter Server config for an instructor's own single-user server:
Assignments, Validate and Courses (links to the formgrader service), but no
local formgrader -- grading happens in the shared service.

Instructors open students' work here too (a fetched feedback file, a copied
submission), so this server gets the formgrader service's
Content-Security-Policy (see `../formgrader/jupyter_server_config.py` for
what it protects and what it relies on), with `frame-ancestors 'none'` as
JupyterHub >= 4.1 would send: nothing frames an instructor's own server.
"""
import os
import runpy

c = get_config()  # noqa: F821

c.ServerApp.jpserver_extensions = {
    "nbgrader": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.course_list": True,
    "nbgrader.server_extensions.formgrader": False,
}

# One policy for both: read it from the formgrader's config file (run with a throwaway config).
_formgrader = runpy.run_path(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "formgrader", "jupyter_server_config.py"),
    init_globals={"get_config": lambda: type(c)()})
c.ServerApp.tornado_settings = {
    "headers": {"Content-Security-Policy": _formgrader["CONTENT_SECURITY_POLICY"].replace(
        "frame-ancestors 'self'", "frame-ancestors 'none'")},
}
