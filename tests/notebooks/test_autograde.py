"""The hidden tests, tested with the course's grader (nbgrader's pipeline, ``conftest.graded_class``) on real notebooks.

* the instructor's source notebook earns full marks;
* the release, handed in unchanged, earns nothing;
* each typical wrong implementation of the catalogue loses points on its own
  function's tests, and each differently written correct one keeps them all.
"""
from __future__ import annotations

import pytest

from autograder import catalogue

from ..conftest import ASSIGNMENTS, graded_cells, source_notebook, cells_of

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_source_earns_full_marks(graded_class, name):
    scores = graded_class.scores("source", name)
    expected = graded_cells(source_notebook(name))
    assert set(scores) == set(expected), "every test cell of the source must be graded"
    lost = {gid: s for gid, s in scores.items() if s[0] != s[1]}
    assert not lost, f"the source solution loses points in {lost}"
    assert all(s[1] == expected[gid] for gid, s in scores.items())


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_earns_zero(graded_class, name):
    scores = graded_class.scores("release", name)
    assert scores, "the release has no graded cells"
    earned = {gid: s for gid, s in scores.items() if s[0] != 0}
    assert not earned, f"the unmodified release earns points in {earned}"


def _catalogue_cases():
    for name in ASSIGNMENTS:
        for student, _, expected in catalogue.variants(name):
            for function, (kind, version) in expected.items():
                yield pytest.param(name, student, function, kind,
                                   id=f"{name[:2]}-{function}-{kind}-{version}")


@pytest.mark.parametrize("name,student,function,kind", list(_catalogue_cases()))
def test_catalogue(graded_class, name, student, function, kind):
    scores = graded_class.scores(student, name)
    own = cells_of(function, scores)
    assert own, f"{function} has no test cells"
    got = sum(scores[t][0] for t in own)
    best = sum(scores[t][1] for t in own)
    if kind == "wrong":
        assert got < best, f"a wrong {function} keeps full marks ({got}/{best})"
    else:
        assert got == best, f"a correct {function} loses points: " + str({t: scores[t] for t in own})


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_catalogue_covers_every_function(name):
    """At least three wrong and two correct versions of every graded function."""
    wrong, correct = catalogue.entries(name)
    functions = catalogue.solution_cells(source_notebook(name))
    for fn in functions:
        assert len(wrong.get(fn, [])) >= 3, f"{fn}: fewer than 3 wrong versions"
        assert len(correct.get(fn, [])) >= 2, f"{fn}: fewer than 2 correct versions"
