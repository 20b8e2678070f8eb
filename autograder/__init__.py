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
