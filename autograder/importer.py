"""``python -m autograder import``: an LMS export (a zip of notebooks) into ``submitted/``.

Each notebook of the zip that can be attributed to a student is written to
``submitted/<student>/<assignment>/<assignment>.ipynb`` (nbgrader's layout;
the file always gets the assignment's notebook name) with a ``timestamp.txt``
made from the zip entry's date and time (zip files carry no time zone; the
time is recorded as UTC).

The student is read from the entry's name, for these export layouts:

* Canvas:      ``<login>_<canvasid>_<attachmentid>_<original name>.ipynb``
               (``<login>_LATE_<canvasid>_...`` for late work)
* Moodle:      ``<Full Name>_<id>_assignsubmission_file_/<file>.ipynb``
               (a folder per student; also the older flat
               ``<Full Name>_<id>_assignsubmission_file_<file>.ipynb``)
* Blackboard:  ``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>.ipynb``
* plain:       ``<student_id>/<file>.ipynb`` (also ``<student_id>/<assignment>/<file>.ipynb``)

The layout is decided once per zip (the LMS layout that names at least half
of its notebooks, else plain folders or file names), and every entry is read
in it: the student is the one its LMS prefix names, whatever the original
file name (which the student chose) looks like.  Entries that do not follow
the zip's layout are reported and not imported.

A roster CSV (a ``student_id`` column plus any of ``login``, ``lms_id``,
``name``, ``email``) maps what the LMS calls a student to the course's
student id, case-insensitively; with a roster, only students on it are
imported.  Without one, the LMS login (Canvas, Blackboard) or the folder name
(plain) is the student id; Moodle exports name students only by full name and
a per-assignment number, so they need a roster.

Safety: entries with absolute paths or ``..`` are refused (they are never
used as paths anyway: every file is written under a name built here), the
notebooks' total uncompressed size is capped (zip bombs), student ids must be
plain folder names, and an existing submission is replaced only by a newer one.
"""
from __future__ import annotations

import csv
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

MAX_TOTAL_BYTES = 500 * 1024 * 1024
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")

# The LMS writes a prefix, then the student's original file name, which the
# student controls: the patterns take the FIRST marker (lazy prefixes), never
# one the student put into their file name.
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
MOODLE_FLAT = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_(?P<file>.+)$")
BLACKBOARD = re.compile(r"^(?P<prefix>.+?)_attempt_(?P<date>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.*))?$")
CANVAS = re.compile(r"^(?P<login>[^_]+)_(?:(?P<late>LATE)_)?(?P<canvasid>\d+)_(?P<attempt>\d+)_(?P<file>.+)$")


class ZipImportError(ValueError):
    """The zip cannot be imported at all (not a zip, too large, a bad roster)."""


# --- the result ------------------------------------------------------------------------
@dataclass
class Mapped:
    """A notebook of the zip attributed to a student."""
    entry: str
    student: str
    layout: str
    timestamp: datetime
    action: str = ""      # "written", "replaced an older submission", "would write" (dry run)
    path: Path | None = None


@dataclass
class Problem:
    """An entry that was not imported, and why."""
    entry: str
    reason: str
    student: str | None = None


@dataclass
class ImportResult:
    assignment: str
    dry_run: bool = False
    mapped: list[Mapped] = field(default_factory=list)      # written (or would be, in a dry run)
    unmapped: list[Problem] = field(default_factory=list)   # notebooks no student could be found for
    refused: list[Problem] = field(default_factory=list)    # unsafe entries (zip slip, links)
    skipped: list[Problem] = field(default_factory=list)    # a student's older duplicates; older than what is there
    ignored: list[Problem] = field(default_factory=list)    # not notebooks, __MACOSX, dotfiles

    @property
    def problems(self) -> list[Problem]:
        """Notebooks that could not be attributed, and refused entries."""
        return self.unmapped + self.refused

    @property
    def students(self) -> dict[str, str]:
        """student id -> the zip entry imported for them."""
        return {m.student: m.entry for m in self.mapped}

    def lines(self) -> list[str]:
        """A report for the terminal."""
        verb = "would import" if self.dry_run else "imported"
        out = [f"{verb} {len(self.mapped)} notebook(s) for {self.assignment}"]
        for m in sorted(self.mapped, key=lambda m: m.student):
            out.append(f"  {m.student:<20} <- {m.entry}  ({m.layout}, {m.timestamp:%Y-%m-%d %H:%M:%S}"
                       f"{', ' + m.action if m.action else ''})")
        for title, items in (("could NOT map", self.unmapped), ("refused (unsafe)", self.refused),
                             ("skipped", self.skipped), ("ignored", self.ignored)):
            if items:
                out.append(f"{title}: {len(items)}")
                for p in items:
                    who = f" [{p.student}]" if p.student else ""
                    out.append(f"  {p.entry}{who}: {p.reason}")
        return out


# --- the roster --------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", str(text).casefold())


class Roster:
    """LMS logins, ids, names and e-mails -> course student ids (case-insensitive)."""

    COLUMNS = ("student_id", "login", "lms_id", "name", "email")

    def __init__(self, rows: list[dict[str, str]]):
        self.rows = list(rows)
        self.ids: set[str] = set()
        self._exact: dict[str, set[str]] = {}
        self._loose: dict[str, set[str]] = {}   # derived keys: squashed names, e-mail user names
        for row in rows:
            sid = row["student_id"]
            self.ids.add(sid)
            for col in self.COLUMNS:
                value = (row.get(col) or "").strip()
                if not value:
                    continue
                self._exact.setdefault(_norm(value), set()).add(sid)
                if col == "email" and "@" in value:
                    self._loose.setdefault(_norm(value.split("@", 1)[0]), set()).add(sid)
                if col == "name":
                    # Canvas logins are the sortable name squashed ("doejane"); Moodle
                    # writes "Jane Doe": accept both orders, with or without a comma.
                    if "," in value:
                        last, first = value.split(",", 1)
                    else:
                        parts = value.split()
                        first, last = " ".join(parts[:-1]), (parts[-1] if parts else "")
                    for key in (_squash(first + last), _squash(last + first), _norm(f"{first} {last}")):
                        if key:
                            self._loose.setdefault(key, set()).add(sid)

    @classmethod
    def read(cls, path: Path) -> "Roster":
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
            if "student_id" not in fields:
                raise ZipImportError(f"{path}: the roster needs a student_id column (found: {', '.join(fields)})")
            rows = []
            for line, raw in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                if not any(row.values()):
                    continue
                if not is_safe_id(row.get("student_id", "")):
                    raise ZipImportError(f"{path}, line {line}: student_id {row.get('student_id')!r} "
                                         "is not a safe folder name (letters, digits, . _ @ + -)")
                rows.append(row)
        return cls(rows)

    def lookup(self, value: str) -> tuple[str | None, str]:
        """(student id, "") or (None, why not)."""
        for table, key in ((self._exact, _norm(value)), (self._loose, _norm(value)),
                           (self._loose, _squash(value))):
            found = table.get(key)
            if found and len(found) == 1:
                return next(iter(found)), ""
            if found:
                return None, f"{value!r} matches several students on the roster: {', '.join(sorted(found))}"
        return None, f"{value!r} is not on the roster"


def is_safe_id(student: str) -> bool:
    return bool(SAFE_ID.match(student or "")) and ".." not in student


# --- reading the names -------------------------------------------------------------------
@dataclass
class _Guess:
    layout: str
    keys: list[str]             # what to look up in the roster, best first
    default: str | None         # the student id without a roster
    order: tuple = ()           # a tie breaker among a student's notebooks (later is newer)
    why_no_default: str = ""


MOODLE_NO_DEFAULT = "Moodle names students by full name: give a roster"


def _moodle(parts: list[str], assignment: str, flat_wrapper: bool) -> _Guess | None:
    for folder in reversed(parts[:-1]):
        m = MOODLE_FOLDER.match(folder)
        if m:
            return _Guess("moodle", [m["id"], m["name"]], None, why_no_default=MOODLE_NO_DEFAULT)
    m = MOODLE_FLAT.match(parts[-1])
    if m:
        return _Guess("moodle", [m["id"], m["name"]], None, why_no_default=MOODLE_NO_DEFAULT)
    return None


def _canvas(parts: list[str], assignment: str, flat_wrapper: bool) -> _Guess | None:
    if len(parts) > 1 and not flat_wrapper:
        return None
    m = CANVAS.match(parts[-1])
    if m:
        # zero-padded, so that the tie breakers of every layout compare as strings
        return _Guess("canvas", [m["canvasid"], m["login"]], m["login"], order=(f"{int(m['attempt']):030d}",))
    return None


def _blackboard(parts: list[str], assignment: str, flat_wrapper: bool) -> _Guess | None:
    m = BLACKBOARD.match(parts[-1][:-len(".ipynb")])
    if not m:
        return None
    pieces = m["prefix"].split("_")
    # the username follows the assignment's title, and either may hold "_":
    # try the shortest username first
    keys = ["_".join(pieces[i:]) for i in range(len(pieces) - 1, 0, -1)] or [m["prefix"]]
    return _Guess("blackboard", keys, keys[0], order=(m["date"],))


def _folder(parts: list[str], assignment: str, flat_wrapper: bool) -> _Guess | None:
    folders = parts[:-1]
    if not folders:
        return None
    owner = folders[-1]
    if owner == assignment and len(folders) >= 2:
        owner = folders[-2]
    return _Guess("folder", [owner], owner)


def _file_name(parts: list[str], assignment: str, flat_wrapper: bool) -> _Guess | None:
    if len(parts) > 1:
        return None
    return _Guess("file name", [parts[-1][:-len(".ipynb")]], None,
                  why_no_default="no student in the file name or folder (a roster can match the file name)")


# Most specific first: on a tie the earlier layout wins.  Canvas comes before
# Blackboard because a Canvas prefix is fixed (login, digits, digits) while a
# Blackboard prefix starts with the assignment's title, which may be anything.
LAYOUTS = {"moodle": _moodle, "canvas": _canvas, "blackboard": _blackboard,
           "folder": _folder, "file name": _file_name}
LMS_LAYOUTS = ("moodle", "canvas", "blackboard")


def detect_layout(entries: list[list[str]], assignment: str, flat_wrapper: bool) -> str | None:
    """The export layout of a zip: the one that names the most of its notebooks.

    Decided once per zip, so that no entry is read in another layout than its
    neighbours: a student controls only the end of a file name, and in a Canvas
    export ``mallory_1002_5003_ada_attempt_2099-12-31-23-59-59_hw.ipynb`` also
    reads as a Blackboard attempt of "ada".
    """
    counts = {name: sum(1 for parts in entries if read(parts, assignment, flat_wrapper))
              for name, read in LAYOUTS.items()}
    # "folder" and "file name" fit almost anything: an LMS layout that names at
    # least half of the notebooks is the export's; max keeps the first of equals
    lms = max(LMS_LAYOUTS, key=lambda name: counts[name])
    if counts[lms] and 2 * counts[lms] >= len(entries):
        return lms
    best = max(LAYOUTS, key=lambda name: counts[name])
    return best if counts[best] else None


def _guess(parts: list[str], assignment: str, flat_wrapper: bool, layout: str | None = None) -> _Guess | None:
    """Who an entry belongs to, from its path components (the last is the file name),
    read in ``layout`` (or, without one, in the first layout that matches)."""
    for name in ([layout] if layout else LAYOUTS):
        guess = LAYOUTS[name](parts, assignment, flat_wrapper)
        if guess:
            return guess
    return None


def _check_entry(info: zipfile.ZipInfo) -> tuple[str, list[str] | None]:
    """("refuse" | "ignore" | "ok", reason or path components)."""
    raw = info.filename
    name = raw.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or raw.startswith("\\"):
        return "refuse", "absolute path in the zip (zip slip)"
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return "refuse", "'..' in the path (zip slip)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "refuse", "a symbolic link"
    if any(p == "__MACOSX" for p in parts):
        return "ignore", "macOS metadata (__MACOSX)"
    if any(p.startswith(".") for p in parts):
        return "ignore", "hidden file or folder"
    if not parts or not parts[-1].lower().endswith(".ipynb"):
        return "ignore", "not a notebook"
    return "ok", parts


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    chunks, size = [], 0
    with zf.open(info) as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > budget:
                raise ZipImportError(f"{info.filename}: more data than the zip declares "
                                     "or the size cap allows (a zip bomb?)")
            chunks.append(chunk)
    return b"".join(chunks)


def _existing_time(folder: Path) -> datetime | None:
    from nbgrader.utils import parse_utc

    try:
        return parse_utc((folder / "timestamp.txt").read_text().strip())
    except (OSError, ValueError, OverflowError):
        return None


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".importing")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- the import --------------------------------------------------------------------------
def import_zip(root: Path, assignment: str, zip_path: Path, roster: Path | None = None, *,
               dry_run: bool = False, max_total_bytes: int = MAX_TOTAL_BYTES) -> ImportResult:
    """Write the notebooks of an LMS export into ``root/submitted`` (see the module doc)."""
    root = Path(root)
    if not is_safe_id(assignment):
        raise ZipImportError(f"{assignment!r} is not a valid assignment name")
    table = Roster.read(Path(roster)) if roster else None
    result = ImportResult(assignment, dry_run)
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ZipImportError(f"{zip_path}: not a readable zip file ({exc})") from exc

    with zf:
        candidates: list[tuple[zipfile.ZipInfo, list[str]]] = []
        for info in zf.infolist():
            if info.is_dir():
                continue
            verdict, detail = _check_entry(info)
            if verdict == "refuse":
                result.refused.append(Problem(info.filename, detail))
            elif verdict == "ignore":
                result.ignored.append(Problem(info.filename, detail))
            else:
                candidates.append((info, detail))

        declared = sum(info.file_size for info, _ in candidates)
        if declared > max_total_bytes:
            raise ZipImportError(f"{zip_path}: its notebooks would take {declared / 2**20:.0f} MB unpacked, "
                                 f"more than the cap of {max_total_bytes / 2**20:.0f} MB (a zip bomb?)")

        # every notebook in one shared folder (and none elsewhere): a wrapped flat export
        parents = {tuple(parts[:-1]) for _, parts in candidates}
        flat_wrapper = len(parents) == 1

        layout = detect_layout([parts for _, parts in candidates], assignment, flat_wrapper)

        per_student: dict[str, list[tuple[tuple, zipfile.ZipInfo, Mapped]]] = {}
        for info, parts in candidates:
            guess = _guess(parts, assignment, flat_wrapper, layout)
            if guess is None:
                result.unmapped.append(Problem(info.filename, (
                    f"not named like the other notebooks of this zip ({layout} layout): "
                    "not attributed to anybody")))
                continue
            student, why = None, ""
            if table is not None:
                reasons = []
                for key in guess.keys:
                    student, why = table.lookup(key)
                    if student:
                        break
                    reasons.append(why)
                if not student:
                    why = f"{guess.layout} layout: " + "; ".join(dict.fromkeys(reasons))
            elif guess.default is not None:
                student = guess.default
            else:
                why = f"{guess.layout} layout: {guess.why_no_default}"
            if student and not is_safe_id(student):
                why, student = f"{student!r} is not a safe student id (letters, digits, . _ @ + -)", None
            if not student:
                result.unmapped.append(Problem(info.filename, why))
                continue
            try:
                when = datetime(*info.date_time)
            except ValueError:
                when = datetime(1980, 1, 1)
            mapped = Mapped(info.filename, student, guess.layout, when)
            # a total order: the zip time, then the layout's tie breaker (strings), then the name
            per_student.setdefault(student, []).append(((when, guess.order, info.filename), info, mapped))

        budget = max_total_bytes
        for student in sorted(per_student):
            entries = sorted(per_student[student], key=lambda e: e[0])
            _, info, mapped = entries[-1]
            for _, other, older in entries[:-1]:
                same = older.timestamp == mapped.timestamp
                result.skipped.append(Problem(
                    other.filename, student=student,
                    reason=f"duplicate: {'as old as' if same else 'older than'} {info.filename}, which is imported"))
            folder = root / "submitted" / student / assignment
            if folder.exists():
                existing = _existing_time(folder)
                if existing is None:
                    result.skipped.append(Problem(info.filename, student=student, reason=(
                        f"{folder} exists without a readable timestamp.txt: not overwritten")))
                    continue
                if existing >= mapped.timestamp:
                    result.skipped.append(Problem(info.filename, student=student, reason=(
                        f"the submission already in submitted/ is as new or newer ({existing:%Y-%m-%d %H:%M:%S})")))
                    continue
                mapped.action = "replaces an older submission"
            mapped.path = folder / f"{assignment}.ipynb"
            if dry_run:
                mapped.action = "would write" + (f"; {mapped.action}" if mapped.action else "")
            else:
                data = _read_capped(zf, info, budget)
                budget -= len(data)
                folder.mkdir(parents=True, exist_ok=True)
                _write_atomic(mapped.path, data)
                _write_atomic(folder / "timestamp.txt", mapped.timestamp.strftime(TIMESTAMP_FORMAT).encode())
                mapped.action = mapped.action or "written"
            result.mapped.append(mapped)
    return result
