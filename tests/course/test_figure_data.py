"""The precomputed curves shipped in course/data/figures.json are what the script computes now."""
from __future__ import annotations

import fnmatch
import importlib.util
import json
import tomllib

import numpy as np

from course.data import load_figure_data

from .test_no_graded_computation import REPO


def _script():
    spec = importlib.util.spec_from_file_location("precompute_figures", REPO / "scripts" / "precompute_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_figure_data_equals_a_fresh_regeneration():
    fresh = json.loads(json.dumps(_script().compute()))  # the same float round trip as the file
    shipped = json.loads((REPO / "course" / "data" / "figures.json").read_text(encoding="utf-8"))
    assert fresh.keys() == shipped.keys(), "run scripts/precompute_figures.py"
    for name in fresh:
        if not isinstance(fresh[name], dict):
            assert fresh[name] == shipped[name]
            continue
        assert fresh[name].keys() == shipped[name].keys(), f"{name}: run scripts/precompute_figures.py"
        for key, value in fresh[name].items():
            assert np.allclose(value, shipped[name][key], rtol=1e-12, atol=0), (
                f"course/data/figures.json [{name}][{key}] is stale: run scripts/precompute_figures.py")


def test_figure_data_is_what_its_figures_need():
    """Independent formulas, not the reference: sigma = 1 / (1 + e^-t), central differences beat one-sided."""
    sig = load_figure_data("sigmoid")
    assert np.allclose(sig["sigmoid"], 1 / (1 + np.exp(-sig["t"])), atol=1e-15)
    assert np.allclose(sig["derivative"], sig["sigmoid"] * (1 - sig["sigmoid"]), atol=1e-15)
    errors = load_figure_data("difference_errors")
    at = np.argmin(np.abs(errors["eps"] - 1e-4))
    assert errors["central"][at] < errors["one_sided"][at] / 100
    flat = load_figure_data("flat_losses")
    assert np.allclose(flat["squared_error"], 398 * (1 - flat["accuracy"]))


def test_figure_data_ships_with_the_package():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["course"]
    assert any(fnmatch.fnmatch("data/figures.json", p) for p in patterns), patterns


def test_shipped_z_scores_are_the_data_standardized():
    """Independent of the reference: each column minus its mean over its population std, from the CSV."""
    from course.data import load_auto_mpg, load_iris, load_standardized

    for dataset, frame, columns in (
            ("auto_mpg", load_auto_mpg(), ["weight", "displacement"]),
            ("auto_mpg_392", load_auto_mpg(drop_unknown_horsepower=True),
             ["weight", "horsepower", "displacement", "acceleration"]),
            ("iris", load_iris(), ["sepal_length", "sepal_width", "petal_length", "petal_width"])):
        raw = frame[columns].to_numpy(dtype=float)
        z = load_standardized(dataset, columns)
        assert z.shape == raw.shape
        assert np.allclose(z, (raw - raw.mean(axis=0)) / raw.std(axis=0), atol=1e-12), dataset
    assert np.allclose(load_standardized("iris", ["petal_width", "sepal_length"])[:, 0],
                       load_standardized("iris", ["petal_width"])[:, 0]), "columns come in the order asked"


def test_runaway_weights_run_away_without_a_penalty_only():
    """The shipped descent: ||w|| keeps growing without the penalty and levels off with lam = 1."""
    data = load_figure_data("runaway_weights")
    steps, free, held = data["steps"], data["path_free"], data["path_penalized"]
    assert steps[0] == 1 and steps[-1] == 2000 and np.all(np.diff(steps) > 0)
    norm_free, norm_held = np.linalg.norm(free[:, :-1], axis=1), np.linalg.norm(held[:, :-1], axis=1)
    assert np.all(np.diff(norm_free) > 0) and norm_free[-1] > 2 * norm_held[-1]
    assert abs(norm_held[-1] - norm_held[-10]) < 1e-3 * norm_held[-1]
