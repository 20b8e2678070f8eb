"""A small frame for the course's explorers: sliders over a redrawn figure.

Why not ``plt.show()`` in an ``Output``?  Re-creating a figure on every slider
move costs 100-300 ms.  Here each explorer builds one matplotlib ``Figure``
(no pyplot, so nothing is displayed twice), and a slider change only updates
the artists in place and renders the figure to a PNG shown as an <img> (with
alternative text) in an ``ipywidgets.HTML``.  The time from a slider change to the new PNG (callback
plus render, measured in the kernel) is kept in ``Explorer.latencies``.

An explorer that names its ``dynamic`` artists (those ``update`` changes) is
faster still: everything else (axes, ticks, labels, contours of a loss
surface) is rendered once and kept as a background bitmap, and each change
only pastes the background and draws the dynamic artists on it ("blitting").
Text is the costliest thing matplotlib draws, and most of it never changes.
(An axis whose range follows a slider is itself a dynamic artist.)
"""
from __future__ import annotations

import base64
import functools
import html
import io
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

import ipywidgets as widgets
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .. import grading


class _Picture:
    """The latest PNG of an explorer (``value``: bytes), as tests and benchmarks read it."""

    def __init__(self):
        self.value = b""


class Explorer:
    """Controls plus a figure whose artists ``update(**values)`` changes in place."""

    def __init__(self, fig: Figure, controls: dict[str, widgets.ValueWidget],
                 update: Callable[..., None], *, dpi: int = 80, note: str = "",
                 dynamic: list[Artist] | None = None, describe: Callable[[], str] | None = None,
                 exercises: dict[str, str] | None = None):
        self.fig = fig
        FigureCanvasAgg(fig)
        # A figure laid out with tight_layout keeps a layout engine that redoes
        # the layout (one extra draw) on every savefig; the explorer's layout
        # never changes, so keep the positions and drop the engine.
        if fig.get_layout_engine() is not None:
            fig.set_layout_engine("none")
        self.controls = controls
        self._update = update
        self.dpi = dpi
        self._dynamic = sorted(dynamic or [], key=lambda a: a.get_zorder())
        self._background = None
        if self._dynamic:
            fig.set_dpi(dpi)
            for artist in self._dynamic:
                artist.set_animated(True)  # left out of full draws: the background is static
        self.latencies: list[float] = []
        self._describe = describe
        self._exercises = exercises or {}
        self._width = int(fig.get_figwidth() * dpi)
        # The PNG of the latest drawing is ``image.value``; it is shown as an <img> in an
        # HTML widget, not in ipywidgets' Image, because that one cannot carry alternative
        # text (and its tooltip breaks its view).  A screen reader reads the alt text, and
        # the sentence under the picture is announced again (aria-live) after every change.
        self.image = _Picture()
        self.picture = widgets.HTML(layout=widgets.Layout(width=f"{self._width}px"))
        self.description = widgets.HTML()
        self.status = widgets.HTML()  # one friendly line when a handed-in function fails
        for control in controls.values():
            control.observe(self._changed, names="value")
        children = [widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))]
        if note:
            children.append(widgets.HTML(f"<small>{note}</small>"))
        children += [self.status, self.picture, self.description]
        self.widget = widgets.VBox(children)
        # The first drawing lets an error through: the explorer's builder turns it into
        # a Pending line instead of showing an explorer that cannot work.
        self.refresh(raise_errors=True)

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, change) -> None:
        self.refresh()

    def refresh(self, raise_errors: bool = False) -> None:
        start = time.perf_counter()
        try:
            self._update(**self.values())
        except Exception as error:  # noqa: BLE001  (the student's code may raise anything)
            if raise_errors:
                raise
            # Keep the last picture; a slider callback that raised would only reach
            # the log console, where a student never looks.
            self.status.value = _line(friendly_message(error, self._exercises))
            self.latencies.append(time.perf_counter() - start)
            return
        self.status.value = ""
        self.image.value = self._render()
        sentence = self._describe() if self._describe is not None else "interactive figure"
        if self._describe is not None:
            self.description.value = f'<p role="status" aria-live="polite">{html.escape(sentence)}</p>'
        self.picture.value = (f'<img src="data:image/png;base64,{base64.b64encode(self.image.value).decode("ascii")}" '
                              f'width="{self._width}" alt="{html.escape(sentence, quote=True)}">')
        self.latencies.append(time.perf_counter() - start)

    def _render(self) -> bytes:
        buffer = io.BytesIO()
        if not self._dynamic:
            # Fast PNG compression: the figure is small, the time is what matters.
            self.fig.savefig(buffer, format="png", dpi=self.dpi, pil_kwargs={"compress_level": 1})
            return buffer.getvalue()
        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self._background)
        for artist in self._dynamic:
            self.fig.draw_artist(artist)
        width, height = canvas.get_width_height()
        Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1) \
            .convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def slider(description: str, value: float, low: float, high: float, step: float = 0.1,
           tooltip: str = "", **kwargs) -> widgets.FloatSlider:
    """A slider whose label says what it changes; ``tooltip`` says more (hover and screen readers).

    ipywidgets' sliders take the keyboard once focused (Tab): arrow keys move
    them by one step, and the readout next to each takes a typed value.
    """
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=True, readout_format=".2f", tooltip=tooltip or description,
                               style={"description_width": "initial"}, **kwargs)


def int_slider(description: str, value: int, low: int, high: int, step: int = 1,
               tooltip: str = "") -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=True, tooltip=tooltip or description,
                             style={"description_width": "initial"})


# ---------------------------------------------------------------- the student's functions
_OWN_CODE = (str(Path(__file__).resolve().parents[1]), str(Path(sys.prefix).resolve()),
             str(Path(sys.base_prefix).resolve()))


def _student_frames(error: BaseException) -> list[str]:
    """Names of the functions, innermost last, that the traceback ran outside the course
    package and the installed libraries: the student's own code."""
    names = []
    for frame, _ in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        try:
            resolved = str(Path(filename).resolve())
        except (OSError, ValueError):
            resolved = filename
        if not resolved.startswith(_OWN_CODE) and frame.f_code.co_name != "<module>":
            names.append(frame.f_code.co_name)
    return names


def friendly_message(error: BaseException, exercises: dict[str, str]) -> str:
    """One line naming the graded function to implement or fix first.

    ``exercises`` maps the graded functions an explorer needs to where they
    are asked ("exercise 1", "assignment 04").  The function named is the
    innermost one of those in the traceback (a stub raising
    ``NotImplementedError`` is itself such a function; one called by another
    is the one to implement first).
    """
    frames = _student_frames(error)
    known = [name for name in frames if name in exercises]
    name = known[-1] if known else (frames[-1] if frames else None)
    where = f" ({exercises[name]})" if name in exercises else ""
    if isinstance(error, NotImplementedError):
        if name is None:
            return "Implement the exercises above first, then re-run this cell."
        return f"Implement `{name}` first{where}, then re-run this cell."
    detail = f"{type(error).__name__}: {error}".strip().splitlines()[0][:160]
    if name is None:
        return f"This could not be drawn with your functions ({detail}); fix them, then re-run this cell."
    return f"Your `{name}` raised {detail}. Fix it{where}, then re-run this cell."


def _line(text: str) -> str:
    """Markdown-ish `name` to <code>, as one paragraph that a screen reader announces."""
    parts = html.escape(text).split("`")
    body = "".join(f"<code>{p}</code>" if k % 2 else p for k, p in enumerate(parts))
    return f'<p role="status" class="course-explorer-pending">{body}</p>'


class Pending:
    """What an explorer shows instead of itself while a function it needs is missing.

    Plain HTML (no widget, no traceback): it reads the same in JupyterLab, in
    a static render of the notebook and to a screen reader.
    """

    def __init__(self, message: str):
        self.message = message

    def _repr_html_(self) -> str:
        return _line(self.message)

    def __repr__(self) -> str:
        return self.message


def skip_while_grading(build: Callable[..., Explorer],
                       exercises: dict[str, str] | None = None) -> Callable[..., Explorer | Pending | None]:
    """Wrap an explorer's builder: nothing while nbgrader grades, one friendly line
    (a ``Pending``) while a function handed to it is still a stub or raises."""
    @functools.wraps(build)
    def show(*args, **kwargs):
        if grading():
            print("(interactive explorer skipped while grading)")
            return None
        try:
            return build(*args, **kwargs)
        except Exception as error:  # noqa: BLE001  (the student's code may raise anything)
            return Pending(friendly_message(error, exercises or {}))

    show.__name__ = build.__name__.replace("build_", "explore_")
    show.__qualname__ = show.__name__
    return show
