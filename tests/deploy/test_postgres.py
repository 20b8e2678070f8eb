"""The nbgrader grading cycle against a real PostgreSQL gradebook
(NBGRADER_DB_URL=postgresql://...), with two graders autograding at once.

A throwaway cluster (Debian's postgresql, via scripts/ensure_postgres.sh) is
initialised in a temp dir and listens on 127.0.0.1 on a random port; it runs
as the `postgres` unix account because initdb refuses root.  Then, in a copy
of the course: generate_assignment, four students' submissions (two right,
two with a mistake), two `nbgrader autograde` processes on different students
started concurrently, `nbgrader export`, and checks that the gradebook is
complete and consistent.  The server is stopped at the end.

Run:  .venv/bin/python -m pytest -m postgres tests/deploy/test_postgres.py
"""
import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import nbformat
import pytest

import _deploy_course as dc

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]

REPO = dc.REPO
VENV_BIN = os.path.dirname(os.path.abspath(sys.executable))
NBGRADER = os.path.join(VENV_BIN, "nbgrader")
PG_USER = os.environ.get("LC_PG_USER", "postgres")
# grader A takes alice*, grader B bob*; *1 answer correctly, *2 make a mistake
STUDENTS = {"alice1": True, "alice2": False, "bob1": True, "bob2": False}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_as_pg(args, **kw):
    if os.geteuid() == 0:
        args = ["runuser", "-u", PG_USER, "--"] + args
    return subprocess.run(args, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def postgres():
    r = subprocess.run([os.path.join(REPO, "scripts", "ensure_postgres.sh")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail("scripts/ensure_postgres.sh failed:\n" + r.stdout + r.stderr)
    pg_bin = [l.split("=", 1)[1] for l in r.stdout.splitlines() if l.startswith("PG_BIN=")][-1]

    base = tempfile.mkdtemp(prefix="lc-pg-")
    os.chmod(base, 0o755)
    pgdata = os.path.join(base, "pgdata")
    sockdir = os.path.join(base, "sock")
    os.makedirs(sockdir)
    password = secrets.token_hex(12)
    pwfile = os.path.join(base, "pwfile")
    with open(pwfile, "w") as f:
        f.write(password + "\n")
    if os.geteuid() == 0:
        subprocess.run(["chown", PG_USER, base, sockdir, pwfile], check=True)
    port = free_port()
    r = run_as_pg([os.path.join(pg_bin, "initdb"), "-D", pgdata, "-U", "grader",
                   "--auth-local=trust", "--auth-host=scram-sha-256",
                   "--pwfile", pwfile, "-E", "UTF8", "--locale=C.UTF-8"])
    assert r.returncode == 0, r.stdout + r.stderr
    os.remove(pwfile)
    logfile = os.path.join(base, "postgres.log")
    r = run_as_pg([os.path.join(pg_bin, "pg_ctl"), "-D", pgdata, "-l", logfile, "-w", "-t", "60",
                   "-o", f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c max_connections=50",
                   "start"])
    try:
        assert r.returncode == 0, r.stdout + r.stderr + open(logfile).read()
        r = run_as_pg([os.path.join(pg_bin, "createdb"), "-h", "127.0.0.1", "-p", str(port),
                       "-U", "grader", "linear_classification"],
                      env={**os.environ, "PGPASSWORD": password})
        assert r.returncode == 0, r.stdout + r.stderr
        r = run_as_pg([os.path.join(pg_bin, "createdb"), "-h", "127.0.0.1", "-p", str(port),
                       "-U", "grader", "linear_classification_shards"],
                      env={**os.environ, "PGPASSWORD": password})
        assert r.returncode == 0, r.stdout + r.stderr
        server = f"postgresql://grader:{password}@127.0.0.1:{port}"
        yield {"url": f"{server}/linear_classification", "shards_url": f"{server}/linear_classification_shards",
               "base": base}
    finally:
        run_as_pg([os.path.join(pg_bin, "pg_ctl"), "-D", pgdata, "-m", "fast", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


def nbgrader(args, course_dir, env, **kw):
    return subprocess.run([NBGRADER] + args, cwd=course_dir, env=env,
                          capture_output=True, text=True, **kw)


def write_submissions(course_dir, a, students):
    """Fill the release with correct (True) or partly wrong (False) answers per student."""
    release = os.path.join(course_dir, "release", a)
    solutions = dc.source_solutions(course_dir, a)
    for student, correct in students.items():
        dest = os.path.join(course_dir, "submitted", student, a)
        os.makedirs(dest)
        for name in os.listdir(release):
            if name.endswith(".ipynb"):
                nb = nbformat.read(os.path.join(release, name), as_version=4)
                nb = dc.fill_notebook(nb, dc.answers_for(a, correct), fallback=solutions.get(name))
                nbformat.write(nb, os.path.join(dest, name))
            else:
                src = os.path.join(release, name)
                (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(dest, name))
        with open(os.path.join(dest, "timestamp.txt"), "w") as f:
            f.write("2026-01-01 12:00:00.000000 UTC")


def test_grading_cycle_on_postgres_with_two_graders(postgres):
    import psycopg2

    course_dir = os.path.join(postgres["base"], "course")
    a = dc.pick_assignment()
    dc.make_course(course_dir, a)
    # nbgrader runs the `alembic` command (from the venv's bin/) for non-sqlite gradebooks
    env = dict(os.environ, NBGRADER_DB_URL=postgres["url"],
               PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    env.pop("JUPYTER_CONFIG_PATH", None)
    if subprocess.run([sys.executable, "-c", "import course, autograder"], cwd="/",
                      capture_output=True).returncode != 0:
        env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")

    r = nbgrader(["generate_assignment", a, "--force"], course_dir, env)
    assert r.returncode == 0, r.stdout + r.stderr

    write_submissions(course_dir, a, STUDENTS)

    # --- two graders at once ----------------------------------------------------------
    t0 = time.time()
    graders = [subprocess.Popen([NBGRADER, "autograde", a, "--student", pattern],
                                cwd=course_dir, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
               for pattern in ("alice*", "bob*")]
    outputs = [p.communicate(timeout=420)[0] for p in graders]
    elapsed = time.time() - t0
    for p, out in zip(graders, outputs):
        assert p.returncode == 0, out[-5000:]
        # gradebook errors only: a kernel's shutdown noise on stderr (ipykernel's
        # "Socket operation on non-socket" traceback) is not the gradebook's business
        for bad in ("IntegrityError", "OperationalError", "database is locked", "| ERROR]"):
            assert bad not in out, out[-5000:]
    assert not os.path.exists(os.path.join(course_dir, "gradebook.db")), "fell back to sqlite"

    # --- export -----------------------------------------------------------------------------
    grades_csv = os.path.join(course_dir, "grades.csv")
    r = nbgrader(["export", "--to", grades_csv], course_dir, env)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(grades_csv) as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == a}
    assert set(rows) == set(STUDENTS), rows

    # --- the gradebook, read back ------------------------------------------------------------
    from nbgrader.api import Gradebook
    with Gradebook(postgres["url"]) as gb:
        assignment = gb.find_assignment(a)
        max_score = assignment.max_score
        max_code = assignment.max_code_score
        n_grade_cells = sum(len(nb.grade_cells) for nb in assignment.notebooks)
        assert max_code > 0 and n_grade_cells > 0
        scores = {}
        for student in STUDENTS:
            sub = gb.find_submission(a, student)
            grades = [g for nb in sub.notebooks for g in nb.grades]
            assert len(grades) == n_grade_cells, (student, len(grades))  # every grade present
            autograded = [g for g in grades if g.auto_score is not None]
            assert autograded, student
            # totals: the submission's score is the sum of its grades
            assert abs(sub.score - sum(g.score for g in grades)) < 1e-9
            assert abs(sub.code_score - sum(g.score for g in grades if g.cell_type == "code")) < 1e-9
            scores[student] = (sub.score, sub.code_score)
    for student, correct in STUDENTS.items():
        score, code = scores[student]
        assert abs(float(rows[student]["score"]) - score) < 1e-6
        assert abs(float(rows[student]["max_score"]) - max_score) < 1e-6
        if correct:
            assert code == max_code, (student, code, max_code)
        else:
            assert code < max_code, (student, code, max_code)
    if a == dc.TINY_ASSIGNMENT:
        assert scores["alice1"][0] == scores["bob1"][0] == dc.TINY_MAX
        assert scores["alice2"][0] == scores["bob2"][0] == dc.TINY_MAX - dc.TINY_POINTS["test_double"]
    assert scores["alice1"] == scores["bob1"] and scores["alice2"] == scores["bob2"]

    # it really is PostgreSQL holding this, with no duplicate rows from the two writers
    with psycopg2.connect(postgres["url"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM student")
        assert cur.fetchone()[0] == len(STUDENTS)
        cur.execute("SELECT count(*) FROM submitted_assignment")
        assert cur.fetchone()[0] == len(STUDENTS)
        cur.execute("SELECT count(*) FROM grade")
        assert cur.fetchone()[0] == len(STUDENTS) * n_grade_cells
    conn.close()
    print(f"two concurrent autograde processes took {elapsed:.1f}s")


def test_trusted_grader_in_two_shards_at_once_on_postgres(postgres):
    """`python -m autograder grade --shard 1/2` and `--shard 2/2` at the same time,
    sharing one PostgreSQL gradebook: everyone graded once, right scores, no duplicates."""
    import psycopg2
    from nbgrader.api import Gradebook

    course_dir = os.path.join(postgres["base"], "course-shards")
    a = dc.pick_assignment()
    dc.make_course(course_dir, a)
    env = dict(os.environ, NBGRADER_DB_URL=postgres["shards_url"],
               PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    env.pop("JUPYTER_CONFIG_PATH", None)
    r = nbgrader(["generate_assignment", a, "--force"], course_dir, env)
    assert r.returncode == 0, r.stdout + r.stderr
    students = {f"{name}{i}": i % 2 == 1 for name in ("ana", "ben", "cho") for i in (1, 2)}
    write_submissions(course_dir, a, students)
    graders = [subprocess.Popen([sys.executable, "-m", "autograder", "grade", a, "--root", course_dir,
                                 "--shard", f"{k}/2", "--jobs", "1", "--quiet", "--csv", "", "--report", ""],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for k in (1, 2)]
    outputs = [p.communicate(timeout=420)[0] for p in graders]
    for p, out in zip(graders, outputs):
        assert p.returncode == 0, out[-5000:]
        for bad in ("IntegrityError", "OperationalError", "Traceback", "locked", "\n  failed "):
            assert bad not in out, out[-5000:]
    graded = sum(int(out.split("graded ")[1].split(",")[0]) for out in outputs)
    assert graded == len(students), outputs
    assert not os.path.exists(os.path.join(course_dir, "gradebook.db")), "fell back to sqlite"
    with Gradebook(postgres["shards_url"]) as gb:
        max_code = gb.find_assignment(a).max_code_score
        for student, correct in students.items():
            code = gb.find_submission(a, student).code_score
            assert (code == max_code) if correct else (code < max_code), (student, code, max_code)
    with psycopg2.connect(postgres["shards_url"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM submitted_assignment")
        assert cur.fetchone()[0] == len(students)
    conn.close()
