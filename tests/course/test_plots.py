import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from autograder import reference  # noqa: E402
from course import plots  # noqa: E402
from course.data import load_auto_mpg  # noqa: E402


def test_plots_draw_and_skip_while_grading(monkeypatch):
    cars = load_auto_mpg()
    y = (cars["mpg"] >= 30).to_numpy().astype(int)
    figs = [
        plots.plot_mpg_labels(cars, y),
        plots.plot_regression_on_labels(cars, y),
        plots.plot_step_function(),
        plots.plot_boundary_geometry(reference.linear_classify),
        plots.plot_decision_boundary(np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2,
                                     lambda P: (P[:, 0] >= 0).astype(int)),
    ]
    assert all(f is not None and f.axes for f in figs)
    # the colours of the scatter follow the labels
    ax = figs[0].axes[0]
    assert [len(c.get_offsets()) for c in ax.collections] == [int((y == 0).sum()), int(y.sum())]
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert plots.plot_mpg_labels(cars, y) is None


def test_decision_boundary_uses_the_given_classifier():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    fig = plots.plot_decision_boundary(X, np.array([0, 1]), lambda P: (P[:, 0] >= 0.3).astype(int))
    regions = np.asarray(fig.axes[0].images[0].get_array())
    # the left part of the grid is 0, the right part is 1, the switch is near x = 0.3
    row = regions[100]
    switch = np.argmax(row > 0.5)
    x0, x1 = -1.5, 1.5
    assert abs(x0 + (x1 - x0) * switch / (len(row) - 1) - 0.3) < 0.03
