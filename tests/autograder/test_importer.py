"""Importing LMS exports (zips of notebooks) into submitted/: autograder.importer."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import importer

A = "01_binary_classification"
T = (2026, 11, 20, 17, 0, 0)
LATER = (2026, 11, 21, 9, 30, 0)


def nb_bytes(marker: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(f"# {marker}"))
    return nbformat.writes(nb).encode()


def make_zip(path: Path, entries) -> Path:
    """entries: (name, data) or (name, data, date_time) or a ZipInfo-ready tuple with mode."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in entries:
            name, data, *rest = entry
            info = zipfile.ZipInfo(name, date_time=rest[0] if rest else T)
            info.compress_type = zipfile.ZIP_DEFLATED
            if len(rest) > 1:
                info.external_attr = rest[1] << 16
            zf.writestr(info, data)
    return path


def write_roster(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n")
    return path


def submitted(root: Path, student: str) -> Path:
    return root / "submitted" / student / A / f"{A}.ipynb"


def timestamp(root: Path, student: str) -> str:
    return (root / "submitted" / student / A / "timestamp.txt").read_text()


def marker(root: Path, student: str) -> str:
    return nbformat.reads(submitted(root, student).read_text(), as_version=4).cells[0].source


def test_canvas_with_roster_duplicates_and_junk(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", """
student_id,login,lms_id,name,email
s001,doejane,1001,Jane Doe,jane.doe@uni.edu
s002,smithbob,1002,Bob Smith,bob@uni.edu
s003,leeann,1003,Ann Lee,ann@uni.edu
""")
    zp = make_zip(tmp_path / "canvas.zip", [
        ("doejane_1001_5001_01_binary_classification.ipynb", nb_bytes("jane old"), T),
        ("doejane_LATE_1001_5002_01_binary_classification-1.ipynb", nb_bytes("jane new"), LATER),
        ("SmithBob_1002_5003_hw1.ipynb", nb_bytes("bob")),          # case-insensitive login
        ("leeann_9999_5004_homework.ipynb", nb_bytes("ann")),       # canvas id unknown, login known
        ("stranger_1009_5005_hw.ipynb", nb_bytes("stranger")),      # not on the roster
        ("doejane_1001_5006_notes.pdf", b"%PDF"),
        ("__MACOSX/._doejane_1001_5001_x.ipynb", b"junk"),
        (".DS_Store", b"junk"),
    ])
    root = tmp_path / "course"
    result = importer.import_zip(root, A, zp, roster)

    assert result.students == {
        "s001": "doejane_LATE_1001_5002_01_binary_classification-1.ipynb",
        "s002": "SmithBob_1002_5003_hw1.ipynb",
        "s003": "leeann_9999_5004_homework.ipynb",
    }
    assert {m.layout for m in result.mapped} == {"canvas"}
    assert marker(root, "s001") == "# jane new"
    assert marker(root, "s002") == "# bob"
    assert timestamp(root, "s001") == "2026-11-21 09:30:00.000000 UTC"
    assert timestamp(root, "s002") == "2026-11-20 17:00:00.000000 UTC"
    # the file is renamed to the assignment's notebook, and nothing else is written
    assert sorted(p.name for p in (root / "submitted" / "s003" / A).iterdir()) == [f"{A}.ipynb", "timestamp.txt"]
    assert sorted(p.name for p in (root / "submitted").iterdir()) == ["s001", "s002", "s003"]

    assert [(p.entry, "not on the roster" in p.reason) for p in result.unmapped] == [
        ("stranger_1009_5005_hw.ipynb", True)]
    assert [(p.entry, p.student) for p in result.skipped] == [
        ("doejane_1001_5001_01_binary_classification.ipynb", "s001")]
    assert "duplicate" in result.skipped[0].reason
    assert {p.entry: p.reason for p in result.ignored} == {
        "doejane_1001_5006_notes.pdf": "not a notebook",
        "__MACOSX/._doejane_1001_5001_x.ipynb": "macOS metadata (__MACOSX)",
        ".DS_Store": "hidden file or folder",
    }
    text = "\n".join(result.lines())
    assert "imported 3 notebook(s)" in text
    assert "could NOT map: 1" in text and "stranger_1009_5005_hw.ipynb" in text


def test_canvas_without_roster_uses_the_login(tmp_path):
    zp = make_zip(tmp_path / "c.zip", [("submissions/doejane_1001_5001_hw.ipynb", nb_bytes("j")),
                                        ("submissions/smithbob_LATE_1002_5002_hw.ipynb", nb_bytes("b"))])
    result = importer.import_zip(tmp_path / "course", A, zp)
    assert result.students == {"doejane": "submissions/doejane_1001_5001_hw.ipynb",
                               "smithbob": "submissions/smithbob_LATE_1002_5002_hw.ipynb"}
    assert not result.problems


def test_moodle_folders_need_and_use_a_roster(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", """
student_id,name,lms_id
s001,Jane Doe,
s002,"Smith, Bob",
s003,Carl Ng,4711
""")
    zp = make_zip(tmp_path / "moodle.zip", [
        ("Jane Doe_123_assignsubmission_file_/01_binary_classification.ipynb", nb_bytes("jane")),
        ("Bob Smith_124_assignsubmission_file_/my work.ipynb", nb_bytes("bob")),
        ("Somebody Else_4711_assignsubmission_file_/x.ipynb", nb_bytes("carl")),   # by id
        ("Nobody Known_126_assignsubmission_file_/x.ipynb", nb_bytes("nobody")),
        ("Jane Doe_123_assignsubmission_onlinetext_/onlinetext.html", b"<p>hi</p>"),
    ])
    root = tmp_path / "course"
    result = importer.import_zip(root, A, zp, roster)
    assert {m.student: m.layout for m in result.mapped} == {"s001": "moodle", "s002": "moodle", "s003": "moodle"}
    assert marker(root, "s002") == "# bob"
    assert [p.entry for p in result.unmapped] == ["Nobody Known_126_assignsubmission_file_/x.ipynb"]
    assert len(result.ignored) == 1

    # without a roster Moodle's full names are not used as ids
    other = tmp_path / "other"
    bare = importer.import_zip(other, A, zp)
    assert not bare.mapped and len(bare.unmapped) == 4
    assert all("roster" in p.reason for p in bare.unmapped)
    assert not (other / "submitted").exists()


def test_blackboard_attempts_keep_the_newest(tmp_path):
    zp = make_zip(tmp_path / "bb.zip", [
        ("gradebook/HW1_Binary_jdoe_attempt_2026-11-19-10-00-00_01_binary_classification.ipynb",
         nb_bytes("first"), T),
        ("gradebook/HW1_Binary_jdoe_attempt_2026-11-20-12-00-00_01_binary_classification.ipynb",
         nb_bytes("second"), T),   # same zip time: the attempt date decides
        ("gradebook/HW1_Binary_jdoe_attempt_2026-11-20-12-00-00.txt", b"Name: J Doe"),
        ("gradebook/HW1_Binary_bsmith_attempt_2026-11-20-12-00-00_nb.ipynb", nb_bytes("bob"), LATER),
    ])
    root = tmp_path / "course"
    result = importer.import_zip(root, A, zp)
    assert sorted(result.students) == ["bsmith", "jdoe"]
    assert {m.layout for m in result.mapped} == {"blackboard"}
    assert marker(root, "jdoe") == "# second"
    assert [p.student for p in result.skipped] == ["jdoe"]
    assert timestamp(root, "bsmith") == "2026-11-21 09:30:00.000000 UTC"


def test_blackboard_username_with_underscore_via_roster(tmp_path):
    roster = write_roster(tmp_path / "r.csv", "student_id,login\nann,a_lee\n")
    zp = make_zip(tmp_path / "bb.zip", [("HW1_a_lee_attempt_2026-11-20-12-00-00_x.ipynb", nb_bytes("a"))])
    result = importer.import_zip(tmp_path / "course", A, zp, roster)
    assert result.students == {"ann": "HW1_a_lee_attempt_2026-11-20-12-00-00_x.ipynb"}


def test_plain_folders_zip_slip_and_unmappable(tmp_path):
    zp = make_zip(tmp_path / "plain.zip", [
        ("alice/01_binary_classification.ipynb", nb_bytes("alice")),
        ("export/bob/01_binary_classification/01_binary_classification.ipynb", nb_bytes("bob")),
        ("carol/.ipynb_checkpoints/01_binary_classification-checkpoint.ipynb", nb_bytes("ckpt")),
        ("../evil/01_binary_classification.ipynb", nb_bytes("evil")),
        ("/etc/cron.d/evil.ipynb", nb_bytes("evil")),
        ("dave/../../outside.ipynb", nb_bytes("evil")),
        ("link/x.ipynb", "/etc/passwd", T, stat.S_IFLNK | 0o777),
        ("lonely.ipynb", nb_bytes("nobody")),
        ("bad id!/x.ipynb", nb_bytes("bad")),
        ("alice/readme.txt", b"hello"),
    ])
    root = tmp_path / "work" / "course"
    result = importer.import_zip(root, A, zp)
    assert result.students == {
        "alice": "alice/01_binary_classification.ipynb",
        "bob": "export/bob/01_binary_classification/01_binary_classification.ipynb",
    }
    assert {m.layout for m in result.mapped} == {"folder"}
    refused = {p.entry: p.reason for p in result.refused}
    assert set(refused) == {"../evil/01_binary_classification.ipynb", "/etc/cron.d/evil.ipynb",
                            "dave/../../outside.ipynb", "link/x.ipynb"}
    assert "zip slip" in refused["/etc/cron.d/evil.ipynb"] and "zip slip" in refused["dave/../../outside.ipynb"]
    unmapped = {p.entry: p.reason for p in result.unmapped}
    assert set(unmapped) == {"lonely.ipynb", "bad id!/x.ipynb"}
    assert "safe student id" in unmapped["bad id!/x.ipynb"]
    assert {p.entry for p in result.ignored} == {
        "carol/.ipynb_checkpoints/01_binary_classification-checkpoint.ipynb", "alice/readme.txt"}
    # nothing was written outside the course root's submitted/
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["plain.zip",
                       f"work/course/submitted/alice/{A}/{A}.ipynb", f"work/course/submitted/alice/{A}/timestamp.txt",
                       f"work/course/submitted/bob/{A}/{A}.ipynb", f"work/course/submitted/bob/{A}/timestamp.txt"]
    text = "\n".join(result.lines())
    assert "refused (unsafe): 4" in text and "could NOT map: 2" in text


def test_roster_matches_file_name_at_top_level(tmp_path):
    roster = write_roster(tmp_path / "r.csv", "student_id,email\nu17,Jane.Doe@uni.edu\n")
    zp = make_zip(tmp_path / "z.zip", [("jane.doe.ipynb", nb_bytes("j"))])
    result = importer.import_zip(tmp_path / "course", A, zp, roster)
    assert result.students == {"u17": "jane.doe.ipynb"}


def test_existing_submissions_are_replaced_only_by_newer(tmp_path):
    root = tmp_path / "course"
    for student, ts in (("old", "2026-11-01 00:00:00.000000 UTC"), ("new", "2026-12-01 00:00:00.000000 UTC")):
        folder = root / "submitted" / student / A
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_bytes(nb_bytes(f"{student} before"))
        (folder / "timestamp.txt").write_text(ts)
    (root / "submitted" / "nots" / A).mkdir(parents=True)
    (root / "submitted" / "nots" / A / f"{A}.ipynb").write_bytes(nb_bytes("nots before"))
    zp = make_zip(tmp_path / "z.zip", [(f"{s}/hw.ipynb", nb_bytes(f"{s} zip")) for s in ("old", "new", "nots")])

    dry = importer.import_zip(root, A, zp, dry_run=True)
    assert [m.student for m in dry.mapped] == ["old"] and "would write" in dry.mapped[0].action
    assert marker(root, "old") == "# old before"

    result = importer.import_zip(root, A, zp)
    assert [m.student for m in result.mapped] == ["old"]
    assert "replaces an older submission" in result.mapped[0].action
    assert marker(root, "old") == "# old zip"
    assert timestamp(root, "old") == "2026-11-20 17:00:00.000000 UTC"
    assert marker(root, "new") == "# new before"
    assert marker(root, "nots") == "# nots before"
    reasons = {p.student: p.reason for p in result.skipped}
    assert "as new or newer" in reasons["new"] and "timestamp.txt" in reasons["nots"]

    # importing the same zip again changes nothing
    again = importer.import_zip(root, A, zp)
    assert not again.mapped and len(again.skipped) == 3


def test_dry_run_writes_nothing(tmp_path):
    zp = make_zip(tmp_path / "z.zip", [("alice/x.ipynb", nb_bytes("a"))])
    result = importer.import_zip(tmp_path / "course", A, zp, dry_run=True)
    assert result.students == {"alice": "alice/x.ipynb"}
    assert not (tmp_path / "course").exists()
    assert "would import 1" in result.lines()[0]


def test_size_cap_against_zip_bombs(tmp_path):
    zp = make_zip(tmp_path / "bomb.zip", [("alice/x.ipynb", b"0" * 2_000_000), ("bob/x.ipynb", b"0" * 2_000_000)])
    assert zp.stat().st_size < 100_000
    with pytest.raises(importer.ZipImportError, match="cap"):
        importer.import_zip(tmp_path / "course", A, zp, max_total_bytes=3_000_000)
    assert not (tmp_path / "course").exists()
    assert importer.MAX_TOTAL_BYTES == 500 * 1024 * 1024


def test_bad_inputs(tmp_path):
    (tmp_path / "not.zip").write_bytes(b"hello")
    with pytest.raises(importer.ZipImportError, match="not a readable zip"):
        importer.import_zip(tmp_path / "course", A, tmp_path / "not.zip")
    zp = make_zip(tmp_path / "z.zip", [("alice/x.ipynb", nb_bytes("a"))])
    with pytest.raises(importer.ZipImportError, match="assignment"):
        importer.import_zip(tmp_path / "course", "../x", zp)
    with pytest.raises(importer.ZipImportError, match="student_id column"):
        importer.import_zip(tmp_path / "course", A, zp, write_roster(tmp_path / "r.csv", "login,name\na,b\n"))
    with pytest.raises(importer.ZipImportError, match="line 3"):
        importer.import_zip(tmp_path / "course", A, zp,
                            write_roster(tmp_path / "r2.csv", "student_id,login\nok,a\n../x,b\n"))


def test_ambiguous_roster_entries_are_not_guessed(tmp_path):
    roster = write_roster(tmp_path / "r.csv", "student_id,name\ns1,Jane Doe\ns2,Jane Doe\n")
    zp = make_zip(tmp_path / "m.zip", [("Jane Doe_1_assignsubmission_file_/x.ipynb", nb_bytes("j"))])
    result = importer.import_zip(tmp_path / "course", A, zp, roster)
    assert not result.mapped
    assert "several students" in result.unmapped[0].reason


# --- a student's own file name cannot make the import pick someone else --------------------
MALLORY_AS_ADA = "mallory_1002_5003_ada_attempt_2099-12-31-23-59-59_hw.ipynb"


@pytest.mark.parametrize("with_roster", [False, True])
def test_canvas_file_name_cannot_impersonate_another_student(tmp_path, with_roster):
    """Canvas keeps the student's original name after its prefix; one that reads like a
    Blackboard attempt of ada is still mallory's (and equal zip times do not crash)."""
    roster = write_roster(tmp_path / "r.csv", "student_id,login,lms_id\nada,ada,1001\nmallory,mallory,1002\n") \
        if with_roster else None
    root = tmp_path / "course"
    folder = root / "submitted" / "ada" / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_bytes(nb_bytes("ada before"))
    (folder / "timestamp.txt").write_text("2026-11-01 00:00:00.000000 UTC")
    zp = make_zip(tmp_path / "canvas.zip", [
        ("ada_1001_5001_01_binary_classification.ipynb", nb_bytes("ada"), T),
        (MALLORY_AS_ADA, nb_bytes("mallory"), T),       # the same zip time as ada's
    ])
    result = importer.import_zip(root, A, zp, roster)
    assert result.students == {"ada": "ada_1001_5001_01_binary_classification.ipynb", "mallory": MALLORY_AS_ADA}
    assert {m.layout for m in result.mapped} == {"canvas"}
    assert marker(root, "ada") == "# ada" and marker(root, "mallory") == "# mallory"
    assert not result.skipped and not result.problems


def test_layout_is_decided_once_per_zip(tmp_path):
    """Entries that do not follow the zip's layout are reported, never read in another layout."""
    zp = make_zip(tmp_path / "canvas.zip", [
        ("doejane_1001_5001_hw.ipynb", nb_bytes("jane")),
        ("smithbob_1002_5002_hw.ipynb", nb_bytes("bob")),
        ("HW1_ada_attempt_2026-11-20-12-00-00_hw.ipynb", nb_bytes("not ada")),   # Blackboard-looking
        ("ada.ipynb", nb_bytes("not ada either")),
    ])
    result = importer.import_zip(tmp_path / "course", A, zp)
    assert sorted(result.students) == ["doejane", "smithbob"]
    unmapped = {p.entry: p.reason for p in result.unmapped}
    assert set(unmapped) == {"HW1_ada_attempt_2026-11-20-12-00-00_hw.ipynb", "ada.ipynb"}
    assert all("canvas layout" in reason for reason in unmapped.values())
    assert not (tmp_path / "course" / "submitted" / "ada").exists()


def test_blackboard_and_moodle_read_the_lms_prefix_not_the_file_name(tmp_path):
    bb = make_zip(tmp_path / "bb.zip", [
        ("HW1_ada_attempt_2026-11-20-12-00-00_hw.ipynb", nb_bytes("ada"), T),
        ("HW1_mallory_attempt_2026-11-20-12-00-00_x_ada_attempt_2099-12-31-23-59-59_hw.ipynb",
         nb_bytes("mallory"), LATER),
    ])
    result = importer.import_zip(tmp_path / "bb", A, bb)
    assert sorted(result.students) == ["ada", "mallory"]
    assert marker(tmp_path / "bb", "ada") == "# ada"

    roster = write_roster(tmp_path / "r.csv", "student_id,name,lms_id\nada,Ada King,123\nmallory,Mallory Evil,124\n")
    moodle = make_zip(tmp_path / "m.zip", [
        ("Ada King_123_assignsubmission_file_hw.ipynb", nb_bytes("ada"), T),
        ("Mallory Evil_124_assignsubmission_file_x_123_assignsubmission_file_hw.ipynb", nb_bytes("mallory"), LATER),
    ])
    result = importer.import_zip(tmp_path / "m", A, moodle, roster)
    assert sorted(result.students) == ["ada", "mallory"]
    assert marker(tmp_path / "m", "ada") == "# ada"


def test_equal_times_are_ordered_by_attempt_then_name(tmp_path):
    zp = make_zip(tmp_path / "canvas.zip", [
        ("ada_1001_5010_hw.ipynb", nb_bytes("attempt 5010"), T),
        ("ada_1001_5002_hw.ipynb", nb_bytes("attempt 5002"), T),
        ("ada_LATE_1001_900_hw.ipynb", nb_bytes("attempt 900"), T),
    ])
    result = importer.import_zip(tmp_path / "course", A, zp)
    assert result.students == {"ada": "ada_1001_5010_hw.ipynb"}   # 5010 > 5002 > 900 as numbers
    assert sorted(p.entry for p in result.skipped) == ["ada_1001_5002_hw.ipynb", "ada_LATE_1001_900_hw.ipynb"]
    assert all("as old as" in p.reason for p in result.skipped)
