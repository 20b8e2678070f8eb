"""axe-core in the notebook as JupyterLab shows it: the course's content, and JupyterLab's own.

axe-playwright-python ships axe-core's JavaScript (no download at test time)
and runs it in the page.  Two scopes, both inside the open notebook panel:

* the course's own content: rendered markdown and every cell output (the
  figures, the explorers and their controls, printed text);
* everything else in the panel (toolbar, prompts, editors), and what a
  library draws inside our outputs (``NOT_OURS``): JupyterLab's and
  ipywidgets', reported but not ours to fix.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
COURSE_CONTENT = [f"{PANEL} .jp-RenderedMarkdown", f"{PANEL} .jp-OutputArea-output"]
BLOCKING = ("serious", "critical")
# Markup that a library draws inside our outputs and that the course cannot change: the
# handles of ipywidgets' sliders (noUiSlider) carry role="slider" but no accessible name,
# because ipywidgets does not tie its visible label to them.  Reported with JupyterLab's own.
NOT_OURS = [".noUi-handle"]
JUPYTERLAB_CONTAINERS = ('<div class="lm-Widget jp-RenderedHTMLCommon jp-RenderedMarkdown',
                         '<div class="lm-Widget jp-RenderedHTMLCommon jp-RenderedHTML',
                         '<div class="lm-Widget jp-RenderedText', '<div class="lm-Widget jp-RenderedImage')


@dataclass
class Finding:
    rule: str
    impact: str
    help: str
    targets: list[str]
    ours: bool

    def __str__(self) -> str:
        return f"[{self.impact}] {self.rule}: {self.help} ({len(self.targets)} node(s), e.g. {self.targets[:2]})"


def run_axe(page, artifacts: Path, name: str) -> list[Finding]:
    """Every axe violation in the notebook panel, each marked as the course's or JupyterLab's."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    panel = axe.run(page, context={"include": [PANEL]}).response
    ours = axe.run(page, context={"include": COURSE_CONTENT, "exclude": NOT_OURS}).response
    (artifacts / f"{name}__axe.json").write_text(json.dumps({"panel": panel.get("violations", []),
                                                             "course": ours.get("violations", [])}, indent=1))
    # A finding on JupyterLab's own rendering container (the <div> it renders a markdown cell
    # or an output into, e.g. "scrollable region must be focusable" from its overflow: auto)
    # is JupyterLab's; findings on anything inside it are the course's.
    course_nodes = {(v["id"], tuple(map(str, n["target"]))) for v in ours.get("violations", []) for n in v["nodes"]
                    if not n.get("html", "").startswith(JUPYTERLAB_CONTAINERS)}
    findings = []
    for scope in (ours, panel):
        for violation in scope.get("violations", []):
            for mine in (True, False):
                targets = [" ".join(map(str, n["target"])) for n in violation["nodes"]
                           if ((violation["id"], tuple(map(str, n["target"]))) in course_nodes) == mine]
                if targets and (scope is ours) == mine:
                    findings.append(Finding(violation["id"], violation.get("impact") or "unknown",
                                            violation.get("help", ""), targets, mine))
    return findings
