"""Start a throw-away JupyterLab server for browser tests and benchmarks.

    from tests.browser.lab import copy_release, start_lab, stop_lab   # from the repo root
    copy_release("release", "/tmp/student")
    url, token, proc = start_lab("/tmp/student")
    ...                        # open f"{url}lab/tree/x.ipynb?token={token}"
    stop_lab(proc)

or from a shell: ``.venv/bin/python tests/browser/lab.py /tmp/student``.

The server is isolated from the machine's own Jupyter settings: it gets fresh
config, lab-settings, workspace and runtime folders (under ``state_dir``), so a
developer's ``~/.jupyter`` cannot change what the tests see.  The project's
venv provides the server, the kernel (``python3`` from the venv) and the
extensions: ipywidgets' lab manager and nbgrader's lab extension, whose
"Validate" notebook-toolbar button needs nbgrader's ``validate_assignment``
server extension, which is switched on explicitly here.

The server runs with its working directory set to ``root_dir``: nbgrader's
validate handler reads ``nbgrader_config.py`` from the server's cwd, and a
student's home holds none (the course's own config must not leak in).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def jupyter_executable() -> str:
    """The ``jupyter`` next to the running Python (the venv's), else the repo's venv."""
    candidates = [Path(sys.executable).parent / "jupyter", REPO / ".venv" / "bin" / "jupyter"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("jupyter")
    if found is None:
        raise FileNotFoundError("no `jupyter` executable found (is JupyterLab installed in the venv?)")
    return found


def release_notebooks(release_dir: str | os.PathLike) -> list[str]:
    """``<assignment>/<name>.ipynb`` for every notebook in a release folder, sorted."""
    release_dir = Path(release_dir)
    if not release_dir.is_dir():
        return []
    return sorted(
        path.relative_to(release_dir).as_posix()
        for path in release_dir.glob("*/*.ipynb")
        if not path.parent.name.startswith(".")
    )


def copy_release(release_dir: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Copy every ``<assignment>/`` folder of a release into ``target``, as a student gets them."""
    release_dir, target = Path(release_dir), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for folder in sorted(release_dir.iterdir()) if release_dir.is_dir() else []:
        if folder.is_dir() and not folder.name.startswith("."):
            shutil.copytree(folder, target / folder.name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return target


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Server extensions the tests rely on.  nbgrader's formgrader and exchange
# extensions are left as the environment has them; Validate only needs this one.
SERVER_EXTENSIONS = {
    "jupyterlab": True,
    "jupyter_server_terminals": True,
    "nbgrader.server_extensions.validate_assignment": True,
}

# JupyterLab user settings for a quiet, deterministic UI:
#  * no news / update-check toasts covering the notebook,
#  * no autosave (a test decides when a notebook is written),
#  * every cell rendered in the DOM (no virtual windowing), so waits and
#    queries see the whole notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {
        "autosave": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
    },
}


def _write_state(state_dir: Path) -> dict[str, str]:
    """Create the isolated Jupyter folders; return the environment that selects them."""
    config_dir = state_dir / "config"
    settings_dir = state_dir / "lab-settings"
    workspaces_dir = state_dir / "lab-workspaces"
    runtime_dir = state_dir / "runtime"
    for folder in (config_dir, settings_dir, workspaces_dir, runtime_dir):
        folder.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": SERVER_EXTENSIONS}}, indent=1))
    for name, values in LAB_SETTINGS.items():
        target = settings_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values, indent=1))
    return {
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(workspaces_dir),
        "JUPYTER_RUNTIME_DIR": str(runtime_dir),
        "PYTHONUNBUFFERED": "1",
    }


def wait_for_lab(url: str, token: str, proc: subprocess.Popen | None = None,
                 timeout: float = 90.0, log: Path | None = None) -> None:
    """Block until the server answers its API *and* serves the lab page."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
            raise RuntimeError(f"JupyterLab exited with code {proc.returncode} while starting:\n{tail}")
        try:
            for path in ("api/status", "lab"):
                request = urllib.request.Request(f"{url}{path}",
                                                 headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status != 200:
                        raise RuntimeError(f"{path}: HTTP {response.status}")
            return
        except (OSError, urllib.error.URLError, RuntimeError) as error:
            last_error = error
            time.sleep(0.25)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise TimeoutError(f"JupyterLab did not come up at {url} within {timeout:.0f}s "
                       f"(last error: {last_error}):\n{tail}")


def start_lab(root_dir: str | os.PathLike, port: int | None = None, token: str | None = None,
              state_dir: str | os.PathLike | None = None, log_path: str | os.PathLike | None = None,
              timeout: float = 90.0, extra_args: list[str] | None = None,
              ) -> tuple[str, str, subprocess.Popen]:
    """Start ``jupyter lab`` serving ``root_dir``; return ``(url, token, process)``.

    ``url`` ends with ``/`` (``http://127.0.0.1:PORT/``).  The process is the
    leader of its own process group; stop it with :func:`stop_lab`.  The
    server's log goes to ``log_path`` (default: ``<state_dir>/lab.log``).
    """
    root_dir = Path(root_dir).resolve()
    port = port or free_port()
    token = token or secrets.token_hex(24)
    state = Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="lab-state-"))
    env = {**os.environ, **_write_state(state)}
    # A student's server never runs inside nbgrader (even if these tests do).
    env.pop("NBGRADER_EXECUTION", None)
    log = Path(log_path) if log_path else state / "lab.log"
    args = [
        jupyter_executable(), "lab", "--no-browser",
        "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.open_browser=False",
        # No extension-manager lookups on PyPI.
        "--LabApp.extension_manager=readonly",
        *(extra_args or []),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # containers and CI often run as root
    with open(log, "ab") as log_file:
        proc = subprocess.Popen(args, cwd=root_dir, env=env, stdout=log_file,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    proc.lab_log = log  # type: ignore[attr-defined]  (handy in failure messages)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_lab(url, token, proc, timeout=timeout, log=log)
    except BaseException:
        stop_lab(proc)
        raise
    return url, token, proc


def stop_lab(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop the server and its kernels (its whole process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)
    # Kernels started by the server live in the same process group.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":  # manual use: python tests/browser/lab.py DIR
    directory = sys.argv[1] if len(sys.argv) > 1 else "."
    lab_url, lab_token, lab_proc = start_lab(directory)
    print(f"{lab_url}lab?token={lab_token}  (pid {lab_proc.pid}; Ctrl-C stops)", flush=True)
    try:
        lab_proc.wait()
    except KeyboardInterrupt:
        stop_lab(lab_proc)
