"""nbgrader config for a student's single-user server (copy to
~/.jupyter/nbgrader_config.py, or put this directory on JUPYTER_CONFIG_PATH
as deploy/jupyterhub/jupyterhub_config.py does).

Students only need to know the course and where the exchange is: the
Assignments panel fetches released assignments from
<exchange>/<course>/outbound, submits to <course>/inbound and fetches feedback
from <course>/feedback_public.
"""
import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = os.environ.get("LC_COURSE_ID", "linear-classification")
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
# Fetched assignments land in <server root>/<assignment>, as on a laptop.
c.Exchange.path_includes_course = False
# Fetch into the server's root directory.  nbgrader resolves the default "."
# against the server process's working directory, which LocalProcessSpawner
# sets to the home directory even when Spawner.notebook_dir points elsewhere;
# JupyterHub passes notebook_dir as JUPYTERHUB_ROOT_DIR.
if os.environ.get("JUPYTERHUB_ROOT_DIR"):
    c.Exchange.assignment_dir = os.path.expanduser(os.environ["JUPYTERHUB_ROOT_DIR"])
