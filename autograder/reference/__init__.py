"""Reference implementations of every graded function, by assignment.

The hidden checks (autograder.cases) compare students' results with these.
They are written for clarity and numerical safety, not speed, and are
themselves tested against independent formulas in tests/autograder/.
"""
from .a01 import *  # noqa: F401,F403
from .a02 import *  # noqa: F401,F403
from .a03 import *  # noqa: F401,F403
from .a04 import *  # noqa: F401,F403
from .a05 import *  # noqa: F401,F403
from .a06 import *  # noqa: F401,F403
