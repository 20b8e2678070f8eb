"""Interactive explorers, one module per assignment.

Each ``explore_*`` function shows an explorer in the notebook and does
nothing while nbgrader grades (see course.grading); the matching
``build_*`` function always builds it (tests and benchmarks use those).
"""
from ._base import Explorer, Pending  # noqa: F401
from .a01 import *  # noqa: F401,F403
from .a02 import *  # noqa: F401,F403,E402
from .a03 import *  # noqa: F401,F403,E402
from .a04 import *  # noqa: F401,F403,E402
from .a05 import *  # noqa: F401,F403,E402
