"""The same code gets the same grade and the same messages on every grading, for every student.

The whole demo class and a small class from the benchmark's builder, every
assignment, in one course root (the session's ``graded_demo_class``: graded
once by the real ``python -m autograder grade``), regraded with ``--force``
twice more: every grade cell (score, auto score, manual score), every output
of every cell of every autograded notebook and every byte of the feedback
must be the same after each regrade.  The same notebook under several student
ids gets the same grades and messages too: the demo's ada and (from 02 on)
fay, the benchmark's perfect students, and two ids handing in a 05 whose
mistakes only the hidden checks see (the catalogue's log_softmax shifted by
the global maximum, and a softmax_nll wrong on some inputs only, whose
messages quote the inputs' values: with inputs drawn afresh at each grading
its score and message changed from run to run, before check inputs were
seeded by the check id).
"""
from __future__ import annotations

import pytest

from autograder import demo

from .. import _demo_class as dc

pytestmark = pytest.mark.slow

A01 = "01_binary_classification"


def _per_student(table: dict, student: str) -> dict:
    return {key[1:]: value for key, value in table.items() if key[0] == student}


def test_three_gradings_and_several_student_ids_give_identical_grades_and_messages(graded_demo_class):
    cls = graded_demo_class
    for _ in range(2):
        out = dc.grade(cls.root, "--force")
        assert ", skipped 0 " in out, f"--force must regrade everyone:\n{out}"
        assert dc.grade_cells(cls.root) == cls.cells, "a --force regrade changed a grade cell"
        assert dc.messages(cls.root) == cls.messages, "a --force regrade changed a message"
    # Feedback is made from the autograded notebooks and the gradebook, compared
    # after each grading above; made again after the last one, it must not differ.
    dc.generate_feedback(cls.root)
    assert dc.feedback(cls.root) == cls.feedback, "a --force regrade changed the feedback"

    # The class is all there: every demo and benchmark student, every assignment, every graded cell.
    assert {key[0] for key in cls.cells} == set(cls.demo_students) | set(cls.bench_kinds) | set(dc.TWINS)
    assert {key[1] for key in cls.cells} == set(dc.course.assignments(cls.root))
    graded = {key[:2] for key in cls.cells} - {("fay", demo.NOT_A_NOTEBOOK)}
    assert {key[:2] for key in cls.feedback if key[2].endswith(".html")} == graded, "feedback for everyone"

    # The same code under other student ids: the same grades, messages and feedback.
    twins = [("mix", "mix-again")]
    perfect = [s for s, kinds in cls.bench_kinds.items() if set(kinds.values()) == {"perfect"}]
    assert len(perfect) >= 2, cls.bench_kinds
    twins += [("ada", s) for s in perfect]
    for a, b in twins:
        assert _per_student(cls.cells, a) == _per_student(cls.cells, b), f"{a} and {b}"
        assert _per_student(cls.messages, a) == _per_student(cls.messages, b), f"{a} and {b}"
        assert _per_student(cls.feedback, a) == _per_student(cls.feedback, b), f"{a} and {b}"
    fay = {k: v for k, v in _per_student(cls.cells, "fay").items() if k[0] != demo.NOT_A_NOTEBOOK}
    assert fay == {k: v for k, v in _per_student(cls.cells, "ada").items() if k[0] != demo.NOT_A_NOTEBOOK}

    # Not vacuous: the hidden checks failed the twins and said so in words; the
    # benchmark's wrong students lost points; failures are among the messages compared.
    hidden = [o for key, outputs in _per_student(cls.messages, "mix").items() for o in outputs
              if o[0] == "error" and o[2].startswith("log_softmax:")]
    assert hidden, _per_student(cls.messages, "mix")

    def total(student, assignment=None):
        return sum(v[0] or 0 for k, v in _per_student(cls.cells, student).items()
                   if assignment in (None, k[0]))

    assert total("mix", dc.A05) < total("ada", dc.A05)
    wrong = [s for s, kinds in cls.bench_kinds.items() if any(k.startswith("wrong") for k in kinds.values())]
    assert wrong and all(total(s) < total("ada") for s in wrong)
    assert total("dee") == 0 < total("ben") < total("ada")
