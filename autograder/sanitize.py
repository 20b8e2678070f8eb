"""No student-made content runs in a grader's browser.

Formgrader renders ``autograded/`` notebooks with nbconvert, which passes a
notebook's HTML through as it is: a submission's ``display(HTML("<script>"))``
output, an ``<img onerror=...>`` in a markdown answer or a ``javascript:``
link would run in the grader's page, with the grader's Jupyter session (the
``_xsrf`` cookie is readable, the contents API writes files, the next grading
run executes them).  Feedback is rendered the same way.  So, before a notebook
is written to ``autograded/`` or to ``feedback/``, everything that a browser
could execute is turned into text:

* **code cell outputs** keep ``text/plain`` and PNG/JPEG images (checked to be
  real base64 images); every other MIME type (HTML, Markdown, SVG, LaTeX,
  JavaScript, widget views, ...) is removed, and when the output has no
  readable ``text/plain`` its source is shown as plain text instead, so the
  grader still sees what the student displayed.  Output metadata keeps only
  numeric image sizes; stream names and output types are checked.
* **markdown cells** are left exactly as written unless nbconvert's own
  Markdown renderer -- the one formgrader uses -- turns them into anything but
  the HTML of plain Markdown (raw tags, event handlers, comments; links and
  images only to http(s), mailto, relative or ``#`` targets).  Such a cell
  is shown as text: its whole source in a fenced code block under a one-line
  note.  Attachments are kept only when they are PNG/JPEG images.
* **raw cells** are marked ``text/plain``, which nbconvert's HTML export never
  emits as HTML (JupyterLab shows raw cells as text anyway).
* **notebook metadata** keeps only ``kernelspec``, ``language_info`` and
  ``nbgrader``: the ``widgets`` state (which JupyterLab would render), a
  ``title`` and everything else a student put there go.  Cell metadata keeps
  nbgrader's keys; tags must be plain words.

Plain text, code and images are untouched, so the course's own cells and
outputs read as before; nbgrader's cell metadata (grade ids, points) and the
gradebook are not changed.  The same preprocessor runs on nbgrader's
sanitized copy of a submission (stage 1 of ``autograder.grade``), as the last
step before the autograded notebook is written (``autograder.finish``; for
plain ``nbgrader autograde`` through ``nbgrader_config.py``), in the feedback
pipeline, and in formgrader's own rendering (``HTMLExporter.preprocessors``),
so a notebook autograded before this existed is safe to look at too.
"""
from __future__ import annotations

import base64
import binascii
import functools
import html
import re
from urllib.parse import urlsplit

from nbconvert.preprocessors import Preprocessor

# What a code cell output may keep.  Everything else is active or rendered as HTML.
SAFE_IMAGES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
NOTEBOOK_METADATA = ("kernelspec", "language_info", "nbgrader")
CELL_METADATA = ("nbgrader", "deletable", "editable", "collapsed", "scrolled", "jupyter", "tags", "trusted",
                 "raw_mimetype")
MAX_SHOWN = 20_000     # characters of removed rich content shown as text, per output
SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_.+-]{1,100}$")
CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# The HTML that nbconvert's Markdown renderer makes from plain Markdown (with
# its heading anchors, highlighted code, tables, task lists and math left as
# text for MathJax).  Anything else in a rendered cell came from raw HTML.
MARKDOWN_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "kbd", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "span", "div",
    "table", "thead", "tbody", "tr", "th", "td", "input",
}
MARKDOWN_ATTRS = {"href", "src", "alt", "title", "id", "class", "start", "style",
                  "type", "checked", "disabled", "align"}
URL_ATTRS = {"href", "src"}
SAFE_SCHEMES = {"", "http", "https", "mailto", "attachment"}
STYLE_OK = re.compile(r"^\s*(text-align\s*:\s*(left|right|center)\s*;?\s*)?$")
INPUT_OK = {"type": {"checkbox"}, "checked": {"", "checked", None}, "disabled": {"", "disabled", None}}


def _safe_url(url: str) -> bool:
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    squeezed = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url))
    if squeezed.startswith(("data:image/png;base64,", "data:image/jpeg;base64,")):
        return True   # an attachment nbconvert embedded (attachments are checked to be images)
    try:
        scheme = urlsplit(squeezed).scheme.lower()
    except ValueError:
        return False
    return scheme in SAFE_SCHEMES


def html_problems(fragment: str) -> list[str]:
    """What in an HTML fragment goes beyond the HTML of plain Markdown.

    Parsed by html5lib (through bleach, as bleach itself parses), which follows
    the HTML standard's parsing rules, i.e. sees the tags a browser would see.
    """
    from bleach import html5lib_shim

    parser = html5lib_shim.BleachHTMLParser(tags=None, strip=False, consume_entities=True,
                                            namespaceHTMLElements=False)
    walker = html5lib_shim.getTreeWalker("etree")
    problems = []
    for token in walker(parser.parseFragment(fragment)):
        kind = token["type"]
        if kind == "Comment":
            problems.append("an HTML comment")
        elif kind in ("StartTag", "EmptyTag"):
            tag = token["name"].lower()
            if tag not in MARKDOWN_TAGS:
                problems.append(f"<{tag}>")
                continue
            for (_, name), value in token["data"].items():
                name = name.lower()
                if name not in MARKDOWN_ATTRS:
                    problems.append(f"<{tag} {name}=...>")
                elif name in URL_ATTRS and not _safe_url(value or ""):
                    problems.append(f"<{tag} {name}={value[:40]!r}>")
                elif name == "style" and not STYLE_OK.match(value or ""):
                    problems.append(f"<{tag} style=...>")
                elif tag == "input" and name in INPUT_OK and value not in INPUT_OK[name]:
                    problems.append(f"<input {name}={value!r}>")
        elif kind == "Doctype":
            problems.append("a doctype")
    return problems


def markdown_problems(source: str, attachments: dict | None = None) -> list[str]:
    """Why a markdown cell cannot be shown as Markdown (empty: it can).

    The cell is rendered by nbconvert's Markdown renderer, the one formgrader and
    feedback use (it passes raw HTML and ``javascript:`` links through), and
    the result is checked.  JupyterLab sanitizes Markdown itself.
    """
    if not attachments:
        return list(_markdown_problems_of(source))
    return _markdown_problems(source, attachments)


@functools.lru_cache(maxsize=4096)
def _markdown_problems_of(source: str) -> tuple[str, ...]:
    # the course's own cells are the same in every submission: render each once
    return tuple(_markdown_problems(source, {}))


def _markdown_problems(source: str, attachments: dict) -> list[str]:
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    try:
        renderer = IPythonRenderer(escape=False, attachments=attachments)
        rendered = MarkdownWithMath(renderer=renderer).render(source)
    except Exception as exc:  # what nbconvert cannot read, a browser must not try either
        return [f"Markdown that nbconvert cannot render ({type(exc).__name__}: {exc})"]
    return html_problems(rendered)


MARKDOWN_NOTE = ("The autograder shows this cell as text: it held HTML or links that could "
                 "run code in a grader's browser.")


def as_text_block(source: str, note: str) -> str:
    """Markdown that shows ``source`` verbatim: a fence longer than any inside it."""
    longest = max((len(m) for m in re.findall(r"`+|~+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"*{note}*\n\n{fence}text\n{source}\n{fence}"


def _valid_image(mime: str, data) -> bool:
    if not isinstance(data, str):
        return False
    compact = re.sub(r"\s+", "", data)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw.startswith(SAFE_IMAGES[mime])


def _as_text(value) -> str:
    if isinstance(value, list):
        value = "".join(map(str, value))
    return value if isinstance(value, str) else repr(value)


# text/plain reprs that say nothing about what was displayed
_OPAQUE_REPR = re.compile(r"^<[\w.]+ object( at 0x[0-9a-f]+)?>$")


def _clean_output(out: dict, changes: list[str], where: str) -> dict | None:
    kind = out.get("output_type")
    if kind == "stream":
        if out.get("name") not in ("stdout", "stderr"):
            out["name"] = "stdout"
            changes.append(f"{where}: unknown stream name")
        out["text"] = _as_text(out.get("text", ""))
        return out
    if kind == "error":
        out["ename"], out["evalue"] = _as_text(out.get("ename", "")), _as_text(out.get("evalue", ""))
        out["traceback"] = [_as_text(line) for line in out.get("traceback", [])]
        return out
    if kind not in ("display_data", "execute_result"):
        changes.append(f"{where}: removed an output of type {kind!r}")
        return None
    data = out.get("data", {}) or {}
    kept, removed = {}, []
    for mime, value in data.items():
        if mime == "text/plain":
            kept[mime] = _as_text(value)
        elif mime in SAFE_IMAGES and _valid_image(mime, value):
            kept[mime] = value
        else:
            removed.append(mime)
    if removed:
        changes.append(f"{where}: removed {', '.join(removed)}")
        plain = kept.get("text/plain", "")
        if not plain.strip() or _OPAQUE_REPR.match(plain.strip()):
            # show the first textual representation that was removed, as text
            for mime in removed:
                if isinstance(data[mime], (str, list)):
                    text = _as_text(data[mime])
                    if len(text) > MAX_SHOWN:
                        text = text[:MAX_SHOWN] + f"\n... ({len(text) - MAX_SHOWN} more characters)"
                    kept["text/plain"] = (f"[{mime} output shown as text by the autograder]\n{text}")
                    break
            else:
                kept.setdefault("text/plain", f"[{', '.join(removed)} output removed by the autograder]")
    out["data"] = kept
    meta = {}
    for mime, value in (out.get("metadata") or {}).items():
        if mime in SAFE_IMAGES and mime in kept and isinstance(value, dict):
            sizes = {k: v for k, v in value.items()
                     if k in ("width", "height") and isinstance(v, (int, float)) and not isinstance(v, bool)}
            if sizes:
                meta[mime] = sizes
    out["metadata"] = meta
    for key in set(out) - {"output_type", "data", "metadata", "execution_count"}:
        del out[key]
    return out


def neutralize_cell(cell, index: int = 0) -> list[str]:
    """Make one cell safe to render (in place); return what was changed."""
    changes: list[str] = []
    where = f"cell {index}"
    meta = cell.get("metadata", {})
    for key in list(meta):
        if key not in CELL_METADATA:
            del meta[key]
            changes.append(f"{where}: removed metadata {key!r}")
    if "tags" in meta:
        tags = meta["tags"] if isinstance(meta["tags"], list) else []
        meta["tags"] = [t for t in tags if isinstance(t, str) and SAFE_TOKEN.match(t)]
    if "id" in cell and not (isinstance(cell["id"], str) and CELL_ID.match(cell["id"])):
        cell["id"] = f"cell-{index}"
        changes.append(f"{where}: unusual cell id replaced")

    kind = cell.get("cell_type")
    if kind == "code":
        outputs = [_clean_output(out, changes, where) for out in cell.get("outputs", [])]
        cell["outputs"] = [out for out in outputs if out is not None]
    elif kind == "markdown":
        attachments = cell.get("attachments") or {}
        safe = {}
        for name, bundle in attachments.items():
            images = {m: v for m, v in (bundle or {}).items() if m in SAFE_IMAGES and _valid_image(m, v)}
            if images and SAFE_TOKEN.match(name or ""):
                safe[name] = images
            else:
                changes.append(f"{where}: removed attachment {name!r}")
        if "attachments" in cell:
            if safe:
                cell["attachments"] = safe
            else:
                del cell["attachments"]
        source = _as_text(cell.get("source", ""))
        problems = markdown_problems(source, safe)
        if problems:
            # the note is fixed text: what was found is the student's text, never to be rendered
            cell["source"] = as_text_block(source, MARKDOWN_NOTE)
            changes.append(f"{where}: markdown shown as text ({problems[0]})")
    elif kind == "raw":
        fmt = meta.get("raw_mimetype") or meta.get("format")
        meta.pop("format", None)
        meta["raw_mimetype"] = "text/plain"
        if fmt and fmt != "text/plain":
            changes.append(f"{where}: raw cell of type {fmt!r} marked as text")
    return changes


def neutralize_notebook(nb) -> list[str]:
    """Make a whole notebook safe to render (in place); return what was changed."""
    changes = []
    for key in list(nb.metadata):
        if key not in NOTEBOOK_METADATA:
            del nb.metadata[key]
            changes.append(f"notebook: removed metadata {key!r}")
    for index, cell in enumerate(nb.cells):
        changes += neutralize_cell(cell, index)
    return changes


class NeutralizeActiveContent(Preprocessor):
    """nbconvert/nbgrader preprocessor form of :func:`neutralize_notebook`."""

    enabled = True

    def preprocess(self, nb, resources):
        changes = neutralize_notebook(nb)
        if changes:
            name = (resources or {}).get("nbgrader", {}).get("student") or ""
            self.log.warning("Neutralised active content%s: %s", f" of {name}" if name else "",
                             "; ".join(changes[:20]) + (f" (+{len(changes) - 20} more)" if len(changes) > 20 else ""))
        resources.setdefault("autograder", {})["neutralized"] = changes
        return nb, resources
