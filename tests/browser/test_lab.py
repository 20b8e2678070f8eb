"""The student's view: release notebooks in JupyterLab, in Chromium.

For every notebook in ``release/`` (found when the tests are collected, so new
assignments are picked up):

* **as released** (``test_release_says_what_to_implement_first``): run all
  cells; the only tracebacks are ``NotImplementedError`` from the unfilled
  stubs (no other error, no stderr, no widget that failed to render), and
  every explorer cell shows its one friendly line ("Implement `sigmoid` first
  (exercise 1), then re-run this cell.") and no error box: the explorers run
  on the student's own functions, which are still stubs;
* **with the solutions filled in** (``test_solved_notebook_explorers_respond``):
  the release with every solution cell replaced by the source's solution; run
  all cells: no problem at all, and every slider, when a new value is typed
  into its readout, changes the plot of its explorer (the PNG bytes, not just
  the element).  In 04 and 05 the gradient's cell is then replaced by a
  typical mistake from the catalogue and the explorer cell re-run: its
  picture and its loss readout must differ from the correct ones (and a
  re-run with the correct gradient gives the correct picture back, so the
  difference is the gradient's).

Screenshots of each explorer, before and after each slider change, go to
``test-artifacts/browser/``.  Then, in assignment 01, fill one graded function
correctly and one wrongly in the browser and press nbgrader's Validate: the
dialog must explain the wrong one in words and say nothing against the other.

Run: ``scripts/ensure_browser.sh && .venv/bin/python -m pytest -m browser tests/browser -x``
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from . import a11y
from . import jlab_ui as ui
from .jlab_ui import RELEASE_DIR
from .lab import REPO, release_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOKS = release_notebooks(RELEASE_DIR)


def _cell_sources(notebook_file: Path) -> list[dict]:
    return json.loads(notebook_file.read_text(encoding="utf-8"))["cells"]


def _code_sources(cells: list[dict]) -> list[str | None]:
    return ["".join(c["source"]) if c["cell_type"] == "code" else None for c in cells]


# The stub nbgrader puts in place of a solution (nbgrader_config.py: ClearSolutions.code_stub).
STUB_RAISE = re.compile(r"raise NotImplementedError\(\)")


def _defined_names(source: str) -> set[str]:
    """Names a cell binds (assignments, defs, classes, imports)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: no names to credit
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    return names


def _triage(problems: list, cells: list[dict]) -> tuple[list, list[str]]:
    """Split output problems into unexpected ones and consequences of unfilled stubs.

    Expected: a ``NotImplementedError`` raised by an nbgrader stub, and a
    ``NameError`` for a name that an earlier cell would have defined had it
    not stopped at such an error (``y = make_labels(...)`` then ``plot(y)``).
    Everything else (other exceptions, stderr output, widget errors) is unexpected.
    """
    unexpected, consequences, stopped = [], [], []
    for problem in sorted(problems, key=lambda p: p.cell):
        name = ui.exception_name(problem.text) if problem.kind == "error" else None
        if name == "NotImplementedError" and STUB_RAISE.search(problem.text):
            stopped.append(problem.cell)
            continue
        missing = re.search(r"NameError: name '(\w+)' is not defined", problem.text)
        if name == "NameError" and missing and any(
                missing.group(1) in _defined_names("".join(cells[i]["source"]))
                for i in stopped if i < problem.cell):
            stopped.append(problem.cell)
            consequences.append(f"cell {problem.cell}: name {missing.group(1)!r}")
            continue
        unexpected.append(problem)
    return unexpected, consequences


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "slider"


EXPLORER_CALL = re.compile(r"\bwidgets\.explore_\w+\(")
PENDING = re.compile(r"Implement (\w+) first( \((exercise \d+|the cell from assignment 0\d)\))?, then re-run this cell\.")
# The gradient a student gets wrong, per assignment, and the explorer that must show it.
WRONG_GRADIENT = {
    "04_nll_gradient_descent": ("logistic_nll_grad", "missing_minus", "explore_loss_surface"),
    "05_softmax_regression": ("softmax_nll_grad", "opposite_sign", "explore_iris"),
}


def _explorer_cells(cells: list[dict]) -> list[int]:
    return [i for i, c in enumerate(cells) if c["cell_type"] == "code" and EXPLORER_CALL.search("".join(c["source"]))]


def _require(notebook):
    if notebook is None:
        pytest.fail(f"no release notebooks in {RELEASE_DIR} (expected <assignment>/<assignment>.ipynb; "
                    "run `make release` / `nbgrader generate_assignment` first)", pytrace=False)


def _run_all(page, lab, notebook: str, cells: list[dict], artifacts: Path, name: str):
    """Open, Run All, wait for the widgets; fail on any problem a stub does not explain."""
    start = time.monotonic()
    ui.open_notebook(page, lab.url, lab.token, notebook, cells=len(cells))
    runs = ui.run_all_cells(page, _code_sources(cells))
    ran = time.monotonic() - start
    # Widget views render after their cell finishes: wait for every one to be
    # drawn (or to show ipywidgets' error text, which is checked next).
    ui.wait_for_widget_views(page)
    problems = ui.output_problems(page)
    unexpected, consequences = _triage(problems, cells)
    # The lab window as the student sees it after Run All (the notebook scrolls inside it).
    page.screenshot(path=str(artifacts / f"{name}__lab.png"))
    assert not unexpected, (
        f"{notebook}: unexpected output after Run All:\n" + "\n\n".join(
            f"--- cell {p.cell} ({p.kind}) ---\n{p.text[-1500:]}" for p in unexpected)
        + ("\n\nbrowser console errors:\n" + "\n".join(page.console_errors[-20:])
           if page.console_errors else ""))
    return problems, consequences, f"ran in {ran:.1f}s ({runs} run(s))"


@pytest.mark.parametrize(
    "notebook", NOTEBOOKS or [pytest.param(None, id="no-release-notebooks")])
def test_release_says_what_to_implement_first(notebook, lab, page, artifacts):
    _require(notebook)
    name = Path(notebook).stem
    cells = _cell_sources(lab.root / notebook)
    explorers = _explorer_cells(cells)
    assert explorers, f"{notebook}: no explorer cell (widgets.explore_...)"
    problems, consequences, timing = _run_all(page, lab, notebook, cells, artifacts, f"{name}__release")
    lines = []
    for index in explorers:
        cell = page.locator(ui.CELLS).nth(index)
        outputs = [t.strip() for t in cell.locator(".jp-OutputArea-output").all_inner_texts()]
        ui.screenshot_outputs(cell, artifacts / f"{name}__release__cell{index:02d}.png")
        found = PENDING.fullmatch(outputs[0]) if len(outputs) == 1 else None
        assert found, (f"{notebook}: explorer cell {index} should show one line saying what to implement "
                       f"first; it shows {outputs}")
        assert not [p for p in problems if p.cell == index], f"{notebook}: an error box in explorer cell {index}"
        assert cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        lines.append(f"cell {index}: {found.group(0)}")
    print(f"{notebook}: {timing}; " + "; ".join(lines))
    if consequences:
        print(f"{notebook}: NameErrors that only follow from unfilled stubs (a student sees them "
              "too): " + "; ".join(consequences))


def _solved_copy(lab, notebook: str, folder: str, replacements: dict[str, str] | None = None) -> str:
    """A copy of the release notebook with every solution cell filled in from source/
    (then ``replacements``: grade_id -> code), under ``folder`` in the student's tree."""
    import nbformat

    from autograder.catalogue import solution_cells, with_solutions

    assignment = Path(notebook).parent.name
    source = nbformat.read(str(REPO / "source" / notebook), as_version=4)
    solutions = {gid: source.cells[i].source for gid, i in solution_cells(source, carried=True).items()}
    released = nbformat.read(str(lab.root / notebook), as_version=4)
    solved = with_solutions(released, {**solutions, **(replacements or {})})
    target = lab.root / folder / assignment
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(lab.root / assignment, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nbformat.write(solved, str(target / Path(notebook).name))
    return f"{folder}/{notebook}"


def _run_cell(page, index: int) -> None:
    ui.select_cell(page, index)
    ui.run_menu_command(page, "Run", "Run Selected Cell and Do not Advance")
    ui.wait_until_idle(page)


def _explorer_state(page, index: int) -> tuple[list[str], str]:
    """The explorer's picture (PNG fingerprint) and its words (titles are in the PNG; the
    description under it gives the loss and the accuracy as text)."""
    ui.wait_for_widget_views(page)
    cell = page.locator(ui.CELLS).nth(index)
    plots = ui.wait_for_plots(cell)
    # the outputs only: the prompt ("[23]:") changes with every run
    return plots, "\n".join(t.strip() for t in cell.locator(".jp-OutputArea-output").all_inner_texts())


@pytest.mark.parametrize(
    "notebook", NOTEBOOKS or [pytest.param(None, id="no-release-notebooks")])
def test_solved_notebook_explorers_respond(notebook, lab, page, artifacts):
    _require(notebook)
    name = Path(notebook).stem
    solved = _solved_copy(lab, notebook, "_solved")
    cells = _cell_sources(lab.root / solved)
    problems, consequences, timing = _run_all(page, lab, solved, cells, artifacts, f"{name}__solved")
    assert not problems and not consequences, f"{solved}: problems with every solution filled in: {problems}"
    # axe-core on the notebook with its figures and explorers shown (checked at the end,
    # so that a finding does not hide what the sliders do)
    findings = a11y.run_axe(page, artifacts, name)
    explorers = _explorer_cells(cells)
    # ---- every slider moves its plot --------------------------------------
    slider_cells = ui.widget_cells(page)
    assert slider_cells and set(explorers) <= set(slider_cells), (
        f"{solved}: explorer cells {explorers}, but sliders rendered in {slider_cells} "
        f"(see {artifacts / (name + '__solved__lab.png')})")
    report = []
    for index in slider_cells:
        cell = page.locator(ui.CELLS).nth(index)
        plots = ui.wait_for_plots(cell)
        shot = ui.screenshot_outputs(cell, artifacts / f"{name}__cell{index:02d}__0-initial.png")
        assert plots, (f"{solved}: cell {index} shows sliders but no plot "
                       f"(see {artifacts / (name + f'__cell{index:02d}__0-initial.png')})")
        sliders = cell.locator(ui.SLIDERS)
        for k in range(sliders.count()):
            slider = sliders.nth(k)
            label = ui.slider_info(slider).description or f"slider{k}"
            before_plot = ui.plot_signature(cell)
            before, after, how = ui.change_slider(page, slider)
            after_plot = ui.wait_for_plot_change(cell, before_plot)
            path = artifacts / f"{name}__cell{index:02d}__{k + 1}-{_slug(label)}.png"
            new_shot = ui.screenshot_outputs(cell, path)
            report.append(f"cell {index} {label!r}: {before} -> {after} ({how})")
            if not (after_plot and after_plot != before_plot):
                shown = [p for p in ui.output_problems(page) if p.cell == index]
                pytest.fail(
                    f"{solved}: moving slider {label!r} in cell {index} ({before} -> {after}, "
                    f"{how}) did not change the plot (see {path})"
                    + "".join(f"\nthe cell shows ({p.kind}):\n{p.text[-1500:]}" for p in shown),
                    pytrace=False)
            assert new_shot != shot, f"{solved}: the screenshot of cell {index} did not change"
            shot = new_shot
    # Moving the sliders must not have broken anything either.
    problems_after = [p for p in ui.output_problems(page) if p not in problems]
    assert not problems_after, f"{solved}: new problems after moving sliders: {problems_after}"
    print(f"{solved}: {timing}; " + "; ".join(report))
    # ---- a wrong gradient shows in the explorer (04, 05) -------------------
    assignment = Path(notebook).parent.name
    if assignment in WRONG_GRADIENT:
        _wrong_gradient_shows(page, lab, solved, cells, explorers, artifacts, name, assignment)

    # ---- accessibility --------------------------------------------------------
    lab_own = [f for f in findings if not f.ours]
    if lab_own:
        print(f"{solved}: axe findings in JupyterLab's own interface (reported, not ours to fix): "
              + "; ".join(map(str, lab_own)))
    blocking = [f for f in findings if f.ours and f.impact in a11y.BLOCKING]
    assert not blocking, (f"{solved}: serious or critical accessibility violations in the course's content "
                          f"(see {artifacts / (name + '__axe.json')}):\n" + "\n".join(map(str, blocking)))


def _wrong_gradient_shows(page, lab, solved, cells, explorers, artifacts, name, assignment):
    """Replace the gradient by a typical mistake in the browser; the explorer must show it."""
    import nbformat

    from autograder.catalogue import entries, solution_cells

    function, mistake, explorer = WRONG_GRADIENT[assignment]
    code = dict(entries(assignment)[0][function])[mistake]
    grad_cell = solution_cells(nbformat.read(str(lab.root / solved), as_version=4))[function]
    index = next(i for i in explorers if f"widgets.{explorer}(" in "".join(cells[i]["source"]))
    correct_code = "".join(cells[grad_cell]["source"])
    states = {}
    for label, source in (("correct", correct_code), ("wrong", code), ("correct-again", correct_code)):
        ui.replace_cell_source(page, grad_cell, source)
        _run_cell(page, grad_cell)
        _run_cell(page, index)
        states[label] = _explorer_state(page, index)
        ui.screenshot_outputs(page.locator(ui.CELLS).nth(index),
                              artifacts / f"{name}__cell{index:02d}__gradient-{label}.png")
    (good_png, good_text), (bad_png, bad_text), (again_png, again_text) = (
        states["correct"], states["wrong"], states["correct-again"])
    assert good_png == again_png and good_text == again_text, (
        f"{solved}: the explorer is not deterministic, so a difference would prove nothing")
    assert bad_png != good_png, f"{solved}: the wrong {function} ({mistake}) draws the same picture"
    assert bad_text != good_text, (f"{solved}: the wrong {function} ({mistake}) gives the same readout:\n"
                                   f"{bad_text}")
    print(f"{solved}: with {function} = {mistake}: {bad_text!r}; correct: {good_text!r}")


# --------------------------------------------------------------------------- Validate
VALIDATE_NOTEBOOK = "01_binary_classification/01_binary_classification.ipynb"
CORRECT = ("make_labels", '''\
def make_labels(mpg, target=30.0):
    """1 where the car meets the target (mpg >= target), else 0."""
    import numpy as np
    return (np.asarray(mpg) >= target).astype(int)
''')
WRONG = ("add_bias", '''\
def add_bias(X):
    """Wrong on purpose: the ones go in the FIRST column."""
    import numpy as np
    X = np.asarray(X, dtype=float)
    return np.hstack([np.ones((X.shape[0], 1)), X])
''')


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_test_cell(cell: dict) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution")


def _calls(source: str, function: str) -> bool:
    return re.search(rf"\b{re.escape(function)}\s*\(", source) is not None


def _same_code(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)


def test_validate_explains_the_wrong_function(lab, page, artifacts):
    source = RELEASE_DIR / VALIDATE_NOTEBOOK
    assert source.exists(), f"{source} does not exist: assignment 01 has not been released"
    # A fresh copy, so that the Run All test of the same notebook is unaffected.
    folder = lab.root / "_validate" / Path(VALIDATE_NOTEBOOK).parent
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(source.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    path = folder / Path(VALIDATE_NOTEBOOK).name
    cells = _cell_sources(path)

    graded = {_grade_id(c): i for i, c in enumerate(cells)
              if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for function, _ in (CORRECT, WRONG):
        assert function in graded, f"{VALIDATE_NOTEBOOK}: no solution cell with grade_id {function!r}"
    others = [f for f in graded if f not in (CORRECT[0],)]
    correct_tests = [c for c in cells if _is_test_cell(c) and _calls("".join(c["source"]), CORRECT[0])
                     and not any(_calls("".join(c["source"]), f) for f in others)]
    wrong_tests = [c for c in cells if _is_test_cell(c) and _calls("".join(c["source"]), WRONG[0])]
    assert correct_tests and wrong_tests, (
        f"{VALIDATE_NOTEBOOK}: expected test cells calling {CORRECT[0]} and {WRONG[0]}")

    # ---- the student edits two solution cells and presses Validate --------
    ui.open_notebook(page, lab.url, lab.token, str(path.relative_to(lab.root)), cells=len(cells))
    for function, code in (CORRECT, WRONG):
        ui.replace_cell_source(page, graded[function], code)
    ui.click_validate(page)
    result = ui.read_validation_dialog(page)
    page.locator(".jp-Dialog-content").screenshot(path=str(artifacts / "validate__dialog.png"))

    saved = _cell_sources(path)  # Validate saves the notebook before validating it
    for function, code in (CORRECT, WRONG):
        assert _same_code("".join(saved[graded[function]]["source"]), code), (
            f"the edit of {function} did not reach the saved notebook:\n"
            + "".join(saved[graded[function]]["source"]))

    text = result["text"]
    assert result["title"] == "Validation Results", result
    assert "validation-failed" in result["classes"], f"expected failures, the dialog says:\n{text}"

    # Nothing against the correct function: none of its own tests failed.
    failed_sources = [src for src, _ in result["failed"]]
    against_correct = [(src, err) for src, err in result["failed"]
                       if any(_same_code(src, "".join(c["source"])) for c in correct_tests)
                       or (_calls(src, CORRECT[0]) and "NotImplementedError" not in err)]
    assert not against_correct, (
        f"Validate complains about the correct {CORRECT[0]}:\n"
        + "\n\n".join(f"{s}\n{e}" for s, e in against_correct))

    # The wrong function: a failed test with an AssertionError that says, in
    # words, what is wrong (not a bare `assert` nor a crash).
    about_wrong = [(src, err) for src, err in result["failed"] if _calls(src, WRONG[0])]
    assert about_wrong, (f"Validate does not report the wrong {WRONG[0]}; failed cells:\n"
                         + "\n---\n".join(failed_sources))
    explained = []
    for src, err in about_wrong:
        # The exception line of the traceback ("AssertionError: <message>", to
        # the end: a message may span lines), not the quoted source line.
        found = re.search(r"^(?:[\w.]*\.)?AssertionError: (.+)", err, re.M | re.S)
        if found and len(re.findall(r"[A-Za-z]{2,}", found.group(1))) >= 3:
            explained.append(found.group(1).strip())
    assert explained, (
        f"Validate reports {WRONG[0]} as failing, but without an AssertionError message "
        "in words:\n" + "\n\n".join(err[-1500:] for _, err in about_wrong))
    print(f"Validate on {VALIDATE_NOTEBOOK}: {len(result['failed'])} failed cell(s); "
          f"{WRONG[0]} explained as: {explained[0]!r}")
    ui.close_dialog(page)
