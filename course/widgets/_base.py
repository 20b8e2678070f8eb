"""A small frame for the course's explorers: sliders over a redrawn figure.

Why not ``plt.show()`` in an ``Output``?  Re-creating a figure on every slider
move costs 100-300 ms.  Here each explorer builds one matplotlib ``Figure``
(no pyplot, so nothing is displayed twice), and a slider change only updates
the artists in place and renders the figure to a PNG shown in an
``ipywidgets.Image``.  The time from a slider change to the new PNG (callback
plus render, measured in the kernel) is kept in ``Explorer.latencies``.

An explorer that names its ``dynamic`` artists (those ``update`` changes) is
faster still: everything else (axes, ticks, labels, contours of a loss
surface) is rendered once and kept as a background bitmap, and each change
only pastes the background and draws the dynamic artists on it ("blitting").
Text is the costliest thing matplotlib draws, and most of it never changes.
(An axis whose range follows a slider is itself a dynamic artist.)
"""
from __future__ import annotations

import io
import time
from typing import Callable

import ipywidgets as widgets
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .. import grading


class Explorer:
    """Controls plus a figure whose artists ``update(**values)`` changes in place."""

    def __init__(self, fig: Figure, controls: dict[str, widgets.ValueWidget],
                 update: Callable[..., None], *, dpi: int = 80, note: str = "",
                 dynamic: list[Artist] | None = None):
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
        width = int(fig.get_figwidth() * dpi)
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))
        for control in controls.values():
            control.observe(self._changed, names="value")
        children = [widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))]
        if note:
            children.append(widgets.HTML(f"<small>{note}</small>"))
        children.append(self.image)
        self.widget = widgets.VBox(children)
        self.refresh()

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, change) -> None:
        self.refresh()

    def refresh(self) -> None:
        start = time.perf_counter()
        self._update(**self.values())
        self.image.value = self._render()
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
           **kwargs) -> widgets.FloatSlider:
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=True, readout_format=".2f",
                               style={"description_width": "initial"}, **kwargs)


def int_slider(description: str, value: int, low: int, high: int, step: int = 1) -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=True, style={"description_width": "initial"})


def skip_while_grading(build: Callable[..., Explorer]) -> Callable[..., Explorer | None]:
    """Wrap an explorer's builder so that it does nothing while nbgrader grades."""
    def show(*args, **kwargs):
        if grading():
            print("(interactive explorer skipped while grading)")
            return None
        return build(*args, **kwargs)

    show.__name__ = build.__name__.replace("build_", "explore_")
    show.__doc__ = build.__doc__
    return show
