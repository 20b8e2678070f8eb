"""JupyterHub configuration for the course `linear-classification`:
one class, several instructors/graders, any number of students, on one machine.

It follows nbgrader's "Using nbgrader with JupyterHub" (demo
"one class, multiple graders") for JupyterHub >= 4.1 / nbgrader 0.9:

* the formgrader runs as a hub-managed **service** (a `jupyterhub-singleuser`
  server, i.e. JupyterLab with nbgrader's server extensions) as the unix
  account `grader-linear-classification`, in the course directory (the folder
  holding the course's `nbgrader_config.py`).  nbgrader's Lab "Courses" panel
  looks for a service *named like the course id*, so the service is called
  `linear-classification` (LC_HUB_SERVICE_NAME overrides it);
* group `formgrade-linear-classification` = instructors: may use the service
  (`access:services!service=linear-classification`) and discover it;
* group `nbgrader-linear-classification` = students: may discover the service
  (list/read) but not use it;
* the single-user servers' tokens `inherit` their owner's permissions (the
  course-list extension calls the hub API with them);
* the nbgrader exchange is a shared directory (`Exchange.root`) that every
  server and the service are pointed at through the per-role config in
  `user-config/<role>/` (put on JUPYTER_CONFIG_PATH below);
* JupyterHub >= 4.1 sends `Content-Security-Policy: frame-ancestors 'none'`
  from single-user servers; the formgrader is displayed in an iframe inside
  the service's own JupyterLab, so the service's server config
  (`user-config/formgrader/jupyter_server_config.py`) sets
  `frame-ancestors 'self'` there (and only there).

Everything machine-specific is an environment variable (defaults in
brackets), so the same file serves a real deployment and the test
(tests/deploy/test_hub.py), which points it at temporary directories:

  LC_COURSE_ID               course id                         [linear-classification]
  LC_COURSE_DIR              course root for the formgrader     [/srv/nbgrader/linear-classification]
  NBGRADER_EXCHANGE_ROOT     the shared exchange directory      [/srv/nbgrader/exchange]
  NBGRADER_DB_URL            gradebook URL for the formgrader   [sqlite in the course root]
  LC_HUB_INSTRUCTORS         instructors (space/comma list)     [instructor1]
  LC_HUB_STUDENTS            students                           [student1 student2]
  LC_HUB_STUDENTS_FILE       file with one student name a line  [unset]
  LC_HUB_ADMINS              hub admins                         [none]
  LC_HUB_GRADER_USER         unix account running the formgrader [grader-<course id>]
  LC_HUB_SERVICE_NAME        formgrader service name            [<course id>]
  LC_HUB_FORMGRADER_PORT     the service's local port           [9999]
  LC_HUB_AUTHENTICATOR       pam | dummy | <authenticator class> [pam]
  LC_HUB_DUMMY_PASSWORD      shared password for `dummy`        [unset: any password]
  LC_HUB_SPAWNER             local (LocalProcessSpawner) | simple [local]
  LC_HUB_NOTEBOOK_DIR        per-user root, may use {username}  [the user's home]
  LC_HUB_IP / LC_HUB_PORT    public address                     ["" / 8000]
  LC_HUB_HUB_PORT            hub's internal API port            [8081]
  LC_HUB_PROXY_API_PORT      configurable-http-proxy API port   [8001]
  LC_HUB_DATA_DIR            hub state (sqlite, cookie secret)  [/srv/jupyterhub]
  LC_HUB_ADMIN_TOKEN         if set: an `lc-admin` service with this API token
                             and the admin role (automation, tests)
  LC_HUB_PYTHONPATH          extra PYTHONPATH for servers and the service [unset]
                             (the service always gets LC_COURSE_DIR first, for `autograder`)
"""
import os
import re
import shutil
import sys

c = get_config()  # noqa: F821

HERE = os.path.dirname(os.path.abspath(__file__))
USER_CONFIG = os.path.join(HERE, "user-config")
# The single-user servers and the service run the same Python as the hub.
BIN = os.path.dirname(os.path.abspath(sys.executable))


def env(name, default=""):
    return os.environ.get(name, default)


def names(value):
    return [n for n in re.split(r"[\s,]+", value) if n]


COURSE_ID = env("LC_COURSE_ID", "linear-classification")
COURSE_DIR = env("LC_COURSE_DIR", "/srv/nbgrader/" + COURSE_ID)
EXCHANGE = env("NBGRADER_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
SERVICE = env("LC_HUB_SERVICE_NAME", COURSE_ID)
GRADER_USER = env("LC_HUB_GRADER_USER", "grader-" + COURSE_ID)
FORMGRADER_PORT = int(env("LC_HUB_FORMGRADER_PORT", "9999"))
DATA_DIR = env("LC_HUB_DATA_DIR", "/srv/jupyterhub")

INSTRUCTORS = names(env("LC_HUB_INSTRUCTORS", "instructor1"))
STUDENTS = names(env("LC_HUB_STUDENTS", "student1 student2"))
if env("LC_HUB_STUDENTS_FILE"):
    with open(env("LC_HUB_STUDENTS_FILE")) as f:
        STUDENTS += [n for n in names(f.read()) if n not in STUDENTS]
ADMINS = names(env("LC_HUB_ADMINS"))

FORMGRADE_GROUP = "formgrade-" + COURSE_ID   # nbgrader requires these prefixes
STUDENT_GROUP = "nbgrader-" + COURSE_ID

# --- network and state --------------------------------------------------------
c.JupyterHub.ip = env("LC_HUB_IP", "")
c.JupyterHub.port = int(env("LC_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("LC_HUB_HUB_PORT", "8081"))
os.makedirs(DATA_DIR, exist_ok=True)
c.JupyterHub.db_url = "sqlite:///" + os.path.join(DATA_DIR, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(DATA_DIR, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(DATA_DIR, "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = os.path.join(DATA_DIR, "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%s" % env("LC_HUB_PROXY_API_PORT", "8001")
# scripts/ensure_hub.sh links configurable-http-proxy into the venv's bin/
_chp = shutil.which("configurable-http-proxy", path=BIN + os.pathsep + env("PATH"))
if _chp:
    c.ConfigurableHTTPProxy.command = [_chp]

# --- who may log in -------------------------------------------------------------
_auth = env("LC_HUB_AUTHENTICATOR", "pam")
if _auth == "dummy":
    # testing only: everyone in allowed_users logs in with one shared password
    c.JupyterHub.authenticator_class = "dummy"
    if env("LC_HUB_DUMMY_PASSWORD"):
        c.DummyAuthenticator.password = env("LC_HUB_DUMMY_PASSWORD")
else:
    c.JupyterHub.authenticator_class = _auth  # "pam" or e.g. "oauthenticator.GitHubOAuthenticator"
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS + ADMINS)
c.Authenticator.admin_users = set(ADMINS)

# --- groups and roles (nbgrader + JupyterHub >= 4 RBAC) --------------------------
c.JupyterHub.load_groups = {
    FORMGRADE_GROUP: {"users": INSTRUCTORS},
    STUDENT_GROUP: {"users": STUDENTS},
}
c.JupyterHub.load_roles = [
    {
        # instructors: use the formgrader service and find it in the Courses panel
        "name": FORMGRADE_GROUP,
        "groups": [FORMGRADE_GROUP],
        "scopes": [
            "access:services!service=" + SERVICE,
            "list:services",
            "read:services!service=" + SERVICE,
        ],
    },
    {
        # students: may see that the course's service exists, not use it
        "name": STUDENT_GROUP,
        "groups": [STUDENT_GROUP],
        "scopes": [
            "list:services",
            "read:services!service=" + SERVICE,
        ],
    },
    {
        # a single-user server's own token acts with its owner's permissions
        # (nbgrader's course_list extension queries the hub with it)
        "name": "server",
        "scopes": ["inherit"],
    },
]

# --- the formgrader service -------------------------------------------------------
_pythonpath = env("LC_HUB_PYTHONPATH")
_path = os.pathsep.join([BIN, "/usr/local/bin", "/usr/bin", "/bin"])
_service_env = {
    "PATH": _path,
    "JUPYTER_CONFIG_PATH": os.path.join(USER_CONFIG, "formgrader"),
    "NBGRADER_EXCHANGE_ROOT": EXCHANGE,
    "LC_COURSE_ID": COURSE_ID,
    # open JupyterLab; the nbgrader menu / Courses panel opens the formgrader
    "JUPYTERHUB_DEFAULT_URL": "/lab",
}
if env("NBGRADER_DB_URL"):
    _service_env["NBGRADER_DB_URL"] = env("NBGRADER_DB_URL")
# The grading kernels import the course's instructor-only `autograder`
# package (hidden tests) from the course directory, which only the grader
# account can read (chmod 0700); students' servers do not get this path.
_service_env["PYTHONPATH"] = os.pathsep.join([COURSE_DIR] + ([_pythonpath] if _pythonpath else []))

c.JupyterHub.services = [
    {
        "name": SERVICE,
        "url": "http://127.0.0.1:%d" % FORMGRADER_PORT,
        "command": [
            os.path.join(BIN, "jupyterhub-singleuser"),
            "--ServerApp.root_dir=" + COURSE_DIR,
        ],
        "user": GRADER_USER,   # needs the hub to run as root
        "cwd": COURSE_DIR,     # nbgrader reads the course's nbgrader_config.py here
        "environment": _service_env,
        # the service's OAuth tokens carry only the right to use this service
        "oauth_client_allowed_scopes": ["access:services!service=" + SERVICE],
    },
]
if env("LC_HUB_ADMIN_TOKEN"):
    c.JupyterHub.services.append(
        {"name": "lc-admin", "api_token": env("LC_HUB_ADMIN_TOKEN")})
    c.JupyterHub.load_roles.append(
        {"name": "admin", "services": ["lc-admin"]})

# --- single-user servers -----------------------------------------------------------
if env("LC_HUB_SPAWNER", "local") == "simple":
    # every server runs as the hub's own unix user (no filesystem separation!)
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
else:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [os.path.join(BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
if env("LC_HUB_NOTEBOOK_DIR"):
    c.Spawner.notebook_dir = env("LC_HUB_NOTEBOOK_DIR")  # may contain {username}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90


def _role_config(spawner):
    """Instructors and students get different Lab/nbgrader extensions."""
    role = "instructor" if spawner.user.name in INSTRUCTORS else "student"
    return os.path.join(USER_CONFIG, role)


_spawner_env = {
    "PATH": _path,
    "JUPYTER_CONFIG_PATH": _role_config,
    "NBGRADER_EXCHANGE_ROOT": EXCHANGE,
    "LC_COURSE_ID": COURSE_ID,
}
if _pythonpath:
    _spawner_env["PYTHONPATH"] = _pythonpath
c.Spawner.environment = _spawner_env
