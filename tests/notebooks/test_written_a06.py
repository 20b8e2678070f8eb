"""The written MAP derivation of 06: question, locked rubric, then the answer cell."""
import re

from ..conftest import release_notebook, source_notebook

A06 = "06_generalization_regularization"


def _cells():
    nb = source_notebook(A06)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    return nb, ids


def test_question_rubric_answer_in_this_order_with_the_right_flags():
    nb, ids = _cells()
    q, r, a = (ids.index(g) for g in ("map_question", "map_rubric", "map_derivation"))
    assert q < r < a == r + 1, "the rubric sits right before the answer cell, after the question"
    rubric, answer = nb.cells[r].metadata["nbgrader"], nb.cells[a].metadata["nbgrader"]
    assert rubric["locked"] and rubric["task"] and not rubric.get("solution")
    assert answer["grade"] and answer["solution"] and not answer["locked"] and nb.cells[a].cell_type == "markdown"


def test_rubric_points_add_up_and_anchors_span_the_scale():
    nb, ids = _cells()
    rubric = nb.cells[ids.index("map_rubric")].source
    points = float(nb.cells[ids.index("map_derivation")].metadata["nbgrader"]["points"])
    scheme = rubric.split("### BEGIN MARK SCHEME")[1].split("### END MARK SCHEME")[0]
    steps = [float(x) for x in re.findall(r"^\d\. \*\*[^*]+\*\* \((\d+(?:\.\d+)?) points?\)", scheme, re.M)]
    assert len(steps) >= 3 and sum(steps) == points, steps
    assert "Partial credit" in scheme
    anchors = re.findall(r"\*(Full marks|Partial|Zero) \((\d+(?:\.\d+)?)/(\d+)\):\*", scheme)
    assert [a[0] for a in anchors] == ["Full marks", "Partial", "Zero"]
    assert [float(a[1]) for a in anchors] == [points, points / 2, 0.0]
    assert all(float(a[2]) == points for a in anchors)


def test_the_result_is_not_on_the_page_before_the_question():
    nb, ids = _cells()
    before = "\n".join(c.source for c in nb.cells[:ids.index("map_question")])
    for result in (r"\frac{\lambda}{2}", "lam / 2", "lam/2", r"\lambda/2"):
        assert result not in before, f"{result!r} appears before the written question"


def test_release_keeps_the_question_and_drops_rubric_and_answer():
    nb = release_notebook(A06)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    assert "Written question" in cells["map_question"]
    assert cells["map_rubric"].strip() == "" and cells["map_derivation"].strip() == "YOUR ANSWER HERE"
