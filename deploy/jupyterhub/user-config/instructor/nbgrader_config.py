"""nbgrader config for an instructor's own single-user server (copy to
~/.jupyter/nbgrader_config.py or put this directory on JUPYTER_CONFIG_PATH).

Instructors grade in the shared formgrader service (the course files belong
to the grader account), so their own server only needs the course id and the
exchange: the Courses panel then links to the service, and the Assignments
panel lets them fetch/submit like a student to try an assignment out.
"""
import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = os.environ.get("LC_COURSE_ID", "linear-classification")
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = False
# Fetch into the server's root directory.  nbgrader resolves the default "."
# against the server process's working directory, which LocalProcessSpawner
# sets to the home directory even when Spawner.notebook_dir points elsewhere;
# JupyterHub passes notebook_dir as JUPYTERHUB_ROOT_DIR.
if os.environ.get("JUPYTERHUB_ROOT_DIR"):
    c.Exchange.assignment_dir = os.path.expanduser(os.environ["JUPYTERHUB_ROOT_DIR"])
