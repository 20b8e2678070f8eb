"""Explorers and figures draw with the functions they are handed, and only with those.

Behavioural proof that nothing in ``course/`` keeps a private copy of a graded
computation: every explorer (and every figure that takes a student function)
is drawn twice, with the reference implementations and with one typical
mistake from the catalogue, and the two must differ in the numbers they show
and in the picture.  Then the student who has not got there yet: a stub
(``raise NotImplementedError()``) gives one friendly line that names the
function and its exercise, and the same call works once it is implemented.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from autograder import reference as R  # noqa: E402
from course import plots, widgets  # noqa: E402

from ._student import REFERENCE, make_train, wrong  # noqa: E402

A01, A02, A03, A04, A05, A06 = ("01_binary_classification", "02_bernoulli_mle", "03_sigmoid_logistic_model",
                                "04_nll_gradient_descent", "05_softmax_regression",
                                "06_generalization_regularization")

# builder -> (position of the replaced argument, the wrong function): one typical
# mistake per explorer, in the function whose error the picture should show.
MISTAKES = {
    "build_classifier_explorer": (0, lambda: wrong(A01, "linear_classify", "sign")),
    "build_nll_explorer": (1, lambda: wrong(A02, "bernoulli_mle", "fraction_of_zeros")),
    "build_sigmoid_explorer": (0, lambda: wrong(A03, "predict_proba", "sign_flipped")),
    "build_loss_surface_explorer": (1, lambda: wrong(A04, "logistic_nll_grad", "missing_minus")),
    "build_pointwise_loss_explorer": (0, lambda: wrong(A04, "logistic_nll", "forgets_label_sign")),
    "build_iris_explorer": (0, lambda: make_train(R.softmax_nll,
                                                  wrong(A05, "softmax_nll_grad", "opposite_sign"))),
    "build_regularization_explorer": (1, lambda: wrong(A06, "fit_logistic_regression", "penalizes_the_bias")),
}


def _image(explorer) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(explorer.image.value)).convert("RGB"))


def _move(control, share: float) -> None:
    """A control ``share`` of the way along: its range, or its options (a selection slider)."""
    if hasattr(control, "options"):
        control.index = int(share * (len(control.options) - 1))
    else:
        control.value = type(control.value)(control.min + share * (control.max - control.min))


def _readouts(explorer) -> str:
    """Every number the explorer shows in words: titles and its text description."""
    return " | ".join([ax.get_title() for ax in explorer.fig.axes] + [explorer.description.value])


def test_every_explorer_is_covered():
    builders = {name for name in dir(widgets) if name.startswith("build_")}
    assert builders == set(REFERENCE) == set(MISTAKES), "an explorer without a reference/mistake pair here"


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_explorer_draws_with_the_functions_it_is_handed(name):
    build = getattr(widgets, name)
    position, mistake = MISTAKES[name]
    good = build(*REFERENCE[name])
    args = list(REFERENCE[name])
    args[position] = mistake()
    bad = build(*args)
    assert not bad.status.value, f"the mistake should draw, not fail: {bad.status.value}"
    assert _readouts(good) != _readouts(bad), "the same numbers with a wrong function: a private copy?"
    assert not np.array_equal(_image(good), _image(bad)), "the same picture with a wrong function"
    # and it keeps using them after a slider move
    for explorer in (good, bad):
        _move(next(iter(explorer.controls.values())), 0.3)
    assert _readouts(good) != _readouts(bad)


def test_wrong_gradient_sends_the_descent_path_astray():
    good = widgets.build_loss_surface_explorer(*REFERENCE["build_loss_surface_explorer"], steps=100)
    bad = widgets.build_loss_surface_explorer(R.logistic_nll, wrong(A04, "logistic_nll_grad", "missing_minus"),
                                              R.gradient_descent, steps=100)
    end = [float(e.fig.axes[0].get_title().split(",")[1].split()[0]) for e in (good, bad)]
    assert end[1] > end[0] + 0.1, f"an ascent should end with a larger loss: {end}"


def test_wrong_softmax_gradient_shows_in_the_loss_readout():
    train = make_train(R.softmax_nll, wrong(A05, "softmax_nll_grad", "opposite_sign"))
    bad = widgets.build_iris_explorer(train, R.predict_class, lr=0.5, steps=50)
    loss = float(bad.fig.axes[1].get_title().split("=")[1].split()[0])
    assert loss > np.log(3), "climbing the NLL ends above its value at W = 0"


def test_figures_draw_with_the_functions_they_are_handed():
    flips = (np.random.default_rng(0).random(300) < 0.3).astype(int)
    pairs = [
        (lambda f: plots.plot_coin_flips(flips, f, q=0.3), R.bernoulli_mle, wrong(A02, "bernoulli_mle", "median")),
        (lambda f: plots.plot_boundary_geometry(f), R.linear_classify, wrong(A01, "linear_classify", "sign")),
        (lambda f: plots.plot_probability_curve(np.linspace(-2, 2, 30), (np.arange(30) < 15).astype(int),
                                                np.array([-2.0, 0.5]), f),
         R.logistic_nll_grad, wrong(A04, "logistic_nll_grad", "missing_minus")),
    ]
    for draw, good, bad in pairs:
        a, b = draw(good), draw(bad)
        data = [[np.asarray(line.get_ydata(), dtype=float) for line in fig.axes[0].lines] +
                [np.asarray(c.get_offsets()) for c in fig.axes[0].collections] for fig in (a, b)]
        same = len(data[0]) == len(data[1]) and all(
            x.shape == y.shape and np.allclose(x, y, equal_nan=True) for x, y in zip(*data))
        assert not same, f"{draw}: the same figure with a wrong function"
        assert a.course_description != b.course_description


# ---------------------------------------------------------------- before the exercise is done
def _stub(name: str):
    """A function as nbgrader releases it: the student's cell, not yet filled in."""
    scope = {}
    exec(compile(f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n", "<student cell>", "exec"),
         scope)
    return scope[name]


STUBS = [  # explorer, the argument left a stub, what the line must say
    ("explore_classifier", 1, "Implement `accuracy` first (exercise 5), then re-run this cell."),
    ("explore_nll", 0, "Implement `bernoulli_nll` first (exercise 3)"),
    ("explore_sigmoid", 1, "Implement `predict` first (exercise 5)"),
    ("explore_loss_surface", 2, "Implement `gradient_descent` first (exercise 4)"),
    ("explore_pointwise_loss", 1, "Implement `logistic_nll_grad` first (exercise 2)"),
    ("explore_regularization", 1, "Implement `fit_logistic_regression` first (exercise 4)"),
]
ARG_NAMES = {
    "explore_classifier": ("linear_classify", "accuracy"), "explore_nll": ("bernoulli_nll", "bernoulli_mle"),
    "explore_sigmoid": ("predict_proba", "predict"),
    "explore_loss_surface": ("logistic_nll", "logistic_nll_grad", "gradient_descent"),
    "explore_pointwise_loss": ("logistic_nll", "logistic_nll_grad"),
    "explore_regularization": ("split_indices", "fit_logistic_regression", "linear_classify"),
}


@pytest.mark.parametrize("name, position, line", STUBS, ids=[s[0] for s in STUBS])
def test_a_stub_gives_one_friendly_line_then_the_explorer_once_implemented(name, position, line, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    show = getattr(widgets, name)
    reference = list(REFERENCE[f"build_{name[len('explore_'):]}_explorer"])
    args = list(reference)
    args[position] = _stub(ARG_NAMES[name][position])
    shown = show(*args)
    assert isinstance(shown, widgets.Pending), f"{name} with a stub showed {shown!r}"
    assert line in shown.message
    assert "Traceback" not in shown._repr_html_() and "\n" not in shown.message
    assert isinstance(show(*reference), widgets.Explorer), "re-running the cell once implemented works"


def test_the_line_names_the_innermost_unwritten_function(monkeypatch):
    """predict_proba written, but the sigmoid it calls still a stub: write sigmoid first."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    scope = {"np": np}
    exec(compile("def sigmoid(z):\n    raise NotImplementedError()\n\n"
                 "def predict_proba(X, w):\n    return sigmoid(X @ w)\n", "<student cell>", "exec"), scope)
    shown = widgets.explore_sigmoid(scope["predict_proba"], R.predict)
    assert shown.message == "Implement `sigmoid` first (exercise 1), then re-run this cell."
    # assignment 05's given train, on a softmax_nll still to be written
    train = make_train(_stub("softmax_nll"), R.softmax_nll_grad)
    assert widgets.explore_iris(train, R.predict_class).message.startswith(
        "Implement `softmax_nll` first (exercise 5)")


def test_a_function_that_raises_later_leaves_the_picture_and_says_so():
    calls = {"n": 0}
    scope = {"np": np, "R": R, "calls": calls}
    exec(compile("def gradient_descent(grad_fn, w0, lr, steps):\n"
                 "    if steps > 50:\n        raise ValueError('too many steps for my loop')\n"
                 "    return R.gradient_descent(grad_fn, w0, lr, steps)\n", "<student cell>", "exec"), scope)
    e = widgets.build_loss_surface_explorer(R.logistic_nll, R.logistic_nll_grad, scope["gradient_descent"],
                                            steps=10)
    before = e.image.value
    e.controls["steps"].value = 100  # no exception escapes the slider callback
    assert e.image.value == before
    assert "Your <code>gradient_descent</code> raised ValueError: too many steps for my loop" in e.status.value
    e.controls["steps"].value = 20
    assert e.status.value == "" and e.image.value != before


def test_a_figure_with_a_stub_prints_one_line_instead_of_a_traceback(capsys):
    assert plots.plot_coin_flips(np.array([1, 0, 1]), _stub("bernoulli_mle")) is None
    out = capsys.readouterr().out
    assert "Implement `bernoulli_mle` first" in out and "Traceback" not in out


# ---------------------------------------------------------------- accessible output
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_explorers_describe_themselves_and_label_their_controls(name):
    e = getattr(widgets, name)(*REFERENCE[name])
    text = e.description.value
    assert 'role="status"' in text and len(text) > 60, "a sentence a screen reader can announce"
    before = text
    for control in e.controls.values():
        assert len(control.description) >= 4 and len(control.tooltip) > len(control.description), (
            f"{name}: the control {control.description!r} needs a tooltip saying what it changes")
        _move(control, 0.8)
    assert e.description.value != before, "the description follows the sliders"


def test_figures_are_shown_with_their_description_as_alt_text_and_caption(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    from types import SimpleNamespace

    kernel = SimpleNamespace(events=SimpleNamespace(register=lambda *a: None, unregister=lambda *a: None))
    monkeypatch.setattr(IPython, "get_ipython", lambda: kernel)  # as in a notebook's kernel
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    fig = plots.plot_sigmoid()
    (html,) = [obj.data for obj in shown]
    assert html.startswith("<figure") and 'src="data:image/png;base64,' in html
    alt = fig.course_description.replace("'", "&#x27;")
    assert f'alt="{alt}"' in html and "<figcaption" in html, "alt text and caption are the description"
    assert "sigmoid" in fig.course_description
