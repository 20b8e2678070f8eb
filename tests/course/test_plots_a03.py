import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from course import plots  # noqa: E402


def test_plots_a03_draw_and_skip_while_grading(monkeypatch):
    fig = plots.plot_sigmoid()
    left, right = fig.axes
    t, s = left.lines[1].get_data()
    assert np.allclose(s, 1 / (1 + np.exp(-np.asarray(t))))
    t, ds = right.lines[0].get_data()
    assert np.isclose(np.max(ds), 0.25, atol=1e-4)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert plots.plot_sigmoid() is None


def test_probability_map_uses_the_given_model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] < 0).astype(int)
    fig = plots.plot_probability_map(X, y, lambda P: 1 / (1 + np.exp(3 * P[:, 0])))
    P = np.asarray(fig.axes[0].images[0].get_array())
    assert P.shape == (150, 150)
    assert P[75, 0] > 0.9 and P[75, -1] < 0.1, "left is likely 1, right likely 0"
    # columns are constant: the probability depends only on the first feature here
    assert np.allclose(P, P[:1, :])
