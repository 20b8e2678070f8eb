"""The course on disk: its root, its assignments, running nbgrader in it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def assignments(root: Path = REPO) -> list[str]:
    """Assignments in ``root/source``, in order (each a folder holding NAME/NAME.ipynb)."""
    source = Path(root) / "source"
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").exists())


def nbgrader_env() -> dict:
    """The environment for nbgrader subprocesses: this interpreter's bin first on PATH
    (nbgrader runs ``alembic`` from PATH when it creates a gradebook)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("NBGRADER_EXECUTION", None)
    return env


def nbgrader(*args: str, root: Path, check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course root ``root``."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    return subprocess.run(cmd, cwd=root, env=nbgrader_env(), check=check, text=True,
                          capture_output=quiet)


def new_course_root(dest: Path, repo: Path = REPO) -> Path:
    """A fresh course root at ``dest``: this course's config and source, nothing else."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy2(repo / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(repo / "source", dest / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def generate_release(root: Path, names: list[str] | None = None) -> None:
    """``nbgrader generate_assignment`` for every assignment (writes release/ and the gradebook)."""
    for name in names or assignments(root):
        nbgrader("generate_assignment", name, "--force", root=root)
