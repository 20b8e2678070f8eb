"""No student-made content runs in a grader's browser: autograder.sanitize.

A hostile submission displays HTML with <script>, an <img onerror>, SVG with a
script, JavaScript, Markdown, an iframe, a widget view and a forged PNG, and
writes raw HTML, a javascript: link and an SVG attachment into markdown, a
raw HTML cell and widget state into the notebook metadata.  Each payload
carries a marker ``PWN-<name>``; ``live_payloads`` lists the markers that a
browser would execute in nbconvert's HTML of a notebook (the HTML formgrader
and feedback show).  On the unsanitized notebook it finds them all (so the
detector works); after neutralising, none, while code, text and images stay.
The same is checked on a real ``python -m autograder grade`` of the submission
and on its ``nbgrader generate_feedback``.
"""
from __future__ import annotations

import base64
import copy
import html
import re
import shutil
import subprocess
import sys
import zlib

import nbformat
import pytest
from nbconvert import HTMLExporter

from autograder import catalogue, course, sanitize
from autograder.grade import Grader, Job

from ..conftest import one_assignment_root

A01 = "01_binary_classification"
MARK = re.compile(r"PWN-[a-z0-9-]+")


def payload(name: str, beacon: str) -> str:
    """JavaScript that records ``name`` in the page and calls the beacon."""
    return (f"(window.__xss=window.__xss||[]).push('PWN-{name}');"
            f"fetch('{beacon}/PWN-{name}',{{mode:'no-cors'}}).catch(function(){{}})")


def png(width: int = 1, height: int = 1) -> str:
    """A real PNG (grey pixels), base64."""
    def chunk(kind, data):
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", width.to_bytes(4, "big") + height.to_bytes(4, "big")
                                        + bytes([8, 0, 0, 0, 0]))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(data).decode()


HOSTILE_CODE = '''\
from IPython.display import HTML, SVG, Javascript, Markdown, IFrame, display
P = {payloads!r}
print("the student's own print")
display(HTML("<b>bold</b><script>" + P["html-script"] + "</script>"))
display(HTML('<img src="x" onerror="' + P["html-onerror"] + '">'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>'
            + P["svg-script"] + '</script><circle r="5"/></svg>'))
display(Javascript(P["javascript"]))
display(Markdown('<img src="x" onerror="' + P["markdown-output"] + '">'))
display(IFrame("javascript:" + P["iframe"], 10, 10))
display({{"application/vnd.jupyter.widget-view+json": {{"model_id": "f00", "version_major": 2,
          "version_minor": 0}}, "text/html": "<script>" + P["widget-html"] + "</script>",
          "text/plain": "IntSlider(value=3)"}}, raw=True)
display({{"image/png": 'x" onerror="' + P["png-forged"] + '" a="', "text/plain": "<Figure>"}}, raw=True)
display({{"image/png": {png!r}}}, raw=True, metadata={{"image/png": {{"width": '1 onload="' + P["png-meta"] + '"'}}}})
'''


def hostile_cells(beacon: str = "http://127.0.0.1:9") -> tuple[list, dict]:
    """The cells a hostile student adds, and the notebook metadata they set."""
    names = ["html-script", "html-onerror", "svg-script", "javascript", "markdown-output", "iframe",
             "widget-html", "png-forged", "png-meta"]
    code = HOSTILE_CODE.format(payloads={n: payload(n, beacon) for n in names}, png=png())
    svg = base64.b64encode(f"<svg xmlns='http://www.w3.org/2000/svg' onload=\"{payload('attachment', beacon)}\"/>"
                           .encode()).decode()
    cells = [
        nbformat.v4.new_markdown_cell(
            "My answer: the loss is convex.\n\n"
            f'<img src="x" onerror="{payload("markdown-onerror", beacon)}">\n\n'
            f"[see my notes](javascript:{payload('markdown-link', beacon)})\n\n"
            f"<svg><script>{payload('markdown-svg', beacon)}</script></svg>\n\n"
            "![pic](attachment:pic.svg)",
            attachments={"pic.svg": {"image/svg+xml": svg}}),
        nbformat.v4.new_raw_cell(f"<script>{payload('raw-cell', beacon)}</script>",
                                 metadata={"raw_mimetype": "text/html"}),
        nbformat.v4.new_code_cell(code),
    ]
    metadata = {
        "widgets": {"application/vnd.jupyter.widget-state+json": {
            "version_major": 2, "version_minor": 0,
            "state": {"f00": {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls",
                              "model_module_version": "2.0.0",
                              "state": {"value": f"<img src=x onerror=\"{payload('widget-state', beacon)}\">"}}}}},
        "title": f"</title><script>{payload('title', beacon)}</script>",
    }
    return cells, metadata


def hostile_submission(beacon: str = "http://127.0.0.1:9"):
    """Assignment 01 solved correctly, plus the hostile cells after the first graded function."""
    nb = catalogue.read(course.REPO / "source" / A01 / f"{A01}.ipynb")
    cells, metadata = hostile_cells(beacon)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "make_labels")
    nb.cells[at + 1:at + 1] = cells
    nb.metadata.update(metadata)
    return nb


def executed_hostile_notebook(beacon: str = "http://127.0.0.1:9"):
    """The hostile cells with the outputs their code displays (built without a kernel)."""
    from IPython.display import HTML, SVG, IFrame, Javascript, Markdown  # noqa: F401 (used by the code)
    from IPython.core.formatters import DisplayFormatter

    cells, metadata = hostile_cells(beacon)
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                        "display_name": "Python 3"}, **metadata})
    outputs = [nbformat.v4.new_output("stream", name="stdout", text="the student's own print\n")]
    formatter = DisplayFormatter()

    def display(obj, raw=False, metadata=None):
        if raw:
            data, meta = obj, metadata or {}
        else:
            data, meta = formatter.format(obj)
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=meta))

    code = cells[2].source.replace("from IPython.display import HTML, SVG, Javascript, Markdown, IFrame, display\n", "")
    exec(code.replace('print("the student\'s own print")\n', ""), {"display": display, "HTML": HTML, "SVG": SVG,
                                                               "Javascript": Javascript, "Markdown": Markdown,
                                                               "IFrame": IFrame})
    outputs.append(nbformat.v4.new_output("error", ename="ValueError", evalue="<script>x</script>",
                                          traceback=["ValueError: <script>x</script>"]))
    cells[2].outputs = outputs
    return nb


def with_live_cells(graded, beacon: str = "http://127.0.0.1:9"):
    """An autograded hostile submission with its hostile cells as they ran, never
    neutralised (as one autograded before autograder.sanitize, or by another tool)."""
    graded = copy.deepcopy(graded)
    live = executed_hostile_notebook(beacon)
    at = next(i for i, c in enumerate(graded.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "make_labels")
    graded.cells[at + 1:at + 1 + len(live.cells)] = live.cells
    graded.metadata.update({k: v for k, v in live.metadata.items() if k != "kernelspec"})
    return graded


# --- what a browser would run ----------------------------------------------------------------
def live_payloads(page: str) -> set[str]:
    """Markers of payloads that a browser would execute (or load) in this HTML page."""
    from bleach import html5lib_shim

    parser = html5lib_shim.BleachHTMLParser(tags=None, strip=False, consume_entities=True,
                                            namespaceHTMLElements=False)
    walker = html5lib_shim.getTreeWalker("etree")
    found, in_script = set(), None
    for token in walker(parser.parseFragment(page)):
        kind = token["type"]
        if kind in ("StartTag", "EmptyTag"):
            tag = token["name"].lower()
            attrs = {name.lower(): value or "" for (_, name), value in token["data"].items()}
            if tag == "script" and attrs.get("type", "text/javascript") in ("text/javascript", "module", ""):
                in_script = tag
            for name, value in attrs.items():
                value = html.unescape(value)
                live = (name.startswith("on")
                        or (name in ("href", "src", "data", "action", "formaction")
                            and re.sub(r"\s+", "", value).lower().startswith(("javascript:", "data:text", "data:image/svg"))))
                if live or (tag in ("iframe", "object", "embed", "svg") and name in ("src", "srcdoc", "data")):
                    found.update(MARK.findall(value))
            if tag in ("svg", "iframe", "object", "embed", "math"):
                found.add(f"<{tag}>")
        elif kind == "EndTag" and token["name"].lower() == "script":
            in_script = None
        elif kind == "Characters" and in_script:
            found.update(MARK.findall(token["data"]))
    return found


def rendered(nb) -> str:
    """nbconvert's HTML of the notebook, with the classic template formgrader's extends."""
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))
    return body


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


# --- the function itself ------------------------------------------------------------------------
def test_the_detector_sees_every_payload_before():
    before = live_payloads(rendered(executed_hostile_notebook()))
    # what this nbconvert passes through live (it escapes raw cells, the title and
    # image data itself, cleans SVG outputs, and leaves widget state to a CDN script)
    for name in ("html-script", "html-onerror", "javascript", "markdown-output", "iframe", "png-meta",
                 "markdown-onerror", "markdown-link", "markdown-svg"):
        assert f"PWN-{name}" in before, (name, sorted(before))


def test_no_payload_survives_and_the_work_stays_readable():
    nb = executed_hostile_notebook()
    changes = sanitize.neutralize_notebook(nb)
    page = rendered(nb)
    assert live_payloads(page) == set(), sorted(live_payloads(page))

    mime_types = {m for c in nb.cells for o in c.get("outputs", []) for m in o.get("data", {})}
    assert mime_types <= {"text/plain", "image/png"}
    assert "widgets" not in nb.metadata and "title" not in nb.metadata
    assert nb.metadata.kernelspec.name == "python3"
    outs = nb.cells[2].outputs
    # the student's code, prints, tracebacks and real images are kept as they were
    assert "display(HTML(" in nb.cells[2].source
    assert outs[0].text == "the student's own print\n"
    assert outs[-1].evalue == "<script>x</script>"
    images = [o for o in outs if "image/png" in o.get("data", {})]
    assert [o.data["image/png"] for o in images] == [png()]
    assert images[0].metadata == {}  # the width was not a number
    # what was displayed as HTML is shown as text, for the grader to read
    plain = "\n".join(o.data.get("text/plain", "") for o in outs if "data" in o)
    assert "<b>bold</b><script>(window.__xss" in plain
    assert "IntSlider(value=3)" in plain          # an informative repr is kept as it is
    text = visible_text(page)
    assert "<b>bold</b><script>" in text and "My answer: the loss is convex." in text
    assert "[see my notes](javascript:" in text     # the markdown answer, verbatim, as text
    assert nb.cells[1].metadata.raw_mimetype == "text/plain"
    assert "attachments" not in nb.cells[0]
    assert len(changes) >= 10
    # neutralising twice changes nothing more
    again = copy.deepcopy(nb)
    assert sanitize.neutralize_notebook(again) == [] and again == nb


@pytest.mark.parametrize("source", [
    "Plain text with $x<y$, $0 < q < 1$, **bold**, `a<b` and a [link](https://example.org).",
    "```python\nif x<y:\n    print('<script>')\n```",
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n> quoted\n\n![plot](plot.png)",
    "# Heading\n\n$$\\sigma(z) = \\frac{1}{1 + e^{-z}}$$",
])
def test_plain_markdown_is_left_as_written(source):
    cell = nbformat.v4.new_markdown_cell(source)
    assert sanitize.neutralize_cell(cell) == [] and cell.source == source


@pytest.mark.parametrize("source", [
    '<img src=x onerror="PWN-a">',
    "[x](&#106;avascript:PWN-b)",
    "<JavaScript:PWN-c>",
    '<a href="java&#x09;script:PWN-d">x</a>',
    "<scr<script>ipt>PWN-e</script>",
    "<details open ontoggle=PWN-f>",
    '<iframe srcdoc="<script>PWN-g</script>">',
    "[x](data:text/html,<script>PWN-h</script>)",
    "<style>body{background:url(https://evil/PWN-i)}</style>",
    "<!-- --><img src=x onerror=PWN-j>",
])
def test_markdown_with_active_content_is_shown_as_text(source):
    cell = nbformat.v4.new_markdown_cell(source)
    assert sanitize.neutralize_cell(cell)
    nb = nbformat.v4.new_notebook(cells=[cell])
    page = rendered(nb)
    assert not live_payloads(page) and "<style>body" not in page
    assert source in visible_text(page)


def test_course_notebooks_are_unchanged():
    """The course's own cells (source and release) read exactly as before."""
    for folder in ("source", "release"):
        for path in sorted((course.REPO / folder).glob("*/*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            before = copy.deepcopy(nb)
            assert sanitize.neutralize_notebook(nb) == [], path
            assert nb == before


def test_attachments_keep_only_images():
    cell = nbformat.v4.new_markdown_cell("![a](attachment:a.png) ![b](attachment:b.svg)", attachments={
        "a.png": {"image/png": png()}, "b.svg": {"image/svg+xml": "PHN2Zz4="}})
    sanitize.neutralize_cell(cell)
    assert cell.attachments == {"a.png": {"image/png": png()}}
    # b.svg is gone, so the cell is shown as text instead of failing to render
    assert cell.source.startswith("*The autograder shows this cell as text")


# --- the real pipeline: grade, then feedback ------------------------------------------------------
@pytest.mark.slow
def test_graded_and_feedback_notebooks_are_neutralised(tmp_path):
    root = one_assignment_root(tmp_path / "course", A01)
    folder = root / "submitted" / "mallory" / A01
    folder.mkdir(parents=True)
    nbformat.write(hostile_submission(), str(folder / f"{A01}.ipynb"))

    # stage 1 (nbgrader's sanitizing copy) is already safe: it is what autograded/
    # holds if grading fails after it
    grader = Grader(root, progress=False, allow_unsandboxed=True)
    try:
        (prepared,), _ = grader.prepare(Job(A01, "mallory"))
    finally:
        grader.close()
    assert not live_payloads(rendered(nbformat.read(str(prepared), as_version=4)))

    done = subprocess.run([sys.executable, "-m", "autograder", "grade", A01, "--root", str(root), "--quiet",
                           "--force"], env=course.nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    graded = nbformat.read(str(root / "autograded" / "mallory" / A01 / f"{A01}.ipynb"), as_version=4)
    page = rendered(graded)
    assert not live_payloads(page)
    assert "def make_labels(mpg, target=30.0):" in visible_text(page)
    assert "<b>bold</b><script>" in visible_text(page)   # what the student displayed, as text

    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        score = {s.student.id: (s.score, s.max_score) for s in gb.assignment_submissions(A01)}["mallory"]
    # the grade is nbgrader's as before: the solution is correct, the extra cells cost nothing
    assert score == (9.0, 9.0)

    # plain `nbgrader autograde` neutralises too (the course's nbgrader_config.py)
    trudy = root / "submitted" / "trudy" / A01
    shutil.copytree(folder, trudy)
    course.nbgrader("autograde", A01, "--student", "trudy", root=root)
    plain = nbformat.read(str(root / "autograded" / "trudy" / A01 / f"{A01}.ipynb"), as_version=4)
    assert not live_payloads(rendered(plain)) and "<b>bold</b><script>" in visible_text(rendered(plain))

    # feedback is made from autograded/; an old, unsanitized copy is neutralised there too
    nbformat.write(with_live_cells(plain), str(root / "autograded" / "trudy" / A01 / f"{A01}.ipynb"))
    course.nbgrader("generate_feedback", A01, "--force", root=root)
    for student in ("mallory", "trudy"):
        feedback = (root / "feedback" / student / A01 / f"{A01}.html").read_text()
        assert not live_payloads(feedback), student
        assert "def make_labels(mpg, target=30.0):" in visible_text(feedback)
