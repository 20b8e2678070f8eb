"""What a graded notebook's kernel can read: an allow-list view, nothing of the course root.

Real submissions, graded in one batch by ``python -m autograder grade`` next
to an honest student, in a course root laid out as the hub's admin guide
has it: outside /root, /home and /tmp, with its git history, an LMS export
and the roster in it.  Students hand in links and special files next to
their notebook and try to read the rest of the machine from a cell; a second,
``0700`` checkout of the course (its packages included) must still grade a
correct notebook in full.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import course, demo

from ..conftest import one_assignment_root
from .test_grader import A01, FULL, as_bytes, autograded_nb, outputs_text, source_nb, totals, with_cell

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not sys.platform.startswith("linux"),
                                reason="the sandbox needs root on Linux")

NB = f"{A01}.ipynb"
MARKER = f"view-test-{secrets.token_hex(8)}"  # in the grader's environment, never in a kernel's
SHADOW = Path("/etc/shadow").read_bytes()[:200] if os.path.exists("/etc/shadow") else b""

PROBE = r"""
import json, os, subprocess
ROOT = {root!r}
def read(path):
    try:
        with open(path, "rb") as f:
            return f.read(300).decode("latin-1") or "EMPTY"
    except OSError as e:
        return type(e).__name__
def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError as e:
        return type(e).__name__
found = {{"cwd": sorted(os.listdir(".")), "files": {{}}, "listings": {{}}}}
for name in found["cwd"]:
    if name != {nb!r}:
        found["files"][name] = read(name)
for path in ["/", "/etc", "/home", "/root", "/work", "/srv", ROOT, ROOT + "/.git"]:
    found["listings"][path] = listing(path)
for path in [ROOT + "/canvas-export.zip", ROOT + "/roster.csv", ROOT + "/gradebook.db",
             ROOT + "/source/{a}/{nb}", "/proc/1/environ", "/etc/shadow", "/etc/passwd"]:
    found["files"][path] = read(path)
try:
    git = subprocess.run(["git", "--git-dir", ROOT + "/.git", "show", "HEAD:autograder/reference/a01.py"],
                         capture_output=True, text=True, timeout=30)
    found["git"] = git.stdout[:300] or ("exit %d: " % git.returncode) + git.stderr[:200]
except OSError as e:
    found["git"] = type(e).__name__
found["environ"] = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            if {marker!r}.encode() in open(f"/proc/{{pid}}/environ", "rb").read():
                found["environ"].append(pid)
        except OSError:
            pass
print("PROBE", json.dumps(found))
"""

# The kernel dies right after leaving state behind; the next cell runs in a fresh kernel.
LEAVE_STATE = r"""
import os
for path in ["/tmp/left-behind", "/dev/shm/left-behind", os.path.expanduser("~/left-behind")]:
    with open(path, "w") as f:
        f.write("state")
os._exit(0)
"""
FIND_STATE = r"""
import os
print("STATE", [p for p in ["/tmp/left-behind", "/dev/shm/left-behind", os.path.expanduser("~/left-behind")]
                if os.path.exists(p)])
"""


def _probe_nb(root: Path):
    return with_cell(PROBE.format(root=str(root), nb=NB, a=A01, marker=MARKER))


def _probe(root: Path, student: str) -> dict:
    for cell in autograded_nb(root, student).cells:
        for out in cell.get("outputs", []):
            for line in out.get("text", "").splitlines():
                if line.startswith("PROBE "):
                    return json.loads(line[len("PROBE "):])
    raise AssertionError(f"{student}: the probe printed nothing:\n{outputs_text(autograded_nb(root, student))[-1500:]}")


def _grade(root: Path, cwd: Path | None = None, *args: str) -> subprocess.CompletedProcess:
    env = dict(course.nbgrader_env(), COURSE_SECRET=MARKER)
    if cwd is not None:  # the checkout's own packages, as an instructor runs them from it
        env["PYTHONPATH"] = str(cwd)
    cmd = [sys.executable, "-m", "autograder", "grade", A01, "--root", str(root), "--quiet", "--jobs", "2",
           *args]
    done = subprocess.run(cmd, env=env, cwd=cwd or course.REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _git_history(root: Path) -> None:
    """The course root is the instructor's checkout: its history holds the references."""
    ref = root / "autograder" / "reference"
    ref.mkdir(parents=True)
    shutil.copy(course.REPO / "autograder" / "reference" / "a01.py", ref / "a01.py")
    git = ["git", "-C", str(root), "-c", "user.name=instructor", "-c", "user.email=i@example.org"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "autograder"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "references"], check=True)
    shutil.rmtree(root / "autograder")


@pytest.fixture(scope="module")
def released():
    """Assignment 01 released once, copied into each course root below."""
    base = Path(tempfile.mkdtemp(prefix="view-released-", dir="/srv"))
    try:
        yield one_assignment_root(base / "course", A01)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(released):
    base = Path(tempfile.mkdtemp(prefix="view-course-", dir="/srv"))
    base.chmod(0o755)
    try:
        root = base / "course"
        shutil.copytree(released, root)
        _git_history(root)
        (root / "canvas-export.zip").write_bytes(b"PK\x03\x04 LMS-EXPORT-OF-THE-CLASS")
        (root / "roster.csv").write_text("student,email\nROSTER-ada,ada@example.org\n")
        for p in (root / "canvas-export.zip", root / "roster.csv"):
            p.chmod(0o644)
        honest, probe = as_bytes(source_nb()), as_bytes(_probe_nb(root))
        students = ["honest", "spy", "shadow", "link-source", "link-gradebook", "link-other", "fifo",
                    "linked-notebook", "state"]
        subs = {s: {A01: probe} for s in students}
        subs["honest"] = {A01: honest}
        subs["state"] = {A01: as_bytes(with_cell(LEAVE_STATE, nb=with_cell(FIND_STATE)))}
        demo.write_submissions(root, subs)
        sub = root / "submitted"
        (sub / "shadow" / A01 / "shadow.txt").symlink_to("/etc/shadow")
        (sub / "link-source" / A01 / "solution.ipynb").symlink_to(root / "source" / A01 / NB)
        (sub / "link-gradebook" / A01 / "gb.db").symlink_to(root / "gradebook.db")
        # relative, as a link committed in the student's git repository and cloned here
        (sub / "link-other" / A01 / "friend.ipynb").symlink_to(f"../../honest/{A01}/{NB}")
        os.mkfifo(sub / "fifo" / A01 / "pipe")
        (sub / "linked-notebook" / A01 / NB).unlink()
        (sub / "linked-notebook" / A01 / NB).symlink_to(f"../../honest/{A01}/{NB}")
        (sub / "alias").symlink_to("honest")  # a whole student folder that is another's
        done = _grade(root)
        course.nbgrader("generate_feedback", A01, root=root, check=False)
        yield root, done
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def private_checkout(released):
    """A 0700 checkout of the course outside /root, /home and /tmp, with its own packages."""
    base = Path(tempfile.mkdtemp(prefix="view-private-", dir="/srv"))  # mkdtemp: mode 0700
    try:
        root = base / "checkout"
        shutil.copytree(released, root)
        for package in ("autograder", "course"):
            shutil.copytree(course.REPO / package, root / package,
                            ignore=shutil.ignore_patterns("__pycache__"))
        root.chmod(0o700)
        demo.write_submissions(root, {"honest": {A01: as_bytes(source_nb())}})
        done = _grade(root, root)
        yield root, done
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_links_and_special_files_are_refused_and_the_rest_graded(graded):
    root, done = graded
    got = totals(root)
    for student in ("honest", "spy", "shadow", "link-source", "link-gradebook", "link-other", "fifo", "state"):
        assert got.get(student) == FULL, (student, got, done.stdout)
    for student, name, kind in (("shadow", "shadow.txt", "symbolic link"),
                                ("link-source", "solution.ipynb", "symbolic link"),
                                ("link-gradebook", "gb.db", "symbolic link"),
                                ("link-other", "friend.ipynb", "symbolic link"), ("fifo", "pipe", "fifo")):
        assert re.search(rf"note {student}/{A01}: not copied .*{re.escape(name)} \({kind}\)", done.stdout), \
            (student, done.stdout)
    # a notebook that is itself a link to another student's is not graded as this student's
    assert f"failed linked-notebook/{A01}" in done.stdout and f"{NB} (symbolic link)" in done.stdout
    assert not got.get("linked-notebook")
    assert re.search(r"failed alias/\S+: \S+/submitted/alias is not a folder but a symbolic link", done.stdout)
    assert not got.get("alias"), "another student's notebook is not graded as this student's"
    page = (root / "reports" / "index.html").read_text()
    assert "shadow.txt (symbolic link)" in page and "pipe (fifo)" in page


def test_linked_content_never_reaches_the_kernel(graded):
    root, _ = graded
    for student in ("shadow", "link-source", "link-gradebook", "link-other", "fifo"):
        found = _probe(root, student)
        assert set(found["cwd"]) <= {NB, "timestamp.txt"}, (student, found["cwd"])


def test_linked_content_never_reaches_autograded_or_feedback(graded):
    root, _ = graded
    for top in ("autograded", "feedback"):
        for path in (root / top).rglob("*"):
            assert not path.is_symlink(), path
            assert path.is_dir() or path.suffix in (".ipynb", ".html") or path.name == "timestamp.txt", path
            if path.is_file() and SHADOW:
                assert SHADOW not in path.read_bytes(), path
    assert (root / "feedback" / "shadow" / A01 / f"{A01}.html").exists(), "feedback was generated"


def _inside_view(path: str) -> bool:
    """Is ``path`` part of what the kernel may see: an allowed tree, or a parent folder of one?"""
    import course as course_pkg

    trees = [sys.prefix, sys.base_prefix, str(Path(course_pkg.__file__).parent), "/usr/lib", "/lib",
             "/lib64", "/lib32", "/usr/lib64", "/usr/share/fonts", "/etc/ld.so.cache",
             "/dev", "/proc", "/tmp"]
    trees += [os.path.realpath(t) for t in trees]
    return any(t == path or t.startswith(path.rstrip("/") + "/") or path.startswith(t + "/") for t in trees)


def test_the_kernel_lists_only_its_allow_list(graded):
    root, _ = graded
    listings = _probe(root, "spy")["listings"]
    for folder, entries in listings.items():
        if isinstance(entries, list):
            extra = [e for e in entries if not _inside_view(os.path.join(folder, e))]
            assert not extra, (folder, extra)
    assert listings["/etc"] == ["ld.so.cache"], listings["/etc"]
    assert listings["/home"] == "FileNotFoundError" and listings["/srv"] == "FileNotFoundError"
    assert listings[str(root)] == "FileNotFoundError" and listings[str(root) + "/.git"] == "FileNotFoundError"


def test_the_course_root_files_are_out_of_reach(graded):
    root, _ = graded
    files = _probe(root, "spy")["files"]
    for name in ("canvas-export.zip", "roster.csv", "gradebook.db", f"source/{A01}/{NB}"):
        assert files[f"{root}/{name}"] == "FileNotFoundError", (name, files[f"{root}/{name}"])
    assert files["/etc/shadow"] == files["/etc/passwd"] == "FileNotFoundError"
    text = outputs_text(autograded_nb(root, "spy"))
    for secret in ("LMS-EXPORT", "ROSTER-ada", "root:"):
        assert secret not in text, secret


def test_the_git_history_is_out_of_reach(graded):
    root, _ = graded
    git = _probe(root, "spy")["git"]
    assert "def " not in git and "import" not in git, git


def test_the_graders_environment_is_out_of_reach(graded):
    root, _ = graded
    found = _probe(root, "spy")
    environ = found["files"]["/proc/1/environ"]
    assert environ in ("PermissionError", "EMPTY") or MARKER not in environ, environ
    assert found["environ"] == [], "the grader's environment is visible from the kernel"
    assert MARKER not in outputs_text(autograded_nb(root, "spy"))


def test_no_state_survives_a_kernel(graded):
    root, _ = graded
    text = outputs_text(autograded_nb(root, "state"))
    assert "DeadKernelError" in text, "the first kernel died as the notebook asked"
    assert "STATE []" in text, text[-1500:]


def test_a_0700_checkout_grades_a_correct_notebook_in_full(private_checkout):
    root, done = private_checkout
    assert totals(root) == {"honest": FULL}, done.stdout + done.stderr[-2000:]


def test_copy_plain_keeps_files_and_folders_and_refuses_the_rest(tmp_path):
    import socket

    from autograder.sandbox import _tree

    src, dest = tmp_path / "src", tmp_path / "dest"
    (src / "data" / "deeper").mkdir(parents=True)
    dest.mkdir()
    (src / "notes.txt").write_text("mine")
    (src / "data" / "deeper" / "x.csv").write_text("1,2")
    (src / "abs").symlink_to("/etc/hostname")
    (src / "data" / "rel").symlink_to("../notes.txt")
    (src / "dirlink").symlink_to(src / "data")
    os.mkfifo(src / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "sock"))
    outside = tmp_path / "outside.txt"
    outside.write_text("not the student's")
    os.link(outside, src / "hard.txt")
    try:
        refused = _tree.copy_plain(str(src), str(dest))
    finally:
        sock.close()
    assert dict(refused) == {"abs": "symbolic link", "data/rel": "symbolic link", "dirlink": "symbolic link",
                             "pipe": "fifo", "sock": "socket", "hard.txt": "hard link (the file has other names)"}
    copied = sorted(str(p.relative_to(dest)) for p in dest.rglob("*"))
    assert copied == ["data", "data/deeper", "data/deeper/x.csv", "notes.txt"]
    assert (dest / "notes.txt").read_text() == "mine" and not any(p.is_symlink() for p in dest.rglob("*"))
    assert "abs (symbolic link)" in _tree.describe(refused)
    with pytest.raises(OSError):
        _tree.copy_plain(str(src / "dirlink"), str(dest))  # the top folder itself must not be a link


def test_sandbox_report_says_what_a_kernel_sees():
    done = subprocess.run([sys.executable, "-m", "autograder", "sandbox-report"], capture_output=True, text=True,
                          timeout=120, cwd=course.REPO)
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("a kernel sees only")]
    assert str(course.REPO / "course") in line and os.path.realpath(sys.base_prefix) in line
    assert str(course.REPO) + "," not in line and "/etc," not in line and "/home" not in line
