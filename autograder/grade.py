"""``python -m autograder grade``: fast, trusted autograding of a whole class.

The pipeline is nbgrader's own, with one stage replaced:

1. **prepare** (nbgrader): ``Autograde``'s sanitizing half, unchanged -- the
   student and submission rows in the gradebook, the timestamp, the source
   files copied over, cleared outputs, deduplicated ids, the kernelspec, the
   locked and test cells restored from the gradebook (also deleted or retyped
   ones: ``OverwriteCells.add_missing_cells``), the metadata checked.  The
   sanitized notebook is written to ``autograded/`` exactly where nbgrader
   writes it.
2. **execute** (ours, in parallel): the sanitized notebook runs, without the
   hidden parts of its test cells, in a sandboxed, pre-warmed kernel
   (autograder.sandbox); the hidden checks run in a separate check kernel on
   the solution cells only and are judged here, in this process, against the
   references (autograder.cases, autograder.checkrun).
3. **finish** (nbgrader's preprocessors, in nbgrader's order): LimitOutput,
   SaveAutoGrades (with the verdict rule below), AssignLatePenalties,
   CheckCellMetadata; the notebook is written back to ``autograded/``.

The order matters: 1 must finish before 2 (the kernel must run the restored
test cells, never the student's copies), and grades are written only in 3, in
this one process, so the gradebook has a single writer however many kernels
run.  A test cell earns its points when its visible part ran without error
**and** every hidden check its (restored) source calls reported back from the
check kernel and was judged correct here; its outputs become the grader's
words only.  Output on stderr does not zero a cell; a check that never
reported back does.

Resumable: a submission whose files have not changed since it was last graded
is skipped (``--force`` regrades); the record of what is done is written after
the gradebook commit, so a grader killed half way regrades only what it had
not finished.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import copy
import gc
import hashlib
import functools
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

VERSION = "2"  # 2: hidden checks in their own kernel, test cell outputs the grader's only


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
    #: CPU seconds of the notebook's cells and of the check kernels' cells, as the kernels
    #: report them: what the benchmark calls the student's code (never used for grading)
    cell_cpu_seconds: float = 0.0
    check_cpu_seconds: float = 0.0


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


#: contents hashed per file; past this, a file's size and mtime stand for the rest
FINGERPRINT_BYTES = 64 << 20


def fingerprint(folder: Path) -> str:
    """A hash of every entry of a submission (names and contents).

    Whatever a student put there must not stop the batch: names are hashed
    as bytes (``notes-\\xff.txt`` is a legal name), nothing is followed
    (a symlink is hashed by its target's text, so ``/proc/self/mem`` is never
    read), only regular files are opened, in chunks, and at most
    ``FINGERPRINT_BYTES`` of each (a 100 GiB sparse file costs no more).
    Plain submissions hash as before, so an upgrade regrades nothing.
    """
    h = hashlib.sha256(VERSION.encode())
    for rel, st in _entries(os.fsencode(folder)):
        path = os.path.join(os.fsencode(folder), rel)
        if stat.S_ISREG(st.st_mode):
            h.update(rel + b"\0")
            h.update(_file_digest(path, st))
        elif stat.S_ISLNK(st.st_mode):
            h.update(rel + b"\0symlink\0" + os.readlink(path) + b"\0")
        elif not stat.S_ISDIR(st.st_mode):
            h.update(rel + b"\0%o\0" % stat.S_IFMT(st.st_mode))
    return h.hexdigest()


def _entries(root: bytes) -> list[tuple[bytes, os.stat_result]]:
    """(relative path, lstat) of everything below ``root``, in a stable order."""
    out, stack = [], [b""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(root, rel) if rel else root) as it:
            for entry in it:
                sub = os.path.join(rel, entry.name) if rel else entry.name
                st = entry.stat(follow_symlinks=False)
                out.append((sub, st))
                if stat.S_ISDIR(st.st_mode):
                    stack.append(sub)
    return sorted(out, key=lambda e: e[0].split(b"/"))


def _file_digest(path: bytes, st: os.stat_result) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the lstat
            return hashlib.sha256(b"not a regular file").digest()
        h, left = hashlib.sha256(), FINGERPRINT_BYTES
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
        if st.st_size > FINGERPRINT_BYTES:
            h.update(b"\0size=%d mtime=%d" % (st.st_size, st.st_mtime_ns))
        return h.digest()
    finally:
        os.close(fd)


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
    """What the grader itself observed of one notebook (autograder.checkrun).

    ``visible``: test cell index -> "" when its visible part ran without error
    in the notebook kernel, else a grader-written reason.  ``hidden``: check
    id -> verdict judged here on the check kernel's outcomes.  ``looks``: the
    "needs a look" findings (autograder.lookout).
    """

    def __init__(self):
        self.visible: dict[int, str] = {}
        self.hidden: dict[str, dict] = {}
        self.looks: list[str] = []
        self.check_cpu_seconds = 0.0  # benchmarks only

    def cell_passes(self, index: int, cell) -> tuple[bool, list[str]]:
        """A test cell passes when its visible part ran clean and every hidden check of its
        restored source passed here; the reasons are all grader-written."""
        from .checkrun import check_ids

        reasons = []
        visible = self.visible.get(index, "this test cell was not run")
        if visible:
            reasons.append(visible)
        for check_id in check_ids(cell.source):
            verdict = self.hidden.get(check_id)
            if verdict is None:
                reasons.append(f"the hidden check {check_id} did not report back to the grader")
            elif not verdict.get("ok"):
                reasons.append(verdict.get("message") or f"{check_id} failed")
        return not reasons, reasons


_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,60}$")


def visible_reason(run, cell, timeout: float | None) -> str:
    """Why the visible part of a test cell failed, in the grader's words ("" if it did not).

    Nothing the kernel printed is copied: only the exception's type name, when
    it is a plain identifier, and what the executor itself knows (timeout, death).
    """
    if run.status in ("ok", "skipped"):
        return ""
    if run.status == "timeout":
        limit = f" of {timeout:g} s" if timeout else ""
        return f"this test cell did not finish within the time limit{limit}"
    if run.status == "died":
        return "the kernel died while running this test cell"
    if run.status == "not_run":
        return "this test cell was not run (the kernel died or timed out too often before it)"
    names = [str(o.get("ename", "")) for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    name = names[-1] if names and _PLAIN_NAME.match(names[-1]) else "an error"
    return (f"the visible checks of this test cell failed ({name}); run the cell in your notebook "
            "to see their message")


def apply_verdicts(nb, verdicts: Verdicts) -> dict[str, bool]:
    """Record each test cell's verdict; its outputs become the grader's words only.

    Whatever the notebook kernel put into a test cell's outputs (prints, an
    event hook's text, tracebacks) is dropped: a failing cell gets one error
    output per reason, a passing one none, so the autograded notebook,
    feedback and plain nbgrader all agree and nothing else reaches them.
    """
    passed = {}
    for index, cell in enumerate(nb.cells):
        if not is_test_cell(cell):
            continue
        ok, reasons = verdicts.cell_passes(index, cell)
        passed[cell.metadata["nbgrader"]["grade_id"]] = ok
        cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue=why,
                                               traceback=[f"AssertionError: {why}"]) for why in reasons]
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
        from .gradebooks import Engines, reusing

        self._engines = Engines()  # one engine per gradebook for the whole run (autograder.gradebooks)
        self._Gradebook = reusing(self._engines)
        self.refused: dict[str, list] = {}  # job key -> entries of the submission not graded
        # where each notebook's check kernel runs, beside its notebook kernel (execute); the
        # threads start when first used and end with close()
        self._checks_pool = cf.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="checks")

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

    def forbidden_packages(self, assignment: str | None = None):
        """The integrity setting (nbgrader_config.py): packages the graded cells may not use,
        for one assignment, or {assignment or "default": packages} for all."""
        table = dict(self.config.get("CourseIntegrity", {}).get("forbidden_packages", {}) or {})
        table.setdefault("default", ["scipy", "sklearn"])
        if assignment is None:
            return {k: list(v) for k, v in table.items()}
        return list(table.get(assignment, table["default"]))

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
        # The course's integrity setting: one sandbox serves every assignment, so
        # it hides every package that some assignment forbids.
        from course.integrity import package_dirs

        hide.extend(Path(p) for p in package_dirs(sorted(set().union(*self.forbidden_packages().values()))))
        # AUTOGRADER_SANDBOX_DISABLE=net_ns,... switches features off: it shows
        # what the grader does on a machine without them (tests use it).
        disable = tuple(f for f in os.environ.get("AUTOGRADER_SANDBOX_DISABLE", "").split(",") if f)
        return SandboxConfig(cell_timeout=timeout, hide=[str(p) for p in hide if p.exists()],
                             allow=[str(p) for p in allow], allow_unsandboxed=self._allow_unsandboxed,
                             disable=disable, **self.budgets())

    def budgets(self) -> dict:
        """The ``c.Autograder.*`` limits of nbgrader_config.py, as SandboxConfig fields."""
        section = self.config.get("Autograder", {})
        out = {}
        for key, kind in (("notebook_timeout", float), ("memory_bytes", int), ("max_output_bytes", int),
                          ("max_notebook_output_bytes", int), ("uid_lock_dir", str)):
            if key in section:
                try:
                    out[key] = kind(section[key])
                except (TypeError, ValueError):
                    raise SystemExit(f"nbgrader_config.py: c.Autograder.{key} must be a {kind.__name__}, "
                                     f"not {section[key]!r}") from None
        return out

    def executor(self):
        if self._executor is None:
            from .sandbox import Executor

            # two kernels per slot: a notebook's own and its check kernel run at once (execute)
            self._executor = Executor(self.sandbox_config(), jobs=2 * self.jobs)
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
            return base, _tree.copy_plain(str(folder), str(dest),
                                          max_bytes=int(self.coursedir.max_file_size) * 1000)
        except OSError as exc:
            raise PrepareError(f"the submission could not be read: {exc}") from None

    def prepare(self, job: Job) -> tuple[list[Path], str]:
        """nbgrader's sanitizing half; returns the sanitized notebooks and the log.

        Entries of the submission that are not regular files or folders are
        left out (``self.refused[job.key]`` lists them)."""
        from nbgrader.utils import capture_log, temp_attrs

        from .sandbox import _tree

        self.refused.pop(job.key, None)
        staged, refused = self.stage(job)
        if refused:
            self.refused[job.key] = refused
        try:
            with temp_attrs(self.coursedir, assignment_id=job.assignment, student_id=job.student,
                            submitted_directory=str(staged.relative_to(self.root))):
                app = _sanitizing_autograde()(coursedir=self.coursedir, parent=self.api)
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
        from . import checkrun, lookout

        nb = _read_sanitized(path)
        verdicts = Verdicts()
        env = {"NBGRADER_EXECUTION": "autograde",
               # read by course.integrity: a forbidden import explains itself in the kernel
               "COURSE_FORBIDDEN_PACKAGES": ",".join(self.forbidden_packages(path.parent.name))}
        timeout = getattr(getattr(self.executor(), "cfg", None), "cell_timeout", None)
        source_path = self.source_notebook(path)
        info = checkrun.source_info(source_path)
        if not source_path.exists():  # a grading machine without source/: nbgrader's restored metadata
            info = checkrun.SourceInfo(solution_ids=[
                c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                and not c.metadata["nbgrader"].get("grade")])
        # The hidden checks' ids come from the restored test cells, and the check kernel runs
        # the solution cells alone: it needs nothing from the notebook kernel, so the two run
        # at the same time (one more thread per slot; the executor has a uid for each).
        ids = [cid for cell in nb.cells if is_test_cell(cell) for cid in checkrun.check_ids(cell.source)]
        cpu: list = []
        checks = self._checks_pool.submit(self.hidden_checks, nb, info, list(dict.fromkeys(ids)), env,
                                          timeout, cpu=cpu) if ids else None
        try:
            result = self.executor().run(checkrun.notebook_without_hidden_tests(nb), files_dir=path.parent,
                                         handler=checkrun.refuse, env=env, copy=False)
        finally:
            hidden = checks.result() if checks is not None else {}
        for ran, restored in zip(result.nb.cells, nb.cells):
            ran.source = restored.source  # the autograded notebook keeps the restored test cells
        for index, cell in enumerate(result.nb.cells):
            if is_test_cell(cell):
                verdicts.visible[index] = visible_reason(result.cells[index], cell, timeout)
        verdicts.hidden = hidden
        verdicts.check_cpu_seconds = sum(cpu)
        verdicts.looks = lookout.scan_notebook(nb, view=checkrun.instructor_view(source_path))
        return result, verdicts

    def source_notebook(self, path: Path) -> Path:
        """The instructor's notebook of an autograded one (…/<assignment>/<notebook>.ipynb)."""
        folder = self.coursedir.format_path(self.coursedir.source_directory, ".", path.parent.name)
        return Path(folder) / path.name

    def hidden_checks(self, nb, info, ids: list[str], env: dict, timeout, cpu: list | None = None) -> dict[str, dict]:
        """Every hidden check of a notebook, run in fresh check kernels (autograder.checkrun).

        One kernel runs them all in turn; when one hangs or kills its kernel, it
        fails with that reason and the rest go on in a fresh kernel.
        """
        from . import cases, checkrun

        verdicts: dict[str, dict] = {}
        todo, without, dropped = list(ids), set(), {}
        solutions = [gid for gid, _ in checkrun.solution_sources(nb, info.solution_ids)]
        for _ in range(len(ids) + len(solutions)):
            session = checkrun.CheckSession(todo)
            run = self.executor().run(checkrun.check_notebook(nb, info, frozenset(without)),
                                      handler=session.handle, env=env, copy=False)
            if cpu is not None:
                cpu.append(run.cpu_seconds)
            verdicts.update(session.verdicts)
            todo = session.unjudged()
            status = run.cells[checkrun.HARNESS_INDEX].status
            if not todo or not session.planned or status not in ("timeout", "died"):
                break
            what = "did not finish within " + (f"{timeout:g} s" if timeout else "its time limit") \
                if status == "timeout" else "ended the kernel"
            if not session.ready:
                # a solution cell itself hangs or ends the process: grade the others without it
                left = [gid for gid in solutions if gid not in without]
                if session.executing is None or not 0 <= session.executing < len(left):
                    break
                without.add(left[session.executing])
                dropped[left[session.executing]] = what
                continue
            stuck = todo.pop(0)
            name = cases.REGISTRY[stuck].function
            if status == "timeout":
                why = f"{name}: the hidden check {stuck} {what} (an endless loop, or far too slow)"
            else:
                why = f"{name}: the hidden check {stuck} {what} (too much memory, or the process ended)"
            verdicts[stuck] = {"ok": False, "message": why}
            if not todo:
                break
        for cid, verdict in verdicts.items():
            name = cases.REGISTRY[cid].function if cid in cases.REGISTRY else None
            if name in dropped and not verdict.get("ok"):
                verdict["message"] = (f"{name}: its solution cell {dropped[name]} when the grader ran it, "
                                      "so its hidden checks could not run")
        return verdicts

    # stage 3
    def finish(self, job: Job, path: Path, result, verdicts: Verdicts) -> None:
        from .finish import finish_notebook

        from .lookout import note_cell

        # A fresh cell list: a second attempt (_retry_if_locked) must not add the note twice;
        # what the steps below do to the cells themselves gives the same cells when repeated.
        nb = copy.copy(result.nb)
        nb.cells = list(result.nb.cells)
        passed = apply_verdicts(nb, verdicts)
        if verdicts.looks:
            nb.cells.insert(0, note_cell(verdicts.looks))
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
        from nbgrader.api import MissingEntry

        with self._Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                sub = gb.find_submission(job.assignment, job.student)
            except MissingEntry:
                return None, None
            return sub.score, sub.max_score

    def run(self, jobs: list[Job]) -> list[Outcome]:
        from .gradebooks import reused_engines
        from .schemas import cached_validators

        with reused_engines(self._engines), cached_validators(), _startup_heap_frozen():
            return self._run(jobs)

    def _run(self, jobs: list[Job]) -> list[Outcome]:
        todo, outcomes = [], []
        for job in jobs:
            try:
                done = self.is_done(job)
            except Exception:  # whatever is in the folder, it is graded (or reported) below
                done = False
            if done:
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
                    outcome = Outcome(job, "graded")
                    try:  # one submission's files, however odd, never stop the batch
                        fp = fingerprint(self.submitted(job))
                        notebooks, _ = _retry_if_locked(self.prepare, job)
                        if job.key in self.refused:
                            from .sandbox._tree import describe

                            outcome.reason = describe(self.refused[job.key])
                    except Exception as exc:
                        known = isinstance(exc, PrepareError)
                        outcome.status = "failed"
                        outcome.reason = str(exc) if known else f"could not prepare: {type(exc).__name__}: {exc}"
                        try:
                            outcome.score, outcome.max_score = self.submission_score(job)
                            if known:  # the same files fail the same way: not retried until they change
                                self.mark_done(job, outcome, fp)
                        except Exception:
                            pass
                        outcome.seconds = time.perf_counter() - start
                        outcomes.append(outcome)
                        bar.update(1)
                        continue
                    future = pool.submit(self._execute_all, notebooks)
                    in_flight[future] = (job, notebooks, start, fp, outcome)
                done, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
                for future in done:
                    job, notebooks, start, fp, outcome = in_flight.pop(future)
                    try:
                        notes = [outcome.reason] if outcome.reason else []  # entries not copied
                        for path, (result, verdicts) in zip(notebooks, future.result()):
                            _retry_if_locked(self.finish, job, path, result, verdicts)
                            outcome.exec_seconds += result.exec_seconds
                            outcome.cell_cpu_seconds += result.cpu_seconds
                            outcome.check_cpu_seconds += verdicts.check_cpu_seconds
                            outcome.restarts += result.restarts
                            if result.stopped:
                                notes.append(f"{path.name}: {result.stopped}")
                        outcome.reason = "; ".join(notes)
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
        self._checks_pool.shutdown()
        self._engines.dispose()
        if self._executor is not None:
            self._executor.close()


@contextlib.contextmanager
def _startup_heap_frozen():
    """The objects alive when a run starts (modules, nbgrader, SQLAlchemy, the references:
    about 250,000) are left out of the garbage collector's full passes while it lasts.

    Each full pass walks every object of the process, and a notebook allocates enough to
    set one off every few dozen notebooks; freezing the start-up heap makes each pass walk
    only what the run itself made.  Reference counting still frees those objects; only
    cycles among them wait for the run's end, when they are handed back to the collector.
    A run inside a run leaves the outer one's freeze as it is.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@functools.cache
def _sanitizing_autograde():
    """nbgrader's ``Autograde`` converter doing its sanitizing half only.

    Its second half, with no preprocessors left (stage 2 and 3 are ours), would
    only read the sanitized notebook back and write the same bytes again."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import BaseConverter

    from nbconvert.exporters import NotebookExporter

    class SanitizingExporter(NotebookExporter):
        # nbconvert's own switch: the notebook is validated once, after the last of the five
        # sanitizing preprocessors (and raises there if invalid), not after each one
        optimistic_validation = True

    class SanitizingAutograde(Autograde):
        exporter_class = SanitizingExporter

        def convert_single_notebook(self, notebook_filename: str) -> None:
            self.log.info("Sanitizing %s", notebook_filename)
            self._sanitizing = True
            self._init_preprocessors()
            BaseConverter.convert_single_notebook(self, notebook_filename)

    return SanitizingAutograde


def _read_sanitized(path: Path):
    """A notebook nbgrader's sanitizing step has just written (and validated, in its
    exporter): parsed without validating it a second time."""
    from nbformat.v4.nbjson import JSONReader

    text = path.read_text(encoding="utf-8")
    nb = JSONReader().reads(text)  # what nbformat.read does for a v4 notebook, minus the validation
    return nb if nb.get("nbformat") == 4 else nbformat.reads(text, as_version=4)


def _is_locked(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if "database is locked" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _retry_if_locked(step, *args, attempts: int = 6):
    """``step(*args)``, again after a pause when SQLite said "database is locked".

    Two graders on one SQLite gradebook (``--shard`` on one machine) wait for
    each other's writes (busy_timeout), but SQLite returns that error at once,
    without waiting, where waiting could deadlock; its advice is to roll back
    and start the transaction again.  Both steps can be: ``prepare`` is
    nbgrader's create-or-update, and ``finish`` writes a notebook's grades in
    one transaction, which the failed attempt rolled back."""
    for attempt in range(attempts):
        try:
            return step(*args)
        except Exception as exc:
            if attempt == attempts - 1 or not _is_locked(exc):
                raise
            time.sleep(0.1 * 2 ** attempt)


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
