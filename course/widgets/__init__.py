"""Interactive explorers, one module per assignment.

Each ``explore_*`` function takes the student's own functions (the graded
computations it draws with), shows an explorer in the notebook, shows one
friendly line instead ("Implement `sigmoid` first (exercise 1), then re-run
this cell.") while one of them is a stub or raises, and does nothing while
nbgrader grades (see course.grading); the matching ``build_*`` function
always builds it and lets errors through (tests and benchmarks use those).

Accessibility: colours from a colour-blind-safe palette with one marker shape
per class (course._style), a sentence under each picture that a screen
reader announces after every change, and controls whose label and tooltip
say what they change (ipywidgets' sliders work from the keyboard).
"""
from ._base import Explorer, Pending  # noqa: F401
from .a01 import *  # noqa: F401,F403
from .a02 import *  # noqa: F401,F403,E402
from .a03 import *  # noqa: F401,F403,E402
from .a04 import *  # noqa: F401,F403,E402
from .a05 import *  # noqa: F401,F403,E402
from .a06 import *  # noqa: F401,F403,E402
