"""``python -m autograder html-report``: where the class struggles, at a glance.

``write_report(root, out_dir)`` writes ``out_dir/index.html`` and, next to it,
PNG figures.  Per assignment:

* a histogram of the total scores of the graded submissions;
* per graded question (autograded test cell or manually graded cell), the
  fraction of students with full, partial and zero marks (and still waiting
  for a manual grade), hardest question first, with the mean;
* the most common failure messages per test cell, read from the error outputs
  of the autograded notebooks (``autograded/<student>/<assignment>/*.ipynb``),
  with numbers normalized so that "yours 0.83, expected 0.95" and "yours 0.5,
  expected 0.7" count as one message (one example is shown verbatim);
* the submissions the grader could not grade, with its reason
  (``.autograder/state/<assignment>/<student>.json``), and the submissions
  not graded yet;
* the students whose submissions wait for a manual grade;
* the submissions that "need a look": code that reaches into the grading
  machinery (autograder.lookout), with what it reaches.

Scores come from nbgrader's gradebook (its API: SQLite or PostgreSQL alike).
Submissions that could not be graded are left out of the score statistics
(the gradebook holds no real score for them).  Every piece of text is
HTML-escaped: error messages and notebook names are the students'.
"""
from __future__ import annotations

import html
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd

TOL = 1e-9
MAX_MESSAGES = 5          # most common failure messages shown per question
MAX_EXAMPLE_CHARS = 600   # a verbatim example longer than this is cut (the count is unaffected)
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
SPECIAL = re.compile(r"(?<![\w.])[-+]?(?:nan|inf)(?![\w])", re.IGNORECASE)


def normalize_message(text: str) -> str:
    """The message with every number replaced by ``#`` (and blanks collapsed)."""
    text = SPECIAL.sub("#", NUMBER.sub("#", text))
    return " ".join(text.split())


def default_db_url(root: Path) -> str:
    """The gradebook of the course root, as its nbgrader_config.py says (NBGRADER_DB_URL too)."""
    root = Path(root)
    if (root / "nbgrader_config.py").exists():
        try:
            from .grade import load_config

            url = load_config(root).CourseDirectory.get("db_url")
            if isinstance(url, str) and url:
                return url
        except Exception:  # a broken config: fall back to the usual place
            pass
    return f"sqlite:///{root.resolve() / 'gradebook.db'}"


def _safe_url(db_url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", db_url)


# --- collecting ------------------------------------------------------------------------------
@dataclass
class Question:
    notebook: str
    name: str
    max_score: float
    kind: str             # "autograded" | "manual"
    label: str = ""


@dataclass
class Assignment:
    name: str
    questions: list[Question] = field(default_factory=list)
    scores: pd.DataFrame = None        # one row per student: total, max, needs_manual
    grades: pd.DataFrame = None        # one row per (student, question)
    failed: pd.DataFrame = None        # student, reason
    ungraded: list[str] = field(default_factory=list)  # submitted, neither graded nor failed
    noted: pd.DataFrame = None         # student, note: graded, with something to look at (files left out)
    failures: pd.DataFrame = None      # question, message, example, count, students
    looks: pd.DataFrame = None         # student, findings ("needs a look")


def _grade_kind(notebook) -> dict[str, str]:
    solutions = {c.name for c in notebook.solution_cells}
    return {c.name: ("manual" if c.cell_type == "markdown" or c.name in solutions else "autograded")
            for c in notebook.grade_cells}


def _state(root: Path, assignment: str) -> dict[str, dict]:
    out = {}
    for path in sorted((root / ".autograder" / "state" / assignment).glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            out[path.stem] = data
    return out


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _failure_messages(root: Path, assignment: str, students: list[str], labels: dict) -> pd.DataFrame:
    rows = []
    for student in students:
        folder = root / "autograded" / student / assignment
        for path in sorted(folder.glob("*.ipynb")):
            try:
                nb = nbformat.read(str(path), as_version=4)
            except Exception:
                continue
            for cell in nb.cells:
                if not _is_test_cell(cell):
                    continue
                grade_id = cell.metadata["nbgrader"].get("grade_id", "?")
                seen = set()
                for out in cell.get("outputs", []):
                    if out.get("output_type") != "error":
                        continue
                    ename, evalue = str(out.get("ename", "Error")), str(out.get("evalue", ""))
                    message = f"{ename}: {evalue}" if evalue.strip() else f"{ename} (no message)"
                    key = normalize_message(message)
                    if key in seen:  # one student counts once per message
                        continue
                    seen.add(key)
                    rows.append({"question": labels.get((path.stem, grade_id), grade_id), "key": key,
                                 "message": message, "student": student})
    if not rows:
        return pd.DataFrame(columns=["question", "message", "count", "students"])
    frame = pd.DataFrame(rows)
    grouped = (frame.groupby(["question", "key"], sort=False)
               .agg(message=("message", "first"), count=("student", "nunique"),
                    students=("student", lambda s: sorted(set(s))))
               .reset_index())
    return grouped.sort_values(["question", "count"], ascending=[True, False], kind="stable")


def collect(root: Path, db_url: str) -> list[Assignment]:
    from nbgrader.api import Gradebook

    root = Path(root)
    out = []
    with Gradebook(db_url) as gb:
        for a in sorted(gb.assignments, key=lambda a: a.name):
            info = Assignment(a.name)
            notebooks = sorted(a.notebooks, key=lambda n: n.name)
            for nb in notebooks:
                kinds = _grade_kind(nb)
                # in the notebook's order (grade cells have no order: use the source notebook when there)
                order = _cell_order(root, a.name, nb.name)
                for cell in sorted(nb.grade_cells, key=lambda c: (order.get(c.name, 1e9), c.name)):
                    label = cell.name if len(notebooks) == 1 else f"{nb.name}:{cell.name}"
                    info.questions.append(Question(nb.name, cell.name, float(cell.max_score or 0),
                                                   kinds[cell.name], label))
            labels = {(q.notebook, q.name): q.label for q in info.questions}
            state = _state(root, a.name)
            failed = {s: d.get("reason", "") or "(no reason recorded)"
                      for s, d in state.items() if d.get("status") == "failed"}
            score_rows, grade_rows = [], []
            for sub in a.submissions:
                student = sub.student.id
                if student in failed:
                    continue
                score_rows.append({"student": student, "total": float(sub.score or 0),
                                   "max": float(sub.max_score or 0),
                                   "needs_manual": bool(sub.needs_manual_grade)})
                for nb in sub.notebooks:
                    for g in nb.grades:
                        grade_rows.append({
                            "student": student, "question": labels.get((nb.name, g.name), g.name),
                            "score": float(g.score or 0), "max": float(g.max_score or 0),
                            "pending": bool(g.needs_manual_grade)})
            info.scores = pd.DataFrame(score_rows, columns=["student", "total", "max", "needs_manual"])
            info.grades = pd.DataFrame(grade_rows, columns=["student", "question", "score", "max", "pending"])
            info.failed = pd.DataFrame(sorted(failed.items()), columns=["student", "reason"])
            info.noted = pd.DataFrame(sorted((s, d["reason"]) for s, d in state.items()
                                             if d.get("status") == "graded" and d.get("reason")),
                                      columns=["student", "note"])
            in_gradebook = {s.student.id for s in a.submissions}
            submitted = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{a.name}") if p.is_dir())
            info.ungraded = [s for s in submitted if s not in in_gradebook and s not in failed]
            info.failures = _failure_messages(root, a.name, sorted(info.scores["student"]), labels)
            from .lookout import read_notes

            looks = [(s, "; ".join(read_notes(root, a.name, s))) for s in sorted(info.scores["student"])]
            info.looks = pd.DataFrame([(s, f) for s, f in looks if f], columns=["student", "findings"])
            out.append(info)
    return out


def _cell_order(root: Path, assignment: str, notebook: str) -> dict[str, int]:
    for folder in ("source", "release"):
        path = root / folder / assignment / f"{notebook}.ipynb"
        if path.exists():
            try:
                nb = nbformat.read(str(path), as_version=4)
            except Exception:
                continue
            return {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(nb.cells)
                    if c.metadata.get("nbgrader", {}).get("grade_id")}
    return {}


def question_table(info: Assignment) -> pd.DataFrame:
    """Per question: points, mean, and how many students have full / partial / zero / pending marks;
    hardest first (lowest mean fraction of the points)."""
    kinds = {q.label: q.kind for q in info.questions}
    rows = []
    for q in info.questions:
        g = info.grades[info.grades["question"] == q.label]
        done = g[~g["pending"]]
        top = q.max_score
        full = int((done["score"] >= top - TOL).sum()) if top > 0 else len(done)
        zero = int((done["score"] <= TOL).sum()) if top > 0 else 0
        rows.append({"question": q.label, "kind": kinds[q.label], "points": top,
                     "mean": float(done["score"].mean()) if len(done) else np.nan,
                     "full": full, "partial": len(done) - full - zero, "zero": zero,
                     "pending": int(g["pending"].sum()), "students": len(g)})
    frame = pd.DataFrame(rows, columns=["question", "kind", "points", "mean", "full", "partial", "zero",
                                        "pending", "students"])
    frame["mean %"] = 100 * frame["mean"] / frame["points"].where(frame["points"] > 0)
    return frame.sort_values("mean %", na_position="last", kind="stable").reset_index(drop=True)


# --- figures (matplotlib's object API: no pyplot, no global state) -----------------------
def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    fig.savefig(path, format="png")
    return path


def histogram_png(info: Assignment, path: Path) -> Path:
    fig = _figure(6, 3)
    ax = fig.add_subplot()
    totals = info.scores["total"].to_numpy(dtype=float)
    top = float(info.scores["max"].max()) if len(info.scores) else 0.0
    if top <= 0:
        top = float(max(totals.max(initial=0), 1))
    if top <= 40:
        bins = np.arange(-0.5, np.ceil(top) + 1.0, 1.0)
    else:
        bins = np.linspace(0, top, 21)
    counts, _, _ = ax.hist(totals, bins=bins, color="#4477aa", edgecolor="white")
    ax.set_ylim(0, max(float(np.max(counts, initial=0)), 1.0) * 1.3)
    if len(totals):
        mean = float(totals.mean())
        ax.axvline(mean, color="#cc3311", linestyle="--", linewidth=1.5, label=f"mean {mean:.3g}")
        ax.legend(loc="best", framealpha=0.8)
    ax.set_xlim(bins[0], bins[-1])
    ax.set_xlabel(f"total score (of {top:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(f"{info.name}: total scores ({len(totals)} graded)")
    return _save(fig, path)


COLOURS = {"full": "#228833", "partial": "#ccbb44", "zero": "#ee6677", "pending": "#bbbbbb"}


def questions_png(table: pd.DataFrame, title: str, path: Path) -> Path:
    n = max(len(table), 1)
    fig = _figure(7.5, 0.9 + 0.36 * n)
    ax = fig.add_subplot()
    labels = [f"{q} (mean {m:.2g}/{p:g})" if pd.notna(m) else f"{q} (-/{p:g})"
              for q, m, p in zip(table["question"], table["mean"], table["points"])]
    y = np.arange(len(table))
    left = np.zeros(len(table))
    total = table["students"].where(table["students"] > 0, 1).to_numpy(dtype=float)
    for key, colour in COLOURS.items():
        share = table[key].to_numpy(dtype=float) / total
        if key == "pending" and not share.any():
            continue
        ax.barh(y, share, left=left, color=colour, label=key, edgecolor="white", height=0.8)
        left += share
    ax.set_yticks(y, labels)
    ax.invert_yaxis()  # hardest on top
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("fraction of graded students")
    fig.suptitle(title)
    fig.legend(loc="outside lower center", ncols=4, frameon=False, fontsize="small")
    return _save(fig, path)


# --- HTML ---------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:70rem;
     padding:0 1rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem} h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
.meta{color:#666;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} tr:nth-child(even) td{background:#fafafa}
td.msg,.msg{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word;
     max-width:45rem}
img{max-width:100%;height:auto;display:block;margin:.5rem 0}
.ok{color:#228833} .warn{color:#aa4400}
"""


def _h(text) -> str:
    return html.escape(str(text), quote=True)


def _table(frame: pd.DataFrame, **kw) -> str:
    return frame.to_html(index=False, escape=True, border=0, na_rep="-", **kw)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "assignment"


def _fmt(v) -> str:
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3g}"


def _assignment_html(index: int, info: Assignment, out_dir: Path) -> tuple[str, dict]:
    parts = [f'<h2 id="a{index}">{_h(info.name)}</h2>']
    scores = info.scores
    summary = {"assignment": info.name, "graded": len(scores), "could not grade": len(info.failed),
               "not graded yet": len(info.ungraded),
               "need manual grading": int(scores["needs_manual"].sum()) if len(scores) else 0,
               "max": float(scores["max"].max()) if len(scores) else np.nan,
               "mean": float(scores["total"].mean()) if len(scores) else np.nan,
               "median": float(scores["total"].median()) if len(scores) else np.nan}
    slug = f"{index:02d}_{_slug(info.name)}"
    if len(scores):
        hist = histogram_png(info, out_dir / f"{slug}_totals.png")
        parts.append(f"<p>{len(scores)} graded submission(s); mean {_fmt(summary['mean'])}, "
                     f"median {_fmt(summary['median'])} of {_fmt(summary['max'])} points.</p>")
        parts.append(f'<img src="{_h(urllib.parse.quote(hist.name))}" '
                     f'alt="histogram of the total scores of {_h(info.name)}">')
    else:
        parts.append("<p>No graded submissions yet.</p>")

    table = question_table(info)
    if len(table) and len(scores):
        fig = questions_png(table, f"{info.name}: marks per question, hardest first",
                            out_dir / f"{slug}_questions.png")
        parts.append("<h3>Questions, hardest first</h3>")
        parts.append(f'<img src="{_h(urllib.parse.quote(fig.name))}" '
                     f'alt="fraction of students with full, partial and zero marks per question of {_h(info.name)}">')
        shown = table.drop(columns=["students"]).copy()
        shown["mean"] = shown["mean"].map(_fmt)
        shown["mean %"] = shown["mean %"].map(lambda v: "-" if pd.isna(v) else f"{v:.0f}%")
        shown["points"] = shown["points"].map(lambda v: f"{v:g}")
        parts.append(_table(shown, classes="questions"))

    parts.append("<h3>Most common failure messages</h3>")
    if len(info.failures):
        order = {q: i for i, q in enumerate(table["question"])}
        rows = []
        for question, group in sorted(info.failures.groupby("question", sort=False),
                                      key=lambda qg: order.get(qg[0], 1e9)):
            top = group.head(MAX_MESSAGES)
            for _, r in top.iterrows():
                example = r["message"]
                if len(example) > MAX_EXAMPLE_CHARS:
                    example = example[:MAX_EXAMPLE_CHARS] + " [...]"
                who = ", ".join(r["students"][:8]) + (f" and {len(r['students']) - 8} more"
                                                       if len(r["students"]) > 8 else "")
                rows.append((question, int(r["count"]), example, who))
            if len(group) > MAX_MESSAGES:
                rest = group.iloc[MAX_MESSAGES:]
                rows.append((question, int(rest["count"].sum()),
                             f"({len(rest)} other message(s))", ""))
        body = "".join(f'<tr><td>{_h(q)}</td><td>{n}</td><td class="msg">{_h(m)}</td><td>{_h(w)}</td></tr>'
                       for q, n, m, w in rows)
        parts.append('<table class="failures"><thead><tr><th>question</th><th>students</th>'
                     '<th>message (one example; numbers may differ)</th><th>who</th></tr></thead>'
                     f"<tbody>{body}</tbody></table>")
    else:
        parts.append('<p class="ok">No test cell failed with an error message.</p>')

    parts.append("<h3>Submissions that could not be graded</h3>")
    if len(info.failed):
        parts.append(_table(info.failed, classes="failed"))
    else:
        parts.append('<p class="ok">None.</p>')
    parts.append("<h3>Needs a look</h3>")
    if info.looks is not None and len(info.looks):
        parts.append('<p class="warn">These submissions reach into the grading machinery; their grade does '
                     "not depend on it, but a person should look (the note at the top of each autograded "
                     "notebook, in formgrader, says the same).</p>")
        parts.append(_table(info.looks, classes="looks"))
    else:
        parts.append('<p class="ok">Nobody.</p>')
    if info.noted is not None and len(info.noted):
        parts.append("<h3>Graded, with a note</h3>")
        parts.append(_table(info.noted, classes="failed"))
    if info.ungraded:
        parts.append("<h3>Submitted but not graded yet</h3>")
        parts.append(f'<p class="warn">{_h(", ".join(info.ungraded))}</p>')

    parts.append("<h3>Waiting for manual grading</h3>")
    pending = info.grades[info.grades["pending"]]
    if len(pending):
        manual = (pending.groupby("student")["question"].apply(lambda s: ", ".join(s)).reset_index()
                  .rename(columns={"question": "questions to grade"}))
        parts.append(_table(manual, classes="manual"))
    else:
        parts.append('<p class="ok">Nobody.</p>')
    return "\n".join(parts), summary


def write_report(root: Path, out_dir: Path, db_url: str | None = None) -> Path:
    """Write ``out_dir/index.html`` and its PNG figures; return the path of index.html."""
    root = Path(root).resolve()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("[0-9][0-9]_*.png"):  # figures of a previous report
        old.unlink()
    db_url = db_url or default_db_url(root)
    assignments = collect(root, db_url)

    sections, summaries = [], []
    for index, info in enumerate(assignments, start=1):
        section, summary = _assignment_html(index, info, out_dir)
        sections.append(section)
        summaries.append(summary)
    overview = pd.DataFrame(summaries, columns=["assignment", "graded", "could not grade", "not graded yet",
                                                "need manual grading", "max", "mean", "median"])
    for col in ("max", "mean", "median"):
        overview[col] = overview[col].map(_fmt)
    toc = " | ".join(f'<a href="#a{i}">{_h(a.name)}</a>' for i, a in enumerate(assignments, start=1))
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report: {_h(root.name)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>Class report</h1>
<p class="meta">course root {_h(root)} &middot; gradebook {_h(_safe_url(db_url))} &middot; written {_h(now)}</p>
<p>{toc}</p>
<h2>Overview</h2>
{_table(overview, classes="overview") if len(overview) else "<p>The gradebook has no assignments.</p>"}
<p class="meta">Scores are from the gradebook; submissions that could not be graded are left out of the
statistics. Cells waiting for a manual grade count 0 in the totals.</p>
{"".join(sections)}
</body>
</html>
"""
    index = out_dir / "index.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(index)
    return index
