import numpy as np
import pandas as pd

from course.data import AUTO_MPG_COLUMNS, IRIS_SPECIES, load_auto_mpg, load_iris


def test_auto_mpg_shape_columns_and_types():
    cars = load_auto_mpg()
    assert cars.shape == (398, 9)
    assert list(cars.columns) == list(AUTO_MPG_COLUMNS)
    for col in ("mpg", "weight", "horsepower", "displacement", "acceleration"):
        assert cars[col].dtype == np.float64


def test_auto_mpg_unknown_horsepower_is_explicit():
    cars = load_auto_mpg()
    unknown = cars[cars["horsepower"].isna()]
    assert sorted(unknown["name"]) == sorted([
        "ford pinto", "ford maverick", "renault lecar deluxe", "ford mustang cobra",
        "renault 18i", "amc concord dl"])
    known = load_auto_mpg(drop_unknown_horsepower=True)
    assert len(known) == 392 and known["horsepower"].notna().all()
    assert list(known.index) == list(range(392))


def test_auto_mpg_values_are_plausible():
    cars = load_auto_mpg()
    assert cars["mpg"].between(9, 47).all()
    assert cars["weight"].between(1600, 5200).all()
    assert cars["model_year"].between(70, 82).all()
    assert set(cars["origin"].astype(str)) == {"usa", "europe", "japan"}
    # The first car of the UCI file.
    first = cars.iloc[0]
    assert first["name"] == "chevrolet chevelle malibu" and first["mpg"] == 18 and first["weight"] == 3504
    assert int((cars["mpg"] >= 30).sum()) == 92


def test_loaders_return_fresh_frames():
    a = load_auto_mpg()
    a.loc[0, "mpg"] = -1
    assert load_auto_mpg().loc[0, "mpg"] == 18


def test_iris():
    iris = load_iris()
    assert iris.shape == (150, 6)
    assert iris["label"].dtype == np.int64
    assert list(iris.groupby("label")["species"].first()) == list(IRIS_SPECIES)
    assert (iris["label"].value_counts() == 50).all()
    assert isinstance(iris, pd.DataFrame) and iris["petal_length"].between(1, 7).all()


def test_every_loader_hands_out_its_own_copy_also_after_the_warm_up():
    """The grader's fork server parses the data sets once (course.data._warm) and the
    loaders keep that parse: whatever a notebook does to its frame, the next load is intact."""
    from course import data

    data._warm()
    for load in (load_auto_mpg, lambda: load_auto_mpg(drop_unknown_horsepower=True), load_iris):
        frame = load()
        pristine = frame.copy()
        frame.iloc[0, 1] = -1.0  # mpg, sepal_width
        frame.loc[frame.index[:5], frame.columns[2]] = 0.0
        frame["extra"] = 1
        pd.testing.assert_frame_equal(load(), pristine)
        assert load() is not load()
