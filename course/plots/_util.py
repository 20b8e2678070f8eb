"""Shared pieces of the static figures."""
from __future__ import annotations

import functools

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
        plt.show()
        plt.close(fig)  # shown (inline) or not (Agg): either way pyplot need not keep it
        text = getattr(fig, "course_description", "")
        if text:
            _display_text(text)
        return fig

    return wrapper


def _display(obj) -> None:
    try:
        from IPython.display import display
    except ImportError:  # plain Python: print instead
        print(obj)
    else:
        display(obj)


def _display_text(text: str) -> None:
    """The figure's one-sentence description, as text (plain output in a notebook)."""
    print(f"Figure: {text}")
