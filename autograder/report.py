"""Grades out of the gradebook: a table to print and ``grades.csv``.

Reads nbgrader's gradebook through its API, so it works the same for SQLite
and PostgreSQL and for grades from any grader.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook, MissingEntry


def grade_frame(db_url: str, root: Path | None = None) -> pd.DataFrame:
    """One row per student; per assignment its total and one column per graded cell.

    Missing submissions are NaN.  Cells still waiting for a manual grade count
    0 in the totals; ``<assignment>:needs_manual`` says how many there are.
    Given the course ``root``, ``<assignment>:needs_a_look`` holds the
    grader's "needs a look" findings ("; "-separated, empty when none;
    autograder.lookout).
    """
    rows = []
    with Gradebook(db_url) as gb:
        assignments = sorted(a.name for a in gb.assignments)
        for student in sorted(s.id for s in gb.students):
            row = {"student": student}
            for name in assignments:
                try:
                    submission = gb.find_submission(name, student)
                except MissingEntry:
                    continue
                row[name] = submission.score
                row[f"{name}:max"] = submission.max_score
                row[f"{name}:needs_manual"] = int(submission.needs_manual_grade)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        row[f"{name}:{grade.name}"] = grade.score
                if root is not None:
                    from .lookout import read_notes

                    row[f"{name}:needs_a_look"] = "; ".join(read_notes(root, name, student))
            rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["student"])
    return frame.set_index("student")


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Totals per assignment as "score/max" text, plus the overall total.

    A "*" marks a submission with written answers still to be graded by hand.
    """
    names = [c for c in frame.columns if ":" not in c]
    table = pd.DataFrame(index=frame.index)
    total, total_max = 0.0, 0.0
    for name in names:
        maxima = frame[f"{name}:max"].dropna()
        top = float(maxima.max()) if len(maxima) else 0.0
        manual = frame.get(f"{name}:needs_manual", pd.Series(0, index=frame.index)).fillna(0)
        table[name] = [("-" if pd.isna(v) else f"{v:g}/{top:g}" + ("*" if m else ""))
                       for v, m in zip(frame[name], manual)]
        total = total + frame[name].fillna(0)
        total_max += top
    table["total"] = [f"{v:g}/{total_max:g}" for v in total] if names else []
    return table


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path = Path(path)
    frame.drop(columns=[c for c in frame.columns if c.endswith(":max")]).to_csv(path)
    return path
