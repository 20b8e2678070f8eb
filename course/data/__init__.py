"""The data sets of the course, shipped as CSV files beside this module.

>>> cars = load_auto_mpg()
>>> cars.shape
(398, 9)
"""
from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["load_auto_mpg", "load_iris", "AUTO_MPG_COLUMNS", "IRIS_SPECIES"]

#: Column -> unit, for the Auto MPG data (see README.md beside this file).
AUTO_MPG_COLUMNS = {
    "name": "make and model",
    "mpg": "miles per US gallon",
    "cylinders": "count",
    "displacement": "cubic inches",
    "horsepower": "hp (NaN for 6 cars where unknown)",
    "weight": "lbs",
    "acceleration": "seconds from 0 to 60 mph",
    "model_year": "year - 1900",
    "origin": "usa / europe / japan",
}

#: Species of the Iris data, in the order of their class index 0, 1, 2.
IRIS_SPECIES = ("setosa", "versicolor", "virginica")


def _read(name: str) -> pd.DataFrame:
    with resources.files(__name__).joinpath(name).open("r", encoding="utf-8") as f:
        return pd.read_csv(f)


def load_auto_mpg(drop_unknown_horsepower: bool = False) -> pd.DataFrame:
    """The 398 cars of the UCI Auto MPG data set.

    Columns (units in ``AUTO_MPG_COLUMNS``): ``name``, ``mpg``, ``cylinders``,
    ``displacement``, ``horsepower``, ``weight``, ``acceleration``,
    ``model_year``, ``origin``.  All numeric columns are float64.

    Six cars have an unknown horsepower.  By default they are kept, with
    ``horsepower`` set to NaN, so that every analysis that does not use
    horsepower sees all 398 cars; pass ``drop_unknown_horsepower=True`` to get
    the 392 cars with a known horsepower (what you need before using
    horsepower as a feature).
    """
    df = _read("auto_mpg.csv")
    numeric = [c for c in AUTO_MPG_COLUMNS if c not in ("name", "origin")]
    df[numeric] = df[numeric].astype(np.float64)
    df["origin"] = pd.Categorical(df["origin"], categories=["usa", "europe", "japan"])
    if drop_unknown_horsepower:
        df = df.dropna(subset=["horsepower"]).reset_index(drop=True)
    return df


def load_iris() -> pd.DataFrame:
    """The 150 flowers of Fisher's Iris data set.

    Columns: ``sepal_length``, ``sepal_width``, ``petal_length``,
    ``petal_width`` (cm, float64), ``species`` (str) and ``label`` (int64:
    0 setosa, 1 versicolor, 2 virginica, the class index used in softmax
    regression).
    """
    df = _read("iris.csv")
    features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    df[features] = df[features].astype(np.float64)
    df["label"] = df["species"].map({s: i for i, s in enumerate(IRIS_SPECIES)}).astype(np.int64)
    return df
