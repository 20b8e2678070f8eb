"""Shared pieces of the static figures."""
from __future__ import annotations

import functools
import html

from .. import grading

from .._style import CLASS_COLORS, CLASS_MARKERS, CLASS_REGIONS, LABEL_COLORS, LABEL_MARKERS, LABEL_REGIONS  # noqa: F401


def figure(draw):
    """Decorator: skip drawing while grading; otherwise return the drawn figure.

    Each figure sets ``fig.course_description``, one sentence saying what it
    shows; it is printed under the figure, where a screen reader reads it
    (the inline PNG itself has no text).  A figure drawn by a function the
    student has not implemented yet prints one friendly line instead of a
    traceback (see course.widgets._base.friendly_message).
    """
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        if grading():
            return None
        import matplotlib.pyplot as plt

        from ..widgets._base import Pending, friendly_message

        try:
            fig = draw(*args, **kwargs)
        except Exception as error:  # noqa: BLE001  (the student's code may raise anything)
            plt.close("all")
            _display(Pending(friendly_message(error, {})))
            return None
        _show(fig, getattr(fig, "course_description", ""))
        plt.close(fig)  # pyplot need not keep it: it is shown as a picture of its own
        return fig

    return wrapper


def _display(obj) -> None:
    try:
        from IPython.display import display
    except ImportError:  # plain Python: print instead
        print(obj)
    else:
        display(obj)


def _show(fig, text: str) -> None:
    """The figure as an HTML <figure>: the PNG with ``text`` as its alt text and as a caption.

    JupyterLab shows a plain inline PNG as an <img> without alternative text,
    which a screen reader can only call "image"; here the same picture says
    what it shows.  Outside IPython (a script, a test) the caption is printed.
    """
    import base64
    import io

    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        if text:
            print(f"Figure: {text}")
        return
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = html.escape(text or "figure", quote=True)
    caption = f'<figcaption style="font-size: 90%; color: #333">Figure: {html.escape(text)}</figcaption>' if text else ""
    display(HTML(f'<figure style="margin: 0"><img src="data:image/png;base64,{data}" alt="{alt}">{caption}</figure>'))
