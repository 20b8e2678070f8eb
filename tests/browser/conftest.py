"""Fixtures for the browser tests: a student's folder, JupyterLab, Chromium.

* ``student_dir`` (session): every ``release/<assignment>/`` folder copied into
  a temporary folder, as a student receives them.
* ``lab`` (session): JupyterLab serving that folder (``lab.start_lab``), with
  ipywidgets and nbgrader's Validate button; its log is kept in
  ``test-artifacts/browser/jupyterlab.log``.
* ``browser`` (session): Debian's Chromium driven by Playwright, fresh profile.
* ``page`` (test): a new tab; afterwards its kernels are shut down.

Set ``BROWSER_TEST_RELEASE_DIR`` to test another release folder (the default is
the repository's ``release/``) and ``CHROMIUM`` to use another Chromium.
``scripts/ensure_browser.sh`` installs Chromium and Playwright.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import jlab_ui
from .lab import REPO, copy_release, start_lab, stop_lab

RELEASE_DIR = jlab_ui.RELEASE_DIR
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", jlab_ui.CHROMIUM)


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    proc: object


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def student_dir(tmp_path_factory) -> Path:
    return copy_release(RELEASE_DIR, tmp_path_factory.mktemp("student"))


@pytest.fixture(scope="session")
def lab(student_dir, tmp_path_factory, artifacts) -> Lab:
    log = artifacts / "jupyterlab.log"
    log.unlink(missing_ok=True)
    url, token, proc = start_lab(student_dir, state_dir=tmp_path_factory.mktemp("lab-state"),
                                 log_path=log)
    try:
        yield Lab(url, token, student_dir, proc)
    finally:
        stop_lab(proc)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the `playwright` Python package is missing: run scripts/ensure_browser.sh",
                    pytrace=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure_browser.sh "
                    "(or set CHROMIUM=/path/to/chromium)", pytrace=False)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=jlab_ui.CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, lab, artifacts, request):
    page = browser.new_page()
    page.console_errors = []  # browser console errors, for failure messages
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            try:
                page.screenshot(path=str(artifacts / f"FAILED__{name}.png"), full_page=True)
            except Exception:  # a screenshot must not hide the failure
                pass
        page.close()
        jlab_ui.shutdown_kernels(lab.url, lab.token)
