"""A real JupyterHub (deploy/jupyterhub/jupyterhub_config.py) on 127.0.0.1 with
the real configurable-http-proxy, LocalProcessSpawner and real unix accounts
(made by scripts/ensure_hub.sh; needs root), the formgrader as a managed
service, and the whole nbgrader cycle driven through the hub's REST API and
the REST endpoints that nbgrader's Lab panels use:

  instructor: generate + release    (formgrader service  /formgrader/api/...)
  students:   fetch, answer, submit  (own server /assignments/..., /api/contents)
  instructor: collect, autograde, generate + release feedback
  student:    fetch feedback, sees the grade in the feedback HTML

plus the access rules: students cannot use the formgrader service, cannot
read another student's server, cannot list the exchange's inbound directory.

Run:  .venv/bin/python -m pytest -m hub tests/deploy/test_hub.py
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import nbformat
import pytest

import _deploy_course as dc

pytestmark = [pytest.mark.hub, pytest.mark.timeout(600)]

REPO = dc.REPO
VENV_BIN = os.path.dirname(os.path.abspath(sys.executable))
HUB_CONFIG = os.path.join(REPO, "deploy", "jupyterhub", "jupyterhub_config.py")
COURSE = dc.COURSE_ID
SERVICE = COURSE  # nbgrader's Courses panel needs service name == course id
GRADER = "grader-" + COURSE
INSTRUCTOR = "instructor1"
STUDENTS = ["student1", "student2"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    def __init__(self, base):
        self.base = base

    def request(self, method, path, token=None, body=None, form=None, raw=False, timeout=120):
        headers = {}
        data = None
        if token:
            headers["Authorization"] = "token " + token
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif method in ("POST", "PUT"):
            data = b""
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=timeout) as resp:
                status, hdrs, payload = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, payload = e.code, dict(e.headers), e.read()
        if raw:
            return status, hdrs, payload
        try:
            return status, json.loads(payload.decode() or "null")
        except ValueError:
            return status, payload.decode(errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def as_user(user, cmd):
    return subprocess.run(["su", "-s", "/bin/sh", user, "-c", cmd],
                          capture_output=True, text=True)


def our_pids(marker):
    """Processes started by this test's hub (their environment holds our
    unique temp dir)."""
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == os.getpid():
            continue
        try:
            with open(f"/proc/{p}/environ", "rb") as f:
                if marker.encode() in f.read():
                    pids.append(int(p))
        except OSError:
            pass
    return pids


@pytest.fixture(scope="module")
def hub():
    if os.geteuid() != 0:
        pytest.skip("the hub test needs root (LocalProcessSpawner with real unix users)")
    r = subprocess.run([os.path.join(REPO, "scripts", "ensure_hub.sh")],
                       capture_output=True, text=True,
                       env=dict(os.environ, LC_COURSE_ID=COURSE, LC_HUB_GRADER_USER=GRADER,
                                LC_HUB_INSTRUCTORS=INSTRUCTOR, LC_HUB_STUDENTS=" ".join(STUDENTS),
                                LC_HUB_STUDENTS_FILE=""))
    if r.returncode != 0:
        pytest.fail("scripts/ensure_hub.sh failed:\n" + r.stdout + r.stderr)

    base = tempfile.mkdtemp(prefix="lc-hub-")
    os.chmod(base, 0o755)  # the course accounts must traverse it
    assignment = dc.pick_assignment()
    course_dir = os.path.join(base, "course")
    dc.make_course(course_dir, assignment)
    # as in a deployment: the course checkout (with the instructor-only
    # `autograder` package) belongs to the grader account and nobody else
    for pkg in ("course", "autograder"):
        shutil.copytree(os.path.join(REPO, pkg), os.path.join(course_dir, pkg),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run(["chown", "-R", f"{GRADER}:{GRADER}", course_dir], check=True)
    os.chmod(course_dir, 0o700)
    exchange = os.path.join(base, "exchange")
    os.makedirs(exchange)
    os.chmod(exchange, 0o777)  # as nbgrader's docs: everyone may create in the exchange root
    homes = os.path.join(base, "home")
    os.makedirs(homes)
    os.chmod(homes, 0o755)
    for u in [INSTRUCTOR] + STUDENTS:
        d = os.path.join(homes, u)
        os.makedirs(d)
        subprocess.run(["chown", f"{u}:{u}", d], check=True)
        os.chmod(d, 0o700)
    data = os.path.join(base, "hub")
    os.makedirs(data)

    port = free_port()
    admin_token = secrets.token_hex(16)
    env = dict(os.environ)
    env.update({
        "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
        "LC_COURSE_ID": COURSE,
        "LC_COURSE_DIR": course_dir,
        "NBGRADER_EXCHANGE_ROOT": exchange,
        "LC_HUB_INSTRUCTORS": INSTRUCTOR,
        "LC_HUB_STUDENTS": " ".join(STUDENTS),
        "LC_HUB_GRADER_USER": GRADER,
        "LC_HUB_AUTHENTICATOR": "dummy",
        "LC_HUB_DUMMY_PASSWORD": secrets.token_hex(8),
        "LC_HUB_SPAWNER": "local",
        "LC_HUB_NOTEBOOK_DIR": os.path.join(homes, "{username}"),
        "LC_HUB_IP": "127.0.0.1",
        "LC_HUB_PORT": str(port),
        "LC_HUB_HUB_PORT": str(free_port()),
        "LC_HUB_PROXY_API_PORT": str(free_port()),
        "LC_HUB_FORMGRADER_PORT": str(free_port()),
        "LC_HUB_DATA_DIR": data,
        "LC_HUB_ADMIN_TOKEN": admin_token,
    })
    env.pop("NBGRADER_DB_URL", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    # the kernels that run the notebooks must import `course` (and, for
    # autograding the real assignment, `autograder`): use the repo if the venv
    # does not have them installed
    # students' kernels need `course` (installed in the venv in a deployment);
    # the formgrader gets `autograder` from the course directory
    probe = subprocess.run([sys.executable, "-c", "import course"], cwd="/", capture_output=True)
    if probe.returncode != 0:
        shutil.copytree(os.path.join(REPO, "course"), os.path.join(base, "pylib", "course"),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        env["LC_HUB_PYTHONPATH"] = os.path.join(base, "pylib")

    log_path = os.path.join(base, "jupyterhub.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen([os.path.join(VENV_BIN, "jupyterhub"), "-f", HUB_CONFIG],
                            cwd=data, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    http = Http(f"http://127.0.0.1:{port}")
    info = {"http": http, "admin": admin_token, "base": base, "exchange": exchange,
            "course_dir": course_dir, "homes": homes, "assignment": assignment,
            "log": log_path, "proc": proc}
    try:
        deadline = time.time() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError("jupyterhub exited:\n" + open(log_path).read()[-5000:])
            try:
                status, _ = http.request("GET", "/hub/api/users", token=admin_token, timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("hub did not come up:\n" + open(log_path).read()[-5000:])
            time.sleep(0.5)
        yield info
    finally:
        survivors = our_pids(base)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the hub stops servers, service and proxy
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        for pid in survivors:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()
        keep = os.environ.get("LC_KEEP_HUB_DIR")
        if keep:
            print("hub test dir kept at", base)
        else:
            shutil.copy(log_path, os.path.join(tempfile.gettempdir(), "lc-hub-last.log"))
            shutil.rmtree(base, ignore_errors=True)


def user_token(hub, name):
    status, body = hub["http"].request("POST", f"/hub/api/users/{name}/tokens", token=hub["admin"],
                                       body={"note": "test_hub", "expires_in": 3600})
    assert status in (200, 201), (status, body)
    return body["token"]


def start_servers(hub, names):
    http = hub["http"]
    for name in names:
        status, body = http.request("POST", f"/hub/api/users/{name}/server", token=hub["admin"])
        assert status in (201, 202, 400), (name, status, body)  # 400: already running
    deadline = time.time() + 150
    pending = set(names)
    while pending:
        for name in list(pending):
            status, body = http.request("GET", f"/hub/api/users/{name}", token=hub["admin"])
            assert status == 200, body
            server = body.get("servers", {}).get("")
            if server and server.get("ready"):
                pending.discard(name)
        if pending and time.time() > deadline:
            raise AssertionError(f"servers not ready: {pending}\n" + open(hub['log']).read()[-5000:])
        time.sleep(0.5)


def wait_for_service(hub, token):
    deadline = time.time() + 120
    while True:
        status, body = hub["http"].request("GET", f"/services/{SERVICE}/formgrader/api/status",
                                           token=token, timeout=10)
        if status == 200:
            return body
        if time.time() > deadline:
            raise AssertionError(f"formgrader service not reachable ({status}: {str(body)[:300]})\n"
                                 + open(hub['log']).read()[-5000:])
        time.sleep(1)


def ok(result):
    """formgrader / assignment-list endpoints answer {"success": bool, ...}."""
    status, body = result
    assert status == 200, (status, body)
    assert isinstance(body, dict) and body.get("success", False), body
    return body


def test_full_cycle_through_the_hub(hub):
    http = hub["http"]
    a = hub["assignment"]
    fg = f"/services/{SERVICE}/formgrader/api"
    tokens = {u: user_token(hub, u) for u in [INSTRUCTOR] + STUDENTS}
    t_i, t_s1, t_s2 = tokens[INSTRUCTOR], tokens["student1"], tokens["student2"]

    start_servers(hub, [INSTRUCTOR] + STUDENTS)
    wait_for_service(hub, t_i)

    # --- the iframe rule and the Courses panel -----------------------------------
    page = f"/services/{SERVICE}/formgrader"
    for _ in range(3):  # /formgrader redirects to its first page
        status, headers, _ = http.request("GET", page, token=t_i, raw=True)
        headers = {k.lower(): v for k, v in headers.items()}
        if status not in (301, 302):
            break
        page = urllib.parse.urlsplit(headers["location"]).path
    assert status == 200, (status, page, headers)
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'self'" in csp, csp
    status, body = http.request("GET", f"/user/{INSTRUCTOR}/formgraders", token=t_i)
    assert status == 200 and body["success"], body
    assert [c["course_id"] for c in body["value"]] == [COURSE], body
    assert body["value"][0]["url"].rstrip("/").endswith(f"/services/{SERVICE}/lab?formgrader=true")

    # --- students cannot use the formgrader ------------------------------------------
    for path in (f"{fg}/status", f"{fg}/assignments", f"/services/{SERVICE}/api/contents"):
        status, body = http.request("GET", path, token=t_s1)
        assert status in (403, 404), (path, status, body)
    status, body = http.request("POST", f"{fg}/assignment/{a}/release", token=t_s1)
    assert status in (403, 404), (status, body)
    status, body = http.request("GET", "/user/student1/formgraders", token=t_s1)
    assert status == 404 or body["value"] == [], body  # no course links for students
    status, _ = http.request("GET", "/user/student1/formgrader/api/status", token=t_s1)
    assert status == 404, "students' servers must not run a local formgrader"

    # --- instructor: generate and release ----------------------------------------------
    ok(http.request("POST", f"{fg}/assignment/{a}/assign", token=t_i))
    ok(http.request("POST", f"{fg}/assignment/{a}/release", token=t_i))
    status, body = http.request("GET", f"{fg}/assignments", token=t_i)
    assert status == 200
    assert any(x["name"] == a and x["status"] == "released" for x in body), body

    # --- students: list, fetch, answer, submit -----------------------------------------
    fallback = None
    if a not in (dc.TINY_ASSIGNMENT, dc.REAL_ASSIGNMENT):
        fallback = {}
    for student, correct in (("student1", True), ("student2", False)):
        tok = tokens[student]
        body = ok(http.request("GET", f"/user/{student}/assignments?course_id={COURSE}", token=tok))
        assert any(x["assignment_id"] == a and x["status"] == "released" for x in body["value"]), body
        ok(http.request("POST", f"/user/{student}/assignments/fetch", token=tok,
                        form={"assignment_id": a, "course_id": COURSE}))
        status, listing = http.request("GET", f"/user/{student}/api/contents/{a}", token=tok)
        assert status == 200, listing
        notebooks = [x["name"] for x in listing["content"] if x["name"].endswith(".ipynb")]
        assert notebooks, listing
        src_solutions = dc.source_solutions(hub["course_dir"], a)
        for name in notebooks:
            path = f"/user/{student}/api/contents/{a}/{name}"
            status, model = http.request("GET", path + "?content=1", token=tok)
            assert status == 200, model
            text = json.dumps(model["content"])
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
            filled = dc.fill_notebook(model["content"], dc.answers_for(a, correct),
                                      fallback=src_solutions.get(name))
            status, body = http.request("PUT", path, token=tok,
                                        body={"type": "notebook", "format": "json", "content": filled})
            assert status == 200, body
        ok(http.request("POST", f"/user/{student}/assignments/submit", token=tok,
                        form={"assignment_id": a, "course_id": COURSE}))

    # --- separation between students ------------------------------------------------------
    status, _ = http.request("GET", f"/user/student2/api/contents/{a}", token=t_s1)
    assert status in (403, 404), f"student1 read student2's files: {status}"
    status, _ = http.request("GET", "/hub/api/users/student2", token=t_s1)
    assert status in (403, 404)
    inbound = os.path.join(hub["exchange"], COURSE, "inbound")
    submitted = os.listdir(inbound)
    assert any(x.startswith("student1+") for x in submitted) and any(x.startswith("student2+") for x in submitted)
    r = as_user("student1", f"ls {inbound}")
    assert r.returncode != 0 and "Permission denied" in r.stderr, (r.stdout, r.stderr)
    r = as_user("student1", f"ls {os.path.join(hub['homes'], 'student2')}")
    assert r.returncode != 0, r.stdout
    r = as_user("student1", f"ls {hub['course_dir']}")  # source/, gradebook, autograder
    assert r.returncode != 0, r.stdout

    # --- instructor: collect, autograde, feedback -------------------------------------------
    ok(http.request("POST", f"{fg}/assignment/{a}/collect", token=t_i))
    for student in STUDENTS:
        ok(http.request("POST", f"{fg}/submission/{a}/{student}/autograde", token=t_i))
    status, subs = http.request("GET", f"{fg}/submissions/{a}", token=t_i)
    assert status == 200, subs
    subs = {s["student"]: s for s in subs}
    assert set(subs) == set(STUDENTS), subs
    s1, s2 = subs["student1"], subs["student2"]
    assert s1["max_code_score"] > 0
    assert s1["code_score"] == s1["max_code_score"], s1  # a correct solution earns full marks
    assert s2["code_score"] < s2["max_code_score"], s2
    if a == dc.TINY_ASSIGNMENT:
        assert (s1["score"], s1["max_score"]) == (dc.TINY_MAX, dc.TINY_MAX)
        assert s2["score"] == dc.TINY_MAX - dc.TINY_POINTS["test_double"]
    ok(http.request("POST", f"{fg}/assignment/{a}/generate_feedback", token=t_i))
    ok(http.request("POST", f"{fg}/assignment/{a}/release_feedback", token=t_i))

    # --- students: fetch feedback and see their grade -----------------------------------------
    for student in STUDENTS:
        tok = tokens[student]
        ok(http.request("POST", f"/user/{student}/assignments/fetch_feedback", token=tok,
                        form={"assignment_id": a, "course_id": COURSE}))
        status, fb = http.request("GET", f"/user/{student}/api/contents/{a}/feedback", token=tok)
        assert status == 200, fb
        (stamp,) = [urllib.parse.quote(x["name"]) for x in fb["content"] if x["type"] == "directory"]
        status, listing = http.request("GET", f"/user/{student}/api/contents/{a}/feedback/{stamp}", token=tok)
        htmls = [urllib.parse.quote(x["name"]) for x in listing["content"] if x["name"].endswith(".html")]
        assert htmls, listing
        total = 0.0
        for h in htmls:
            status, model = http.request(
                "GET", f"/user/{student}/api/contents/{a}/feedback/{stamp}/{h}?content=1&format=text&type=file",
                token=tok)
            assert status == 200, model
            m = re.search(r"Score:\s*([0-9.]+)\s*/\s*([0-9.]+)", model["content"])
            assert m, model["content"][:2000]
            total += float(m.group(1))
        assert abs(total - subs[student]["score"]) < 1e-6, (student, total, subs[student])

    # a student cannot read another student's feedback through the hub either
    status, _ = http.request("GET", f"/user/student1/api/contents/{a}/feedback", token=t_s2)
    assert status in (403, 404)
