"""Instructor-only grading package for the course.

Never shipped to students (see `make student-bundle`).  Importing this
package is cheap on purpose: `autograder.hidden`, the only module a student's
kernel touches while grading, must not pull in the reference solutions.

Modules:
    wire       -- JSON encoding of values crossing the kernel boundary (no pickle)
    hidden     -- what hidden test cells call: ``check(check_id, fn)``
    reference  -- reference implementations of every graded function
    cases      -- the hidden checks: inputs, references, judgements, messages
    catalogue  -- typical wrong and differently-written correct solutions
    demo       -- builds the synthetic demo class from the source notebooks
"""

import sys as _sys

# jsonschema (imported by nbformat and nbgrader) tries `import rfc3987_syntax`, an
# optional extra that some Jupyter packages install, and that import builds a parser
# costing ~0.9 s of CPU in every process (the grader, its sandbox probe, each
# `python -m autograder`).  It serves only the "iri" format checks, which no schema
# the grader validates (nbformat's, nbgrader's cell metadata) uses: jsonschema
# leaves them out when the import fails.
if "jsonschema" not in _sys.modules:
    _sys.modules.setdefault("rfc3987_syntax", None)
