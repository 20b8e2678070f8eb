"""``python -m autograder grade``: fast, trusted autograding of a whole class.

The pipeline is nbgrader's own, with one stage replaced:

1. **prepare** (nbgrader): ``Autograde``'s sanitizing half, unchanged -- the
   student and submission rows in the gradebook, the timestamp, the source
   files copied over, cleared outputs, deduplicated ids, the kernelspec, the
   locked and test cells restored from the gradebook (also deleted or retyped
   ones: ``OverwriteCells.add_missing_cells``), the metadata checked.  The
   sanitized notebook is written to ``autograded/`` exactly where nbgrader
   writes it.
2. **execute** (ours, in parallel): the sanitized notebook runs in a sandboxed,
   pre-warmed kernel (autograder.sandbox); hidden checks are judged here, in
   this process, against the references (autograder.cases).
3. **finish** (nbgrader's preprocessors, in nbgrader's order): LimitOutput,
   SaveAutoGrades (with the verdict rule below), AssignLatePenalties,
   CheckCellMetadata; the notebook is written back to ``autograded/``.

The order matters: 1 must finish before 2 (the kernel must run the restored
test cells, never the student's copies), and grades are written only in 3, in
this one process, so the gradebook has a single writer however many kernels
run.  A test cell earns its points when it ran without error **and** every
hidden check its (restored) source calls reported back and was judged correct
here.  Output on stderr does not zero a cell; a check that a notebook
silenced, skipped or faked does.

Resumable: a submission whose files have not changed since it was last graded
is skipped (``--force`` regrades); the record of what is done is written after
the gradebook commit, so a grader killed half way regrades only what it had
not finished.
"""
from __future__ import annotations

import concurrent.futures as cf
import copy
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import nbformat

VERSION = "1"
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w.]+)["']""")


@dataclass
class Job:
    assignment: str
    student: str

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass
class Outcome:
    job: Job
    status: str  # graded | failed | skipped
    reason: str = ""
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    exec_seconds: float = 0.0
    restarts: int = 0


# --- the course root and nbgrader -----------------------------------------------
def load_config(root: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def sqlite_without_lock_errors() -> None:
    """Every SQLite connection waits for a lock instead of failing with
    "database is locked", and uses WAL so that readers never block the writer."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(sqlite_without_lock_errors, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _pragmas(dbapi_connection, record):  # pragma: no cover - trivial
        module = type(dbapi_connection).__module__
        if "sqlite" in module:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 600000")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.close()

    sqlite_without_lock_errors.done = True


def quiet_library_warnings() -> None:
    """Keep the instructor's terminal readable: nbgrader's gradebook code trips
    SQLAlchemy's autoflush warnings, and nbformat warns about notebooks saved
    without cell ids (the grader gives every cell an id before writing)."""
    import warnings

    from nbformat.warnings import MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    warnings.filterwarnings("ignore", category=MissingIDFieldWarning)


def fingerprint(folder: Path) -> str:
    """A hash of every file of a submission (names and contents)."""
    h = hashlib.sha256(VERSION.encode())
    for path in sorted(folder.rglob("*")):
        st = path.lstat()  # never follow a link: it may point anywhere, at anything
        if stat.S_ISDIR(st.st_mode):
            continue
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        if stat.S_ISREG(st.st_mode):
            h.update(hashlib.sha256(path.read_bytes()).digest())
        else:
            h.update(f"{st.st_mode:o}:{os.readlink(path) if path.is_symlink() else ''}".encode())
    return h.hexdigest()


def in_shard(student: str, shard: tuple[int, int] | None) -> bool:
    if shard is None:
        return True
    k, n = shard
    return zlib.crc32(student.encode()) % n == k - 1


# --- verdicts -------------------------------------------------------------------
def is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


class Verdicts:
    """The hidden-check requests of one notebook, answered and judged here."""

    def __init__(self):
        self.by_cell: dict[int, dict[str, dict]] = {}
        self._pending: dict[tuple[int, str], object] = {}

    def handle(self, message: dict, cell_index: int) -> dict:
        from . import cases

        op, check_id = message.get("op"), str(message.get("id", ""))
        if op == "check":
            try:
                calls, judge = cases.prepare(check_id)
            except KeyError:
                return {"message": f"unknown hidden check {check_id!r}"}
            self._pending[(cell_index, check_id)] = judge
            return {"calls": calls}
        if op == "results":
            judge = self._pending.pop((cell_index, check_id), None)
            if judge is None:
                verdict = {"ok": False, "message": f"{check_id}: results without a request"}
            else:
                verdict = judge(message.get("outcomes"))
            self.by_cell.setdefault(cell_index, {})[check_id] = verdict
            return verdict
        return {"message": "unknown request"}

    def cell_passes(self, index: int, cell) -> tuple[bool, str]:
        """A test cell passes when it ran without error and all its checks passed here."""
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            return False, ""
        got = self.by_cell.get(index, {})
        for check_id in CHECK_CALL.findall(cell.source):
            verdict = got.get(check_id)
            if verdict is None:
                return False, f"the hidden check {check_id} did not report back to the grader"
            if not verdict.get("ok"):
                return False, verdict.get("message", f"{check_id} failed")
        return True, ""


def apply_verdicts(nb, verdicts: Verdicts) -> dict[str, bool]:
    """Record each test cell's verdict; make the notebook show it.

    A failing test cell without an error output gets one (so that the
    notebook, feedback and plain nbgrader all agree); tracebacks of test
    cells are cut to their last line, so feedback never shows hidden test code.
    """
    passed = {}
    for index, cell in enumerate(nb.cells):
        if not is_test_cell(cell):
            continue
        ok, why = verdicts.cell_passes(index, cell)
        passed[cell.metadata["nbgrader"]["grade_id"]] = ok
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        if not ok and why:
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="AssertionError", evalue=why, traceback=[f"AssertionError: {why}"]))
    return passed


# --- the grader --------------------------------------------------------------------
class Grader:
    def __init__(self, root: Path, *, jobs: int | None = None, force: bool = False,
                 allow_unsandboxed: bool = False, progress: bool = True, executor=None):
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        self.root = Path(root).resolve()
        if not (self.root / "nbgrader_config.py").exists():
            raise SystemExit(f"{self.root} is not a course root (no nbgrader_config.py)")
        self.config = load_config(self.root)
        self.coursedir = CourseDirectory(config=self.config)
        self.coursedir.root = str(self.root)
        self.api = NbGraderAPI(coursedir=self.coursedir, config=self.config)
        self.jobs = jobs or os.cpu_count() or 1
        self.force = force
        self.progress = progress
        self.state_dir = self.root / ".autograder" / "state"
        sqlite_without_lock_errors()
        quiet_library_warnings()
        from . import cases  # noqa: F401  (the references, loaded once, before any kernel asks)
        self._executor = executor
        self._allow_unsandboxed = allow_unsandboxed
        self.refused: dict[str, list] = {}  # job key -> entries of the submission not graded

    # paths
    def submitted(self, job: Job) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.submitted_directory, job.student, job.assignment))

    def autograded(self, job: Job) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.autograded_directory, job.student, job.assignment))

    def state_file(self, job: Job) -> Path:
        return self.state_dir / job.assignment / f"{job.student}.json"

    def find_jobs(self, assignments, students=None, shard=None) -> list[Job]:
        out = []
        base = self.root / self.coursedir.submitted_directory
        for assignment in assignments:
            for folder in sorted(base.glob(f"*/{assignment}")):
                student = folder.parent.name
                if students and student not in students:
                    continue
                if folder.is_dir() and in_shard(student, shard):
                    out.append(Job(assignment, student))
        return out

    def is_done(self, job: Job) -> bool:
        path = self.state_file(job)
        if self.force or not path.exists() or not self.autograded(job).exists():
            return False
        try:
            return json.loads(path.read_text())["fingerprint"] == fingerprint(self.submitted(job))
        except (ValueError, KeyError, OSError):
            return False

    def mark_done(self, job: Job, outcome: Outcome, fp: str) -> None:
        path = self.state_file(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": fp, "status": outcome.status, "reason": outcome.reason,
                                   "score": outcome.score, "graded_at": time.time()}))
        os.replace(tmp, path)  # atomic: a crash leaves the old record or the new one

    # the executor
    def sandbox_config(self):
        from .sandbox import SandboxConfig

        timeout = float(self.config.get("Execute", {}).get("timeout", 60) or 60)
        # The kernel sees only the allowed trees (and the runtime the sandbox
        # adds: shared libraries, fonts, /dev, /tmp, /proc); nothing of the
        # course root is among them.  The hidden paths are covered even inside
        # an allowed tree: this package when it is installed into the Python
        # installation, the course root when it lives there.  The kernel keeps
        # the modules it needs, imported before the view was built.
        homes = {self.root, Path(__file__).resolve().parent.parent}
        hide = [home / d for home in homes for d in (
            "source", "submitted", "autograded", "feedback", "exchange", ".autograder", "tests",
            "build", "gradebook.db", "grades.csv", "reports")]
        hide.append(Path(__file__).resolve().parent)
        db = self.coursedir.db_url
        if db.startswith("sqlite:///"):
            hide.append(Path(db[len("sqlite:///"):]))
        import course

        allow = [Path(sys.prefix), Path(sys.base_prefix), Path(course.__file__).parent]
        import site

        if site.ENABLE_USER_SITE and site.getusersitepackages() in sys.path:
            allow.append(Path(site.getusersitepackages()))  # packages installed with pip --user
        for extra in ("/run/postgresql", "/var/run/postgresql"):  # a local gradebook server's socket
            hide.append(Path(extra))
        # AUTOGRADER_SANDBOX_DISABLE=net_ns,... switches features off: it shows
        # what the grader does on a machine without them (tests use it).
        disable = tuple(f for f in os.environ.get("AUTOGRADER_SANDBOX_DISABLE", "").split(",") if f)
        return SandboxConfig(cell_timeout=timeout, hide=[str(p) for p in hide if p.exists()],
                             allow=[str(p) for p in allow], allow_unsandboxed=self._allow_unsandboxed,
                             disable=disable)

    def executor(self):
        if self._executor is None:
            from .sandbox import Executor

            self._executor = Executor(self.sandbox_config(), jobs=self.jobs)
            features = self._executor.features
            off = sorted(k for k, v in features.items() if not v)
            if off and self.progress:
                print(f"WARNING: grading WITHOUT these sandbox protections: {', '.join(off)}",
                      file=sys.stderr)
        return self._executor

    def features(self) -> dict:
        return self.executor().features

    # stage 1
    def stage(self, job: Job) -> tuple[Path, list]:
        """Copy the submission's regular files and folders to where nbgrader reads them.

        nbgrader's copy runs as root and follows links: it must never see
        the student's folder itself.  Returns the staging base (standing in
        for ``submitted/``) and the refused entries, ``(path, why)``.
        """
        from .sandbox import _tree

        base = self.root / ".autograder" / "staged"
        dest = base / job.student / job.assignment
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, mode=0o700)
        folder = self.root / self.coursedir.submitted_directory
        for part in (job.student, job.assignment):  # neither may be a link (to another student)
            folder = folder / part
            if folder.is_symlink() or not folder.is_dir():
                raise PrepareError(f"{folder} is not a folder but a "
                                   f"{_tree.kind(folder.lstat())}; nothing of it was graded")
        try:
            return base, _tree.copy_plain(str(folder), str(dest))
        except OSError as exc:
            raise PrepareError(f"the submission could not be read: {exc}") from None

    def prepare(self, job: Job) -> tuple[list[Path], str]:
        """nbgrader's sanitizing half; returns the sanitized notebooks and the log.

        Entries of the submission that are not regular files or folders are
        left out (``self.refused[job.key]`` lists them)."""
        from nbgrader.converters import Autograde
        from nbgrader.utils import capture_log, temp_attrs

        from .sandbox import _tree

        self.refused.pop(job.key, None)
        staged, refused = self.stage(job)
        if refused:
            self.refused[job.key] = refused
        try:
            with temp_attrs(self.coursedir, assignment_id=job.assignment, student_id=job.student,
                            submitted_directory=str(staged.relative_to(self.root))):
                app = Autograde(coursedir=self.coursedir, parent=self.api)
                app.autograde_preprocessors = []  # our executor runs the notebook (stage 2)
                app.force = True
                app.create_student = True
                result = capture_log(app)
        finally:
            shutil.rmtree(staged / job.student, ignore_errors=True)
        if not result["success"]:
            reason = _reason(result.get("log", "") + result.get("error", ""))
            if "No notebooks found" in reason or "No notebooks were matched" in reason:
                found = sorted(p.name for p in self.submitted(job).glob("*.ipynb")
                               if p.is_file() and not p.is_symlink())
                reason = (f"no notebook named {job.assignment}.ipynb was submitted"
                          + (f"; found only {', '.join(found)}" if found else ""))
            if refused:
                reason += "; " + _tree.describe(refused)
            raise PrepareError(reason)
        dest = self.autograded(job)
        return sorted(dest.glob("*.ipynb")), result.get("log", "")

    # stage 2
    def execute(self, path: Path):
        nb = nbformat.read(str(path), as_version=4)
        verdicts = Verdicts()
        env = {"NBGRADER_EXECUTION": "autograde"}
        result = self.executor().run(nb, files_dir=path.parent, handler=verdicts.handle, env=env)
        return result, verdicts

    # stage 3
    def finish(self, job: Job, path: Path, result, verdicts: Verdicts) -> None:
        from .finish import finish_notebook

        nb = result.nb
        passed = apply_verdicts(nb, verdicts)
        resources = {"nbgrader": {"student": job.student, "assignment": job.assignment,
                                  "notebook": path.stem, "db_url": self.coursedir.db_url},
                     "autograder": {"passed": passed}}
        for i, cell in enumerate(nb.cells):
            if not cell.get("id"):  # e.g. a test cell restored into a notebook without ids
                cell["id"] = f"cell-{i}"
        nb = finish_notebook(nb, resources, self.config, self.api)
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, str(tmp))
        os.replace(tmp, path)

    def submission_score(self, job: Job) -> tuple[float | None, float | None]:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                sub = gb.find_submission(job.assignment, job.student)
            except MissingEntry:
                return None, None
            return sub.score, sub.max_score

    def run(self, jobs: list[Job]) -> list[Outcome]:
        todo, outcomes = [], []
        for job in jobs:
            if self.is_done(job):
                outcomes.append(Outcome(job, "skipped", "already graded"))
            else:
                todo.append(job)
        bar = _progress(len(todo), self.progress)
        in_flight: dict[cf.Future, tuple[Job, Path, float, str, Outcome]] = {}
        queue_ = list(todo)
        with cf.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="kernel") as pool:
            while queue_ or in_flight:
                # keep every kernel slot busy, with at most 2*jobs notebooks in memory
                while queue_ and len(in_flight) < 2 * self.jobs:
                    job = queue_.pop(0)
                    start = time.perf_counter()
                    fp = fingerprint(self.submitted(job))
                    outcome = Outcome(job, "graded")
                    try:
                        notebooks, _ = self.prepare(job)
                        if job.key in self.refused:
                            from .sandbox._tree import describe

                            outcome.reason = describe(self.refused[job.key])
                    except PrepareError as exc:
                        outcome.status, outcome.reason = "failed", str(exc)
                        outcome.score, outcome.max_score = self.submission_score(job)
                        outcome.seconds = time.perf_counter() - start
                        self.mark_done(job, outcome, fp)
                        outcomes.append(outcome)
                        bar.update(1)
                        continue
                    future = pool.submit(self._execute_all, notebooks)
                    in_flight[future] = (job, notebooks, start, fp, outcome)
                done, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
                for future in done:
                    job, notebooks, start, fp, outcome = in_flight.pop(future)
                    try:
                        for path, (result, verdicts) in zip(notebooks, future.result()):
                            self.finish(job, path, result, verdicts)
                            outcome.exec_seconds += result.exec_seconds
                            outcome.restarts += result.restarts
                        outcome.score, outcome.max_score = self.submission_score(job)
                        self.mark_done(job, outcome, fp)
                    except Exception as exc:  # never stop the batch
                        outcome.status, outcome.reason = "failed", f"{type(exc).__name__}: {exc}"
                    outcome.seconds = time.perf_counter() - start
                    outcomes.append(outcome)
                    bar.update(1)
        bar.close()
        return outcomes

    def _execute_all(self, notebooks: list[Path]):
        return [self.execute(path) for path in notebooks]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()


class PrepareError(RuntimeError):
    """nbgrader could not prepare a submission (for example: not a notebook)."""


_EXCEPTION_LINE = re.compile(r"^\s*(?:[\w]+\.)*(\w+(?:Error|Exception)): (.*)$")


def _reason(log: str) -> str:
    """The exception at the bottom of nbgrader's traceback, in one line."""
    found = [m for m in map(_EXCEPTION_LINE.match, log.splitlines())
             if m and m.group(1) != "NbGraderException"]
    if found:
        name, message = found[-1].groups()
        return f"{name}: {message}"[:200]
    errors = [line for line in log.splitlines() if line.startswith("[ERROR]")]
    return (errors[0][8:] if errors else "nbgrader could not prepare the submission")[:200]


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="nb", desc="grading", disable=not enabled or total == 0,
                file=sys.stderr, dynamic_ncols=True)
