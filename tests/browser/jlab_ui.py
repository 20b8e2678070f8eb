"""Driving a JupyterLab notebook from Playwright, the way a student would.

Every wait is on DOM state (prompts, the kernel indicator, dialogs, image
content), polled briefly; there are no fixed sleeps.  Cells are addressed by their index in the
notebook, which is also their index in the ``.ipynb`` file: the server runs
with windowing off (see ``lab.LAB_SETTINGS``), so every cell is in the DOM.
"""
from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importable without Playwright (conftest reports it missing)
    from playwright.sync_api import Locator, Page

# The release folder under test (the repository's release/ unless overridden).
RELEASE_DIR = Path(os.environ.get("BROWSER_TEST_RELEASE_DIR",
                                  Path(__file__).resolve().parents[2] / "release")).resolve()

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
CELLS = f"{NOTEBOOK} .jp-Cell"
KERNEL_INDICATOR = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator"

# Text that ipywidgets' manager shows instead of a widget it cannot render.
WIDGET_ERRORS = re.compile(r"Error displaying widget|Model not found|Failed to create view|"
                           r"Could not create a view|Open Browser Console for more detailed log",
                           re.IGNORECASE)


# --------------------------------------------------------------------------- opening
def open_notebook(page: Page, url: str, token: str, path: str, cells: int | None = None,
                  timeout: float = 90_000) -> None:
    """Open ``path`` (relative to the server root) and wait for an idle kernel.

    With ``cells``, also wait until that many cells are in the page (they are
    rendered in batches).
    """
    page.goto(f"{url}lab/tree/{path}?reset&token={token}")
    page.wait_for_selector(CELLS, timeout=timeout)
    if cells is not None:
        page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length >= n",
                               arg=[CELLS, cells], timeout=timeout, polling=100)
    # The kernel is started by the notebook's session: wait until it is idle.
    page.wait_for_selector(f"{KERNEL_INDICATOR}[data-status='idle']", timeout=timeout)


def shutdown_kernels(url: str, token: str) -> None:
    """Delete every session (and so its kernel) on the server: keeps 2 cores free."""
    headers = {"Authorization": f"token {token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{url}api/sessions", headers=headers),
                                timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{url}api/sessions/{session['id']}", method="DELETE",
                                         headers=headers)
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except OSError:
            pass


# --------------------------------------------------------------------------- running
def run_menu_command(page: Page, menu: str, item: str) -> None:
    """Click ``menu`` in the main menu bar, then the entry labelled exactly ``item``."""
    page.keyboard.press("Escape")  # no other menu open
    page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^\s*{re.escape(menu)}\s*$")).first.click()
    entry = page.locator(".lm-Menu .lm-Menu-item:not(.lm-mod-disabled)",
                         has=page.locator(".lm-Menu-itemLabel",
                                          has_text=re.compile(rf"^{re.escape(item)}$")))
    entry.first.click()


def prompts(page: Page) -> list[str | None]:
    """The input prompt of every cell (``None`` for markdown/raw cells)."""
    return page.eval_on_selector_all(CELLS, """cells => cells.map(c =>
        c.classList.contains('jp-CodeCell')
            ? (c.querySelector('.jp-InputPrompt')?.innerText || '').trim() : null)""")


def wait_until_idle(page: Page, timeout: float = 180_000) -> None:
    """Wait until no cell is queued or running (``[*]``) and the kernel is idle."""
    page.wait_for_function(
        """([cellsSel, indicatorSel]) => {
            const busy = [...document.querySelectorAll(cellsSel + ' .jp-InputPrompt')]
                .some(p => p.innerText.includes('*'));
            const ind = document.querySelector(indicatorSel);
            return !busy && ind && ind.dataset.status === 'idle';
        }""",
        arg=[CELLS, KERNEL_INDICATOR], timeout=timeout, polling=100)


def select_cell(page: Page, index: int) -> None:
    """Make cell ``index`` the active cell, in command mode."""
    cell = page.locator(CELLS).nth(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").click()
    page.wait_for_function(
        "([sel, i]) => document.querySelectorAll(sel)[i].classList.contains('jp-mod-active')",
        arg=[CELLS, index], timeout=10_000)


def run_all_cells(page: Page, code_sources: list[str | None], timeout: float = 180_000) -> int:
    """Run every cell, as "Run All Cells" does, past cells that raise.

    JupyterLab stops a run at the first cell that raises (the kernel drops
    the queued cells).  A student who has not filled in the stubs gets
    ``NotImplementedError`` in the tests of every function, so after each
    stop this resumes at the first cell not yet run, with "Run Selected Cell
    and All Below", until every non-empty code cell has an execution count.
    ``code_sources`` is the source of each cell (``None`` for non-code cells).
    Returns how many runs it took.
    """
    needs_count = [src is not None and src.strip() != "" for src in code_sources]
    runs = 0
    run_menu_command(page, "Run", "Run All Cells")
    last_first = -1
    while True:
        runs += 1
        wait_until_idle(page, timeout)
        current = prompts(page)
        assert len(current) == len(code_sources), (
            f"the page shows {len(current)} cells, the notebook file has {len(code_sources)}")
        pending = [i for i, (p, need) in enumerate(zip(current, needs_count))
                   if need and not re.search(r"\[\d+\]", p or "")]
        if not pending:
            return runs
        first = pending[0]
        assert first > last_first, (
            f"cell {first} still has no execution count after running it: prompts {current}")
        last_first = first
        select_cell(page, first)
        # "... and All Below" is disabled on the last cell.
        run_menu_command(page, "Run", "Run Selected Cell and All Below" if first < len(current) - 1
                         else "Run Selected Cell and Do not Advance")


# --------------------------------------------------------------------------- outputs
# ipywidgets' renderer, unlike JupyterLab's own, sets no data-mime-type on its output node.
WIDGET_VIEW = ".jp-OutputArea-output:not([data-mime-type])"


def wait_for_widget_views(page: Page, timeout: float = 30_000) -> None:
    """Wait until every widget output shows something (a widget or an error text)."""
    try:
        page.wait_for_function(
            """sel => [...document.querySelectorAll(sel)].every(o =>
                   o.classList.contains('lm-mod-hidden')   // a closed widget: ipywidgets hides it
                   || o.querySelector('.jupyter-widgets')
                   || !/^(Loading widget\\.*)?$/.test(o.innerText.trim()))""",
            arg=f"{CELLS} {WIDGET_VIEW}", timeout=timeout, polling=100)
    except Exception as error:  # report which ones, rather than a bare timeout
        empty = page.eval_on_selector_all(CELLS, f"""cells => cells
            .map((c, i) => [...c.querySelectorAll("{WIDGET_VIEW}")]
                 .some(o => !o.classList.contains('lm-mod-hidden') && !o.querySelector('.jupyter-widgets')
                            && /^(Loading widget\\.*)?$/.test(o.innerText.trim())) ? i : -1)
            .filter(i => i >= 0)""")
        raise AssertionError(f"widget outputs still empty after {timeout / 1000:.0f}s "
                             f"in cells {empty}") from error


@dataclass
class OutputProblem:
    cell: int
    kind: str          # "error", "widget", "stderr"
    text: str


def output_problems(page: Page) -> list[OutputProblem]:
    """Tracebacks, widget-rendering failures and stderr text in any output.

    Includes outputs nested in widgets (an ``Output`` widget that caught an
    exception in a slider callback shows its traceback there).
    """
    found = page.eval_on_selector_all(CELLS, """cells => cells.flatMap((c, i) => {
        const out = [];
        c.querySelectorAll('.jp-OutputArea-output').forEach(o => {
            if (o.dataset.mimeType === 'application/vnd.jupyter.stderr')
                out.push([i, 'stderr', o.innerText]);
        });
        const area = c.querySelector('.jp-Cell-outputArea');
        if (area) out.push([i, 'text', area.innerText]);
        return out;
    })""")
    problems = []
    for index, kind, text in found:
        if kind == "stderr":
            # IPython's traceback header: "NameError    Traceback (most recent call last)".
            if "Traceback (most recent call last)" in text or re.search(r"^\w*Error\b", text, re.M):
                problems.append(OutputProblem(index, "error", text))
            else:
                problems.append(OutputProblem(index, "stderr", text))
        elif WIDGET_ERRORS.search(text):
            problems.append(OutputProblem(index, "widget", text))
    return problems


def exception_name(traceback_text: str) -> str | None:
    """The exception class of an IPython traceback as JupyterLab shows it."""
    match = re.search(r"^([A-Za-z_][\w.]*)\s+Traceback \(most recent call last\)",
                      traceback_text, re.M)
    if match:
        return match.group(1).rsplit(".", 1)[-1]
    lines = [line for line in traceback_text.strip().splitlines() if line.strip()]
    match = re.match(r"([A-Za-z_][\w.]*)(:|$)", lines[-1]) if lines else None
    return match.group(1).rsplit(".", 1)[-1] if match else None


# --------------------------------------------------------------------------- widgets
SLIDERS = ".widget-slider"   # ipywidgets 8: Int/Float(Log)/Range/Selection sliders

PLOT_SIGNATURE_JS = """async (cell) => {
    const sig = [];
    const area = cell.querySelector('.jp-Cell-outputArea');
    if (!area) return sig;
    const digest = (bytes) => {            // FNV-1a, enough to tell two PNGs apart
        let h = 0x811c9dc5;
        for (let k = 0; k < bytes.length; k++) { h ^= bytes[k]; h = Math.imul(h, 0x01000193) >>> 0; }
        return bytes.length + ':' + h.toString(16);
    };
    for (const img of area.querySelectorAll('img')) {
        if (!img.src) { sig.push('img:empty'); continue; }
        try {
            const buf = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
            sig.push('img:' + digest(buf) + (img.complete && img.naturalWidth > 0 ? '' : ':loading'));
        } catch (e) { sig.push('img:' + img.src.length + ':' + img.src.slice(-64)); }
    }
    for (const svg of area.querySelectorAll('.jp-RenderedSVG svg, svg.main-svg')) {
        sig.push('svg:' + digest(new TextEncoder().encode(svg.outerHTML)));
    }
    for (const canvas of area.querySelectorAll('canvas')) {
        try { sig.push('canvas:' + digest(new TextEncoder().encode(canvas.toDataURL()))); }
        catch (e) { sig.push('canvas:tainted'); }
    }
    return sig;
}"""


def plot_signature(cell: Locator) -> list[str]:
    """A fingerprint of every image/plot in a cell's outputs (widget images included)."""
    return cell.evaluate(PLOT_SIGNATURE_JS)


def widget_cells(page: Page) -> list[int]:
    """Indices of the cells whose outputs hold at least one slider."""
    return page.eval_on_selector_all(CELLS, f"""cells => cells
        .map((c, i) => c.querySelector('.jp-Cell-outputArea {SLIDERS}') ? i : -1)
        .filter(i => i >= 0)""")


@dataclass
class SliderInfo:
    description: str
    readout: str
    minimum: float | None
    maximum: float | None
    now: float | None
    range_slider: bool
    extra: dict = field(default_factory=dict)


def slider_info(slider: Locator) -> SliderInfo:
    data = slider.evaluate("""s => {
        const handles = s.querySelectorAll('.noUi-handle');
        const h = handles[0];
        const num = (x) => (x === null || x === undefined || x === '') ? null : Number(x);
        return {
            description: (s.querySelector('.widget-label')?.innerText || '').trim(),
            readout: (s.querySelector('.widget-readout')?.innerText || '').trim(),
            min: h ? num(h.getAttribute('aria-valuemin')) : null,
            max: h ? num(h.getAttribute('aria-valuemax')) : null,
            now: h ? num(h.getAttribute('aria-valuenow')) : null,
            range: handles.length > 1,
            editable: s.querySelector('.widget-readout')?.isContentEditable || false,
        };
    }""")
    return SliderInfo(data["description"], data["readout"], data["min"], data["max"], data["now"],
                      data["range"], {"editable": data["editable"]})


def _format_like(value: float, readout: str) -> str:
    """``value`` written with as many decimals as the slider's readout shows."""
    decimals = len(readout.split(".")[1]) if "." in readout else 0
    return f"{value:.{decimals}f}"


def target_value(info: SliderInfo) -> str | None:
    """A value between the current one and the farther end of the slider's range."""
    try:
        current = float(info.readout.replace("\u2212", "-"))  # readouts use a real minus sign
    except ValueError:
        return None
    lo, hi = info.minimum, info.maximum
    if lo is None or hi is None or not hi > lo:
        return None
    if info.now is not None and abs(info.now - current) > 1e-6 * max(1.0, abs(current)):
        return None  # the handle is not in value units (a log slider): use the keyboard
    new = current + (hi - current) / 2 if current <= (lo + hi) / 2 else current - (current - lo) / 2
    text = _format_like(new, info.readout)
    if float(text) == current:  # too coarse a readout: go to an end instead
        text = _format_like(hi if current <= (lo + hi) / 2 else lo, info.readout)
    return text


def change_slider(page: Page, slider: Locator) -> tuple[str, str, str]:
    """Change a slider the way a student would; return (before, after, how).

    A slider with an editable readout gets a new value typed into it (click
    the readout, select its text, type, Enter).  Where that is not possible or
    not accepted (range and selection sliders, a log slider's readout) the
    handle is moved with the keyboard instead.
    """
    info = slider_info(slider)
    before = info.readout
    element = slider.element_handle()
    changed = "([s, old]) => (s.querySelector('.widget-readout')?.innerText || '').trim() !== old"
    value = target_value(info) if not info.range_slider and info.extra.get("editable") else None
    how = ""
    if value is not None:
        how = f"typed {value}"
        slider.locator(".widget-readout").click()
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        try:
            page.wait_for_function(changed, arg=[element, before], timeout=5_000)
            return before, slider_info(slider).readout, how
        except Exception:  # not accepted: fall back to the keyboard
            how += " (not accepted), then "
            page.keyboard.press("Escape")
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    up = info.now is None or info.maximum is None or info.now < info.maximum
    key = "PageUp" if up else "PageDown"
    for _ in range(3):
        handle.press(key)
    how += f"keyboard {key} x3"
    page.wait_for_function(changed, arg=[element, before], timeout=10_000)
    return before, slider_info(slider).readout, how


def wait_for_plot_change(cell: Locator, before: list[str], timeout: float = 20.0) -> list[str]:
    """Poll the cell's plot fingerprint until it differs from ``before`` and is loaded."""
    deadline = time.monotonic() + timeout
    current = before
    while time.monotonic() < deadline:
        current = plot_signature(cell)
        if current and current != before and not any(s.endswith(":loading") for s in current):
            return current
        time.sleep(0.1)
    return current


def wait_for_plots(cell: Locator, timeout: float = 30.0) -> list[str]:
    """Wait until a cell's outputs hold at least one loaded image/plot."""
    deadline = time.monotonic() + timeout
    current: list[str] = []
    while time.monotonic() < deadline:
        current = plot_signature(cell)
        if current and not any(s.endswith(":loading") or s == "img:empty" for s in current):
            return current
        time.sleep(0.1)
    return current


def screenshot_outputs(cell: Locator, path: Path) -> bytes:
    """Screenshot a cell's output area to ``path``; return the PNG bytes."""
    area = cell.locator(".jp-Cell-outputArea")
    area.scroll_into_view_if_needed()
    path.parent.mkdir(parents=True, exist_ok=True)
    return area.screenshot(path=str(path), animations="disabled")


# --------------------------------------------------------------------------- editing
def replace_cell_source(page: Page, index: int, source: str) -> None:
    """Replace the whole text of cell ``index`` by typing into its editor."""
    cell = page.locator(CELLS).nth(index)
    cell.scroll_into_view_if_needed()
    editor = cell.locator(".jp-InputArea-editor .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # insert_text commits the text as one input (no per-key auto-indent or
    # bracket closing by the editor), like a paste.
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")  # back to command mode


# --------------------------------------------------------------------------- validate
def click_validate(page: Page) -> None:
    button = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) jp-button.validate-button").first
    button.click()


def read_validation_dialog(page: Page, timeout: float = 180_000) -> dict:
    """Wait for nbgrader's "Validation Results" dialog; return its parts.

    ``{"title", "classes", "text", "failed": [(cell source, error text), ...]}``
    """
    dialog = page.locator(".jp-Dialog").filter(has=page.locator("#validation-message"))
    dialog.wait_for(state="visible", timeout=timeout)
    message = dialog.locator("#validation-message")
    data = message.evaluate("""m => {
        const parts = [...m.querySelectorAll(':scope > .jp-RenderedText')].map(d => d.innerText);
        const failed = [];
        for (let k = 0; k + 1 < parts.length; k += 2) failed.push([parts[k], parts[k + 1]]);
        return {classes: [...m.classList], text: m.innerText, failed};
    }""")
    data["title"] = dialog.locator(".jp-Dialog-header").inner_text().strip()
    return data


def close_dialog(page: Page) -> None:
    dialog = page.locator(".jp-Dialog")
    dialog.locator("button.jp-mod-accept, .jp-Dialog-button.jp-mod-accept").first.click()
    dialog.wait_for(state="detached", timeout=10_000)
