"""scripts/student_bundle.py: the bundle students get holds the release
notebooks, the `course` package and a student environment -- and no
solution, no hidden test and no instructor `autograder` code.

Two bundles are checked: one from this repository's release/ (when it has
assignments) and one from a throwaway course whose tiny assignment is
generated with nbgrader here, so the check never depends on what release/
holds today.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib

import nbformat
import pytest

import _deploy_course as dc

REPO = dc.REPO
SCRIPT = os.path.join(REPO, "scripts", "student_bundle.py")
VENV_BIN = os.path.dirname(os.path.abspath(sys.executable))
TEXT_EXT = (".py", ".ipynb", ".md", ".txt", ".toml", ".yml", ".yaml", ".json", ".cfg", ".csv", "")


def build(out, root=REPO, *extra):
    return subprocess.run([sys.executable, SCRIPT, str(out), "--root", str(root), *extra],
                          capture_output=True, text=True)


def bundle_texts(out):
    texts = {}
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            if name.endswith(TEXT_EXT):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    texts[os.path.relpath(path, out)] = f.read()
    return texts


def _between(lines, begin, end):
    out, inside = [], False
    for line in lines:
        s = line.strip()
        if s.startswith(("###", "#")) and begin in s:
            inside = True
            continue
        if s.startswith(("###", "#")) and end in s:
            inside = False
            continue
        if inside:
            out.append(s)
    return out


def secret_lines(source_root, release_root, assignment):
    """Per source cell: the lines of its solution and of its hidden tests that
    the release notebook does not show students.  Returns two lists of lists
    (one list per cell)."""
    solutions, hidden = [], []
    src_dir = os.path.join(source_root, assignment)
    for name in os.listdir(src_dir):
        if not name.endswith(".ipynb"):
            continue
        rel_path = os.path.join(release_root, assignment, name)
        release_text = ""
        if os.path.exists(rel_path):
            release_text = "\n".join("".join(c["source"]) for c in json.load(open(rel_path))["cells"])
        nb = nbformat.read(os.path.join(src_dir, name), as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            lines = cell.source.splitlines()
            if meta.get("solution"):
                if cell.cell_type == "code" or "BEGIN SOLUTION" in cell.source:
                    body = _between(lines, "BEGIN SOLUTION", "END SOLUTION")
                else:  # a markdown answer: the whole cell is the solution
                    body = [l.strip() for l in lines]
                body = [l for l in body if len(l) >= 12 and l not in release_text]
                if body:
                    solutions.append(body)
            body = [l for l in _between(lines, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
                    if len(l) >= 8 and l not in release_text]
            if body:
                hidden.append(body)
    return solutions, hidden


def leaks(cells, texts, assignment):
    """Leaked cells: in the assignment's own notebooks and in the docs any
    secret line counts; elsewhere (the `course` package, other assignments'
    notebooks: ordinary numpy code written without the solutions) a cell
    counts when two of its secret lines -- or its only one -- occur in the
    same file, so that a shared idiom such as `w = np.asarray(w, dtype=float)`
    or `for _ in range(steps):` is not mistaken for a leaked solution."""
    found = []
    for rel, text in texts.items():
        strict = rel.startswith(assignment + os.sep) or rel.endswith((".md", ".txt", ".toml", ".yml"))
        for body in cells:
            hits = [l for l in body if l in text]
            if hits and (strict or len(hits) >= min(2, len(body))):
                found.append((rel, hits[:3]))
    return found


def assert_clean_bundle(out, source_root, release_root, assignments):
    texts = bundle_texts(out)
    # the contents a student needs
    for a in assignments:
        assert any(p.startswith(a + os.sep) and p.endswith(".ipynb") for p in texts), (a, sorted(texts))
    assert os.path.isfile(os.path.join(out, "course", "__init__.py"))
    assert os.path.isfile(os.path.join(out, "course", "data", "auto_mpg.csv"))
    assert os.path.isfile(os.path.join(out, "course", "data", "iris.csv"))
    for f in ("README.md", "pyproject.toml", "requirements.txt", "environment.yml"):
        assert os.path.isfile(os.path.join(out, f)), f

    # nothing of the instructor's
    for dirpath, dirnames, filenames in os.walk(out):
        for d in dirnames:
            assert d not in ("autograder", "source", "submitted", "autograded", "feedback"), \
                os.path.join(dirpath, d)
        for name in filenames:
            assert not name.endswith((".db", ".sqlite")) and name != "nbgrader_config.py", name
            assert not (name.startswith("autograder") and name.endswith(".py")), name
    for rel, text in texts.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{rel} contains {marker!r}"
        assert not re.search(r"^\s*(from|import)\s+autograder\b", text, re.M), f"{rel} imports autograder"
        if rel.endswith(".ipynb"):
            for cell in json.loads(text)["cells"]:
                if cell["cell_type"] == "code":  # prose may say "the autograder"; code may not use it
                    assert not re.search(r"\bautograder\s*\.|\b(from|import)\s+autograder\b",
                                         "".join(cell["source"])), f"{rel}: a code cell uses autograder"

    for a in assignments:
        solutions, hidden = secret_lines(source_root, release_root, a)
        leaked = leaks(solutions, texts, a)
        assert not leaked, f"solution text in the bundle: {leaked[:5]}"
        leaked = leaks(hidden, texts, a)
        assert not leaked, f"hidden test code in the bundle: {leaked[:5]}"

    # the student environment: course package + tools, no instructor packages
    with open(os.path.join(out, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)
    deps = " ".join(project["project"]["dependencies"])
    assert "nbgrader" in deps and "jupyterlab" in deps  # Validate needs nbgrader's Lab extension
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["course*"]
    for f in ("pyproject.toml", "requirements.txt", "environment.yml"):
        text = texts[f]
        for bad in ("autograder", "pytest", "jupyterhub", "psycopg", "playwright"):
            assert bad not in text, (f, bad)
    reqs = [l for l in texts["requirements.txt"].splitlines() if l and not l.startswith("#")]
    assert any(r.startswith("nbgrader") for r in reqs) and any(r.startswith("numpy") for r in reqs)
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml is not None:
        env = yaml.safe_load(texts["environment.yml"])
        assert "nbgrader>=0.9.2" in env["dependencies"]

    # the bundled package is what the notebooks import from the bundle folder
    r = subprocess.run([sys.executable, "-c",
                        "import course, course.data, os; print(os.path.realpath(course.__file__))"],
                       cwd=out, capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert r.returncode == 0, r.stderr
    assert os.path.realpath(r.stdout.strip()).startswith(os.path.realpath(out)), r.stdout


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    """A course root with a generated tiny release and, next to it, copies of
    the repo's `course` and `autograder` packages (the latter must stay out)."""
    root = tmp_path_factory.mktemp("bundle-course")
    dc.make_course(str(root), dc.TINY_ASSIGNMENT)
    shutil.copytree(os.path.join(REPO, "course"), root / "course",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(os.path.join(REPO, "autograder"), root / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    env.pop("NBGRADER_DB_URL", None)
    r = subprocess.run([os.path.join(VENV_BIN, "nbgrader"), "generate_assignment",
                        dc.TINY_ASSIGNMENT, "--force"], cwd=root, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return root


def test_bundle_of_a_generated_assignment(tiny_course, tmp_path):
    out = tmp_path / "bundle"
    r = build(out, tiny_course, "--git")
    assert r.returncode == 0, r.stdout + r.stderr
    assert_clean_bundle(str(out), str(tiny_course / "source"), str(tiny_course / "release"),
                        [dc.TINY_ASSIGNMENT])
    texts = bundle_texts(out)
    all_text = "\n".join(texts.values())
    # the markers planted in the tiny source are really gone, the stubs are there
    for secret in ("SECRET-TINY-SOLUTION-ADD", "SECRET-TINY-SOLUTION-DOUBLE", "SECRET-TINY-HIDDEN"):
        assert secret not in all_text
    nb = json.loads(texts[os.path.join(dc.TINY_ASSIGNMENT, "tiny.ipynb")])
    assert "raise NotImplementedError()" in json.dumps(nb)
    assert "assert add(1, 2) == 3" in json.dumps(nb)  # visible tests stay
    # a publishable git repository with one commit and a clean tree
    log = subprocess.run(["git", "-C", str(out), "log", "--oneline"], capture_output=True, text=True)
    assert log.returncode == 0 and len(log.stdout.splitlines()) == 1, log
    status = subprocess.run(["git", "-C", str(out), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout.strip() == ""
    # rebuilding keeps the repository's history
    r = build(out, tiny_course, "--git")
    assert r.returncode == 0, r.stderr
    assert os.path.isdir(out / ".git")


def test_bundle_of_this_repository(tmp_path):
    release = os.path.join(REPO, "release")
    assignments = sorted(d for d in os.listdir(release) if os.path.isdir(os.path.join(release, d))) \
        if os.path.isdir(release) else []
    if not assignments:
        pytest.skip("release/ has no assignments yet (nbgrader generate_assignment)")
    out = tmp_path / "bundle"
    r = build(out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert_clean_bundle(str(out), os.path.join(REPO, "source"), release, assignments)
    assert_no_graded_computation(out)


def assert_no_graded_computation(out):
    """The explorers and figures students get compute nothing graded (issue 11): the same
    scan as tests/course/test_no_graded_computation.py, on the files of the built bundle,
    and the precomputed curves that replace such code are shipped and installed."""
    from pathlib import Path

    from tests.course.test_no_graded_computation import scan, scan_notebooks

    problems = scan(Path(out)) + scan_notebooks(Path(out))[0]
    assert not problems, "the student bundle computes graded functions:\n" + "\n".join(problems)
    assert os.path.isfile(os.path.join(out, "course", "data", "figures.json"))
    with open(os.path.join(out, "pyproject.toml"), "rb") as f:
        patterns = tomllib.load(f)["tool"]["setuptools"]["package-data"]["course"]
    assert "data/*.json" in patterns, f"figures.json would not be installed: {patterns}"


def test_bundle_refuses_leaks(tiny_course, tmp_path):
    """A release notebook that still holds a solution, or a helper that
    imports the autograder, stops the build; nothing is written."""
    root = tmp_path / "leaky"
    shutil.copytree(tiny_course, root)
    nb_path = root / "release" / dc.TINY_ASSIGNMENT / "tiny.ipynb"
    shutil.copy(root / "source" / dc.TINY_ASSIGNMENT / "tiny.ipynb", nb_path)
    out = tmp_path / "bundle"
    r = build(out, root)
    assert r.returncode == 1 and "BEGIN SOLUTION" in r.stderr, r.stderr
    assert not out.exists()

    shutil.copy(tiny_course / "release" / dc.TINY_ASSIGNMENT / "tiny.ipynb", nb_path)
    with open(root / "course" / "sneaky.py", "w") as f:
        f.write("from autograder import reference\n")
    r = build(out, root)
    assert r.returncode == 1 and "autograder" in r.stderr, r.stderr
    assert not out.exists()
