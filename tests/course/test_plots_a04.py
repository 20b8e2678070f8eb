import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from autograder import reference  # noqa: E402
from course import plots  # noqa: E402


def test_difference_errors_show_central_beats_one_sided():
    fig = plots.plot_difference_errors()
    one_sided, central = fig.axes[0].lines[:2]
    eps = np.asarray(one_sided.get_xdata())
    at = np.argmin(np.abs(eps - 1e-4))
    assert central.get_ydata()[at] < one_sided.get_ydata()[at] / 100


def test_loss_curve_and_probability_curve():
    fig = plots.plot_loss_curve([3.0, 2.0, 1.5])
    assert list(fig.axes[0].lines[0].get_ydata()) == [3.0, 2.0, 1.5]
    x = np.linspace(-2, 2, 20)
    y = (x < 0).astype(int)
    fig = plots.plot_probability_curve(x, y, np.array([-2.0, 1.0]), reference.logistic_nll_grad)
    ax = fig.axes[0]
    curve = ax.lines[0]
    gx, gp = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
    assert np.allclose(gp, 1 / (1 + np.exp(2.0 * gx - 1.0)))
    assert [len(c.get_offsets()) for c in ax.collections] == [int((y == 0).sum()), int(y.sum())]


def test_plots_skip_while_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert plots.plot_difference_errors() is None
    assert plots.plot_loss_curve([1.0]) is None


def test_boundary_line_is_the_zero_set_of_the_score_and_shades_its_positive_side():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [0.5, -0.5]])
    y = np.array([0, 1, 1])
    fig = plots.plot_boundary_line(X, y, np.array([1.0, 2.0, -0.5]))
    ax = fig.axes[0]
    xs, ys = ax.lines[0].get_data()
    assert np.allclose(1.0 * np.asarray(xs) + 2.0 * np.asarray(ys) - 0.5, 0.0)
    shaded = ax.collections[0].get_paths()[0].vertices
    # w2 > 0: label 1 (positive score) is above the line, so the shading reaches the top of the box
    assert np.isclose(shaded[:, 1].max(), ax.get_ylim()[1])
    flipped = plots.plot_boundary_line(X, y, np.array([-1.0, -2.0, 0.5])).axes[0]
    assert np.isclose(flipped.collections[0].get_paths()[0].vertices[:, 1].min(), flipped.get_ylim()[0])
    assert "x2 + -0.50 = 0" in fig.course_description
