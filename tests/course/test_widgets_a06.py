"""The regularization explorer of assignment 06, on the functions it is handed."""
import io
import time

import numpy as np
from PIL import Image

from autograder import reference
from course import widgets
from course.widgets import a06


def _image(explorer):
    return np.asarray(Image.open(io.BytesIO(explorer.image.value)).convert("RGB"))


class _Recorder:
    """The reference fit, remembering every call (what the student's fit would be asked)."""

    def __init__(self):
        self.calls = []
        self.__name__ = "fit_logistic_regression"

    def __call__(self, X, y, lam):
        w = reference.fit_logistic_regression(X, y, lam)
        self.calls.append((X.copy(), y.copy(), lam, w))
        return w


def test_every_boundary_comes_from_the_fit_it_is_handed():
    fit = _Recorder()
    e = widgets.build_regularization_explorer(reference.split_indices, fit, reference.linear_classify)
    assert sorted(lam for _, _, lam, _ in fit.calls) == sorted(a06.LAMS.tolist())
    control = e.controls["lam_index"]
    before = _image(e)
    control.value = 0  # the smallest lam
    X, y, lam, w = min(fit.calls, key=lambda call: call[2])
    # the title's training mistakes, recounted from the weights the fit returned
    train_mistakes = int(np.sum(((X @ w) >= 0).astype(int) != y))
    title = e.fig.axes[0].get_title()
    assert f"misclassified: {train_mistakes} of {len(y)} training cars" in title
    assert f"||w|| = {np.linalg.norm(w[:-1]):.2f}" in title
    assert not np.array_equal(before, _image(e))
    control.value = len(a06.LAMS) - 1  # the largest lam: (almost) no weights left
    norm = float(e.fig.axes[0].get_title().split("||w|| = ")[1].split()[0])
    assert norm < 0.1


def test_every_predicted_class_comes_from_the_linear_classify_it_is_handed():
    def flipped(X, w):  # class 1 where the reference says 0: every count becomes the set's size minus it
        return 1 - reference.linear_classify(X, w)

    good, bad = (widgets.build_regularization_explorer(reference.split_indices, reference.fit_logistic_regression,
                                                       classify) for classify in (reference.linear_classify, flipped))
    for e in (good, bad):
        e.controls["lam_index"].value = 0
    counts = [[[int(word) for word in part.split() if word.isdigit()]  # [mistakes, set size]
               for part in e.fig.axes[0].get_title().split("\n")[1].split(", ")] for e in (good, bad)]
    for (good_k, size), (bad_k, same_size) in zip(*counts):
        assert size == same_size and good_k + bad_k == size, counts
    assert not np.array_equal(_image(good), _image(bad))


def test_course_code_of_06_computes_no_graded_quantity():
    """Sigmoids, logs and losses come only from the student's functions."""
    import inspect

    from course.plots import a06 as plots_a06

    for module in (a06, plots_a06):
        code = inspect.getsource(module)
        for forbidden in ("np.exp(", "np.log(", "np.log1p(", "logaddexp", "sigmoid(", "expit"):
            assert forbidden not in code, f"{module.__name__} uses {forbidden}"


def test_the_split_comes_from_the_students_split_indices():
    asked = []

    def split_indices(N, test_fraction, seed):
        asked.append((N, test_fraction, seed))
        return reference.split_indices(N, test_fraction, seed)

    fit = _Recorder()
    widgets.build_regularization_explorer(split_indices, fit, reference.linear_classify)
    assert asked == [(392, 0.9, 4)]
    expected_train = reference.split_indices(392, 0.9, 4)[0]
    assert len(fit.calls[0][1]) == len(expected_train)


def test_a_stub_gives_one_friendly_line(capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)

    def fit_logistic_regression(X, y, lam):
        raise NotImplementedError()

    shown = widgets.explore_regularization(reference.split_indices, fit_logistic_regression,
                                           reference.linear_classify)
    assert isinstance(shown, widgets.Pending), f"a stub showed {shown!r}"
    assert shown.message == "Implement `fit_logistic_regression` first (exercise 4), then re-run this cell."
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err + shown._repr_html_()

    def split_indices(N, test_fraction, seed):
        raise NotImplementedError()

    shown = widgets.explore_regularization(split_indices, reference.fit_logistic_regression,
                                           reference.linear_classify)
    assert shown.message == "Implement `split_indices` first (exercise 1), then re-run this cell."


def test_a_slow_fit_is_cut_short_not_waited_for():
    def slow(X, y, lam):
        time.sleep(0.05)
        return reference.fit_logistic_regression(X, y, lam)

    e = widgets.build_regularization_explorer(reference.split_indices, slow, reference.linear_classify,
                                              budget_s=0.2)
    lams = [value for _, value in e.controls["lam_index"].options]
    assert 1 < len(lams) < len(a06.LAMS)
    assert "was left out" in e.widget.children[1].value
