#!/usr/bin/env python3
"""Build the student bundle: everything a student needs, nothing they must not see.

    python scripts/student_bundle.py [OUT] [--root COURSE_ROOT] [--git] [--force]

writes OUT (default: <root>/build/student-bundle) with

    <assignment>/...        the release notebooks (release/*, as nbgrader made them)
    course/                 the helper package, with its data
    pyproject.toml          `pip install -e .` installs `course` and the student tools
    requirements.txt        the same tools for `pip install -r` (no course package)
    environment.yml         conda / repo2docker / Binder
    README.md               for students (how to open, work, validate)
    .gitignore

ready to publish as its own git repository for nbgitpuller (`--git` runs
`git init` and commits the bundle).  Instructor material never goes in: no
source/ (solutions, hidden tests), no autograder package, no gradebook,
submissions or feedback.  Before writing, every file is checked: a release
notebook that still holds a solution or hidden-test marker, or any file that
imports the instructor's `autograder` package, stops the build (exit 1).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What students install: the course's runtime dependencies (pyproject.toml)
# minus instructor tools; nbgrader stays for the Lab extension (Validate).
STUDENT_DEPENDENCIES = [
    "numpy>=1.26",
    "pandas>=2.1",
    "matplotlib>=3.8",
    "ipywidgets>=8.1",
    "jupyterlab>=4.1",
    "nbgrader>=0.9.2",
]
FORBIDDEN_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS",
                     "END HIDDEN TESTS", "BEGIN MARK SCHEME")
AUTOGRADER_IMPORT = re.compile(r"^\s*(from\s+autograder\b|import\s+autograder\b)", re.M)
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints",
                                "*.instructor.md", "feedback", ".DS_Store")


class BundleError(Exception):
    pass


def _project_meta(root):
    """name/version/python from the course's pyproject.toml (best effort)."""
    meta = {"version": "0.1.0", "requires_python": ">=3.10"}
    path = os.path.join(root, "pyproject.toml")
    if os.path.exists(path):
        try:
            import tomllib
            with open(path, "rb") as f:
                project = tomllib.load(f).get("project", {})
            meta["version"] = project.get("version", meta["version"])
            meta["requires_python"] = project.get("requires-python", meta["requires_python"])
        except Exception:  # noqa: BLE001 -- defaults are fine
            pass
    return meta


PYPROJECT = """\
# Student environment for "Classification with linear models".
# `pip install -e .` gives you the `course` helper package the notebooks import
# and the tools to open and check them (JupyterLab, nbgrader's Validate button).
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "linear-classification-student"
version = "{version}"
description = "Classification with linear models: student notebooks and helpers"
readme = "README.md"
requires-python = "{requires_python}"
dependencies = [
{deps}
]

[tool.setuptools.packages.find]
include = ["course*"]

[tool.setuptools.package-data]
course = ["data/*.csv", "data/*.json", "data/README.md"]
"""

ENVIRONMENT = """\
# conda env create -f environment.yml   (also used by Binder / repo2docker)
name: linear-classification-student
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
{deps}
  - pip:
      - -e .
"""

README = """\
# Classification with linear models: your notebooks

This repository holds the assignments of the course and the small `course`
package the notebooks import (data sets, checks, figures, widgets).

{assignments}

## On the course JupyterHub

Click the link your instructor posted (an nbgitpuller link).  It copies this
repository into your home directory the first time and, later, brings in new
assignments **without overwriting your work** (files you changed are kept).
The notebooks import `course` from this folder, so open them from here.

## On your own computer

```bash
git clone <this repository> linear-classification && cd linear-classification
python -m venv .venv && . .venv/bin/activate     # Windows: .venv\\Scripts\\activate
pip install -e .                                 # or: conda env create -f environment.yml
jupyter lab
```

## Working on an assignment

* Write your code where a cell says `# YOUR CODE HERE` and delete the
  `raise NotImplementedError()` line; answer written questions where it
  says `YOUR ANSWER HERE`.
* Do not delete, copy or reorder the cells of the notebook, and do not rename
  the functions: your work is graded by those names.
* Run the test cells below each function: they check shapes and a worked
  example.  Grading runs more tests (other inputs, edge cases,
  numerical stability), so passing the visible tests is necessary, not
  sufficient.
* Before you hand in, restart the kernel and run all cells, or press
  **Validate** in the notebook toolbar (nbgrader's JupyterLab extension).
* Hand in as your instructor says (the Assignments panel on the hub, or the
  course's submission page).
"""

GITIGNORE = """\
.ipynb_checkpoints/
__pycache__/
*.pyc
*.egg-info/
.venv/
"""


def check_text(rel, text, problems):
    if rel.endswith(".ipynb"):
        for marker in FORBIDDEN_MARKERS:
            if marker in text:
                problems.append(f"{rel}: contains '{marker}'")
        try:
            nb = json.loads(text)
        except ValueError:
            problems.append(f"{rel}: not a valid notebook")
            return
        for cell in nb.get("cells", []):
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            if AUTOGRADER_IMPORT.search(src):
                problems.append(f"{rel}: a cell imports the instructor's autograder package")
    elif AUTOGRADER_IMPORT.search(text):
        problems.append(f"{rel}: imports the instructor's autograder package")


def audit(out):
    """Every file of a finished bundle, checked; returns the problems found."""
    problems = []
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for d in dirnames:
            if d in ("autograder", "source", "submitted", "autograded", "feedback"):
                problems.append(f"{os.path.relpath(os.path.join(dirpath, d), out)}/: instructor directory")
        for name in filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, out)
            if name in ("gradebook.db", "nbgrader_config.py") or name.endswith((".db", ".sqlite")):
                problems.append(f"{rel}: instructor file")
                continue
            if name.endswith((".py", ".ipynb", ".md", ".txt", ".toml", ".yml", ".yaml", ".json", ".cfg")):
                with open(path, encoding="utf-8", errors="replace") as f:
                    check_text(rel, f.read(), problems)
    return problems


def build(out, root=REPO, git=False, force=False):
    release = os.path.join(root, "release")
    assignments = sorted(d for d in (os.listdir(release) if os.path.isdir(release) else [])
                         if os.path.isdir(os.path.join(release, d)) and not d.startswith("."))
    if not assignments:
        raise BundleError(f"no assignments in {release}: run `nbgrader generate_assignment <name>` first")
    course_pkg = os.path.join(root, "course")
    if not os.path.isfile(os.path.join(course_pkg, "__init__.py")):
        raise BundleError(f"no course package at {course_pkg}")

    out = os.path.abspath(out)
    if os.path.exists(out):
        if not force and os.listdir(out) and not os.path.exists(os.path.join(out, ".student-bundle")):
            raise BundleError(f"{out} exists and is not a student bundle; use --force to replace it")
    # build next to the destination, audit, then swap in (keeps a .git of a
    # previous build so the published repository's history continues)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".student-bundle-", dir=parent)
    try:
        for a in assignments:
            shutil.copytree(os.path.join(release, a), os.path.join(tmp, a), ignore=IGNORE)
        shutil.copytree(course_pkg, os.path.join(tmp, "course"), ignore=IGNORE)

        meta = _project_meta(root)
        with open(os.path.join(tmp, "pyproject.toml"), "w") as f:
            f.write(PYPROJECT.format(deps="\n".join(f'    "{d}",' for d in STUDENT_DEPENDENCIES), **meta))
        with open(os.path.join(tmp, "requirements.txt"), "w") as f:
            f.write("# pip install -r requirements.txt  (run the notebooks from this folder,\n"
                    "# or `pip install -e .` to install the course package too)\n")
            f.write("\n".join(STUDENT_DEPENDENCIES) + "\n")
        with open(os.path.join(tmp, "environment.yml"), "w") as f:
            f.write(ENVIRONMENT.format(deps="\n".join(f"  - {d}" for d in STUDENT_DEPENDENCIES)))
        listing = "Assignments:\n\n" + "\n".join(
            f"* `{a}/`: " + ", ".join(f"`{n}`" for n in sorted(os.listdir(os.path.join(tmp, a)))
                                      if n.endswith(".ipynb"))
            for a in assignments)
        with open(os.path.join(tmp, "README.md"), "w") as f:
            f.write(README.format(assignments=listing))
        with open(os.path.join(tmp, ".gitignore"), "w") as f:
            f.write(GITIGNORE)
        with open(os.path.join(tmp, ".student-bundle"), "w") as f:
            f.write("built by scripts/student_bundle.py\n")

        problems = audit(tmp)
        if problems:
            raise BundleError("refusing to publish the bundle:\n  " + "\n  ".join(problems))

        old_git = os.path.join(out, ".git")
        if os.path.isdir(old_git):
            shutil.move(old_git, os.path.join(tmp, ".git"))
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    if git:
        _git(out)
    return out, assignments


def _git(out):
    def run(*args):
        return subprocess.run(["git", "-C", out, *args], check=True, capture_output=True, text=True)
    if not os.path.isdir(os.path.join(out, ".git")):
        run("init", "-q", "-b", "main")
    run("add", "-A")
    if run("status", "--porcelain").stdout.strip():
        run("-c", "user.name=course", "-c", "user.email=course@localhost",
            "commit", "-q", "-m", "Update student bundle")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", nargs="?", help="output directory (default: <root>/build/student-bundle)")
    p.add_argument("--root", default=REPO, help="course root holding release/ and course/ (default: this repo)")
    p.add_argument("--git", action="store_true", help="git init (if needed) and commit the bundle")
    p.add_argument("--force", action="store_true", help="replace OUT even if it is not a previous bundle")
    args = p.parse_args(argv)
    out = args.out or os.path.join(args.root, "build", "student-bundle")
    try:
        out, assignments = build(out, root=args.root, git=args.git, force=args.force)
    except BundleError as e:
        print(f"student_bundle: error: {e}", file=sys.stderr)
        return 1
    print(f"student bundle written to {out} ({', '.join(assignments)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
