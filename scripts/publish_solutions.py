#!/usr/bin/env python3
"""Publish the worked solutions of an assignment's ungraded exercises to students.

    python scripts/publish_solutions.py ASSIGNMENT [BUNDLE] [--root COURSE_ROOT] [--db URL] [--force]

The worked solutions live in solutions/<assignment>/ at the top of the course,
outside source/<assignment>/ because nbgrader copies everything in a source
folder into release/.  This copies them into BUNDLE/<assignment>/solutions/ of
a student bundle built by scripts/student_bundle.py (default
build/student-bundle), and only once the assignment's due date, as recorded in
the gradebook (`nbgrader db assignment add ... --duedate`), has passed:
before it, or without a due date, it refuses unless given --force.
Rebuilding the bundle drops what was published; publish again afterwards.
"""
from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from student_bundle import check_text  # noqa: E402  (the bundle's own audit, applied to what we add)


class PublishError(Exception):
    pass


def due_date(assignment, db_url):
    """The assignment's due date (naive UTC, as nbgrader stores it), or None."""
    from nbgrader.api import Gradebook, MissingEntry

    if db_url.startswith("sqlite:///") and not os.path.exists(db_url[len("sqlite:///"):]):
        return None
    with Gradebook(db_url) as gb:
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def publish(assignment, bundle, root=REPO, db_url=None, force=False, now=None):
    """Copy solutions/<assignment>/ into the bundle; returns the files written."""
    source = os.path.join(root, "solutions", assignment)
    if not os.path.isdir(source) or not os.listdir(source):
        raise PublishError(f"no worked solutions for {assignment} in {source}")
    if not os.path.exists(os.path.join(bundle, ".student-bundle")):
        raise PublishError(f"{bundle} is not a student bundle: run `make student-bundle` first")
    if not os.path.isdir(os.path.join(bundle, assignment)):
        raise PublishError(f"the bundle has no assignment {assignment}")

    db_url = db_url or os.environ.get("NBGRADER_DB_URL") or "sqlite:///" + os.path.join(root, "gradebook.db")
    due = due_date(assignment, db_url)
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if not force:
        if due is None:
            raise PublishError(f"{assignment} has no due date in the gradebook ({db_url}); "
                               "set one with `nbgrader db assignment add`, or publish with --force")
        if due.replace(tzinfo=None) > now:
            raise PublishError(f"{assignment} is due {due:%Y-%m-%d %H:%M} UTC: its solutions stay "
                               "unpublished until then (--force to publish anyway)")

    problems, files = [], []
    for dirpath, _, filenames in os.walk(source):
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, source)
            with open(path, encoding="utf-8", errors="replace") as f:
                check_text(rel, f.read(), problems)
            files.append(rel)
    if problems:
        raise PublishError("refusing to publish:\n  " + "\n  ".join(problems))

    target = os.path.join(bundle, assignment, "solutions")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return [os.path.join(assignment, "solutions", rel) for rel in files]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("assignment")
    p.add_argument("bundle", nargs="?", default=os.path.join(REPO, "build", "student-bundle"))
    p.add_argument("--root", default=REPO, help="course root holding solutions/ and the gradebook")
    p.add_argument("--db", default=None, help="gradebook URL (default: NBGRADER_DB_URL or <root>/gradebook.db)")
    p.add_argument("--force", action="store_true", help="publish even before the due date")
    args = p.parse_args(argv)
    try:
        written = publish(args.assignment, os.path.abspath(args.bundle), root=args.root,
                          db_url=args.db, force=args.force)
    except PublishError as error:
        print(f"publish_solutions: {error}", file=sys.stderr)
        return 1
    for rel in written:
        print(f"published {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
