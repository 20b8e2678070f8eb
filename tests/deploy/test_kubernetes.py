"""Grading on Kubernetes (deploy/kubernetes), proved as far as this machine can.

* The manifests validate offline against the Kubernetes 1.34 schemas
  (kubernetes-validate, strict), and the validator is shown to reject a typo.
* The Indexed Job's pods are run as N local processes with exactly the
  container's command and environment (JOB_COMPLETION_INDEX 0..N-1; only the
  secret and the volume's mount path are substituted), against a real
  PostgreSQL server; one pod is SIGKILLed half way and started again, as the
  Job's per-index retry would.  Every submission is graded once, with the same
  scores as one machine grading the whole class, and the final step's command
  writes grades.csv and the class report.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import _deploy_course as dc
from test_postgres import postgres, write_submissions  # noqa: F401  (the PostgreSQL server fixture)

REPO = Path(dc.REPO)
K8S = REPO / "deploy" / "kubernetes"
K8S_VERSION = "1.34.0"
VENV_BIN = os.path.dirname(os.path.abspath(sys.executable))


def validate(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([os.path.join(VENV_BIN, "kubernetes-validate"), "-k", K8S_VERSION, "--strict",
                           *map(str, paths)], capture_output=True, text=True)


def test_manifests_validate_against_the_pinned_kubernetes_schemas(tmp_path):
    done = validate(*sorted(K8S.glob("*.yaml")))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("passed") == len(list(K8S.glob("*.yaml")))
    broken = tmp_path / "broken.yaml"
    broken.write_text((K8S / "grading-job.yaml").read_text().replace("backoffLimitPerIndex", "backoffLimitPerIndx"))
    assert validate(broken).returncode != 0  # the validator does reject what the API server would


def job_spec():
    return yaml.safe_load((K8S / "grading-job.yaml").read_text())


def test_the_job_is_indexed_retries_a_shard_alone_and_asks_for_what_the_sandbox_needs():
    spec = job_spec()["spec"]
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"] == int(env["SHARDS"])
    assert spec["backoffLimitPerIndex"] >= 1 and spec["podReplacementPolicy"] == "Failed"
    caps = container["securityContext"]["capabilities"]
    assert caps["drop"] == ["ALL"] and {"SYS_ADMIN", "SETUID", "SETGID"} <= set(caps["add"])
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
    assert env["ASSIGNMENTS"].split() == sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir())


def container_command(doc: dict, env: dict) -> list[str]:
    """The container's command with Kubernetes' $(VAR) expansion from its environment."""
    container = doc["spec"]["template"]["spec"]["containers"][0]
    return [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], part) for part in container["command"]]


def container_env(doc: dict, course_root: Path, db_url: str, **extra) -> dict:
    """The container's env as the manifest sets it; the secret and the volume path substituted."""
    env = {"PATH": VENV_BIN + os.pathsep + os.environ["PATH"], "LANG": "C.UTF-8"}
    container = doc["spec"]["template"]["spec"]["containers"][0]
    for e in container["env"]:
        if "valueFrom" in e:
            assert e["valueFrom"]["secretKeyRef"]["name"] == "gradebook"
            env[e["name"]] = db_url
        else:
            env[e["name"]] = e["value"]
    mount = container["volumeMounts"][0]["mountPath"]
    env["COURSE_ROOT"] = env["COURSE_ROOT"].replace(mount, str(course_root))
    env.update(extra)
    return env


def gradebook_scores(db_url: str, assignment: str, students) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return {s: {g.name: g.score for nb in gb.find_submission(assignment, s).notebooks for g in nb.grades}
                for s in students}


@pytest.mark.postgres
@pytest.mark.timeout(900)
def test_indexed_job_pods_as_local_processes_on_postgres(postgres, tmp_path):  # noqa: F811
    import psycopg2

    a = dc.pick_assignment()
    students = {f"s{i:02d}": i % 3 != 0 for i in range(9)}
    course_dir = Path(postgres["base"]) / "course-k8s"
    dc.make_course(str(course_dir), a)
    shutil.copytree(K8S, course_dir / "deploy" / "kubernetes")  # the course volume is the repository
    job = job_spec()
    shards = 3
    base_env = container_env(job, course_dir, postgres["shards_url"].rsplit("/", 1)[0] + "/linear_classification_k8s",
                             SHARDS=str(shards), ASSIGNMENTS=a, GRADER_JOBS="1")
    conn = psycopg2.connect(postgres["shards_url"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE DATABASE linear_classification_k8s")
    conn.close()
    done = subprocess.run([os.path.join(VENV_BIN, "nbgrader"), "generate_assignment", a, "--force"],
                          cwd=course_dir, env={**os.environ, **base_env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    write_submissions(str(course_dir), a, students)

    # one machine, the whole class, its own SQLite gradebook: the reference scores
    single = tmp_path / "single"
    shutil.copytree(course_dir, single, ignore=shutil.ignore_patterns("gradebook.db", ".autograder"))
    env1 = dict(os.environ, PATH=base_env["PATH"])
    env1.pop("NBGRADER_DB_URL", None)
    for cmd in (["nbgrader", "generate_assignment", a, "--force"],):
        assert subprocess.run(cmd, cwd=single, env=env1, capture_output=True).returncode == 0
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", a, "--root", str(single), "--quiet",
                           "--csv", "", "--report", ""], env=env1, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    reference = gradebook_scores(f"sqlite:///{single / 'gradebook.db'}", a, students)

    def pod(index: int) -> subprocess.Popen:
        env = {**base_env, "JOB_COMPLETION_INDEX": str(index)}
        return subprocess.Popen(container_command(job, env), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)

    pods = {i: pod(i) for i in range(shards)}
    # kill pod 1 once it has finished at least one submission (or after 20 s), as a node loss would
    state = course_dir / ".autograder" / "state" / a
    victim_students = [s for s in students if __import__("zlib").crc32(s.encode()) % shards == 1]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any((state / f"{s}.json").exists() for s in victim_students):
        time.sleep(0.2)
    os.killpg(pods[1].pid, signal.SIGKILL)
    pods[1].communicate(timeout=60)
    assert pods[1].returncode == -signal.SIGKILL
    pods[1] = pod(1)  # the Job's retry of index 1 alone
    outputs = {}
    for i, p in pods.items():
        outputs[i] = p.communicate(timeout=600)[0]
        assert p.returncode == 0, outputs[i][-4000:]
        assert f"grading shard {i + 1}/{shards}" in outputs[i]
        for bad in ("IntegrityError", "OperationalError", "Traceback", "\n  failed "):
            assert bad not in outputs[i], outputs[i][-4000:]
    graded = sum(int(re.search(r"graded (\d+),", out).group(1)) for out in outputs.values())
    skipped_after_restart = int(re.search(r"skipped (\d+)", outputs[1]).group(1))
    # every submission graded once: the first run of pod 1 finished `skipped_after_restart`
    # of its students, the restart the rest, the other pods their own
    assert graded + skipped_after_restart == len(students), outputs
    assert gradebook_scores(base_env["NBGRADER_DB_URL"], a, students) == reference
    with psycopg2.connect(base_env["NBGRADER_DB_URL"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM submitted_assignment")
        assert cur.fetchone()[0] == len(students)
    conn.close()

    # the final step: grades.csv and the class report, once
    report = yaml.safe_load((K8S / "report-job.yaml").read_text())
    env = container_env(report, course_dir, base_env["NBGRADER_DB_URL"])
    done = subprocess.run(container_command(report, env), env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(course_dir / "grades.csv") as f:
        assert {row["student"] for row in csv.DictReader(f)} == set(students)
    assert (course_dir / "reports" / "index.html").exists()
