import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from autograder import reference  # noqa: E402
from course import plots  # noqa: E402


def test_plots_a02_draw_and_skip_while_grading(monkeypatch):
    flips = (np.random.default_rng(0).random(200) < 0.3).astype(int)
    qs = np.linspace(0.01, 0.99, 50)
    figs = [
        plots.plot_flat_losses(),
        plots.plot_bernoulli_pmf(qs=(0.2, 0.9)),
        plots.plot_coin_flips(flips, reference.bernoulli_mle, q=0.3),
        plots.plot_likelihood_vs_nll(qs, qs ** 3 * (1 - qs), -np.log(qs ** 3 * (1 - qs)), mle=0.75),
    ]
    assert all(f is not None and f.axes for f in figs)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert plots.plot_flat_losses() is None
    assert plots.plot_bernoulli_pmf() is None


def test_flat_losses_are_staircases():
    fig = plots.plot_flat_losses()
    slopes, acc = fig.axes[0].lines[0].get_data()
    steps = np.diff(np.asarray(acc))
    # most neighbouring slopes give exactly the same accuracy: the gradient is 0 there
    assert np.mean(steps == 0) > 0.5
    _, squared = fig.axes[1].lines[0].get_data()
    n = 398
    assert np.allclose(np.asarray(squared), n * (1 - np.asarray(acc)))


def test_bernoulli_pmf_bars_are_q_and_one_minus_q():
    fig = plots.plot_bernoulli_pmf(qs=(0.2, 0.9))
    for ax, q in zip(fig.axes, (0.2, 0.9)):
        assert np.allclose([p.get_height() for p in ax.patches], [1 - q, q])


def test_coin_flips_running_fraction():
    flips = np.array([1, 0, 0, 1])
    fig = plots.plot_coin_flips(flips, reference.bernoulli_mle)
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), [1, 0.5, 1 / 3, 0.5])


def test_bernoulli_pmf_bars_are_precomputed_on_a_grid_and_say_so_otherwise(capsys):
    bars = [p.get_height() for p in plots.plot_bernoulli_pmf(qs=(0.3,)).axes[0].patches]
    assert np.allclose(bars, [0.7, 0.3])
    assert plots.plot_bernoulli_pmf(qs=(0.333,)) is None  # one line, no traceback
    assert "0.01" in capsys.readouterr().out
