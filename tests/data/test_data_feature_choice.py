"""The default feature choice skips years, dates and identifiers; spreads that differ are said."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import (
    DataError,
    default_features,
    load_table,
    not_a_measurement,
    numeric_columns,
    prepare_features,
    spread_note,
)
from kmeans_gui.data.feature_choice import name_words

SAMPLES = Path(__file__).resolve().parents[2] / "data"
RNG = np.random.default_rng(0)
N = 300


def ints(values) -> pd.Series:
    return pd.Series(pd.array(values, dtype="Int64"))


def titanic() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "PassengerId": ints(np.arange(1, N + 1)),
            "Survived": ints(RNG.integers(0, 2, N)),
            "Pclass": ints(RNG.integers(1, 4, N)),
            "Name": [f"Passenger {i}" for i in range(N)],
            "Age": np.where(RNG.random(N) < 0.2, np.nan, RNG.uniform(1, 80, N)),
            "SibSp": ints(RNG.integers(0, 5, N)),
            "Fare": RNG.uniform(5, 500, N),
        }
    )


def gapminder() -> pd.DataFrame:
    years = np.tile(np.arange(1952, 2008, 5), N // 12 + 1)[:N]
    return pd.DataFrame(
        {
            "country": [f"c{i // 12}" for i in range(N)],
            "year": ints(years),
            "lifeExp": RNG.uniform(30, 80, N),
            "pop": ints(RNG.integers(10**5, 10**9, N)),
            "gdpPercap": RNG.uniform(300, 50_000, N),
        }
    )


def houses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ints(RNG.integers(10**9, 10**10, N)),
            "price": RNG.uniform(1e5, 2e6, N),
            "bedrooms": ints(RNG.integers(1, 7, N)),
            "sqft_living": ints(RNG.integers(400, 6000, N)),
            "yr_built": ints(RNG.integers(1900, 2015, N)),
            "yr_renovated": ints(np.where(RNG.random(N) < 0.9, 0, RNG.integers(1940, 2015, N))),
            "zipcode": ints(RNG.integers(98001, 98199, N)),
            "lat": RNG.uniform(47.1, 47.8, N),
        }
    )


def orders() -> pd.DataFrame:
    days = RNG.integers(1, 29, N)
    return pd.DataFrame(
        {
            "order_id": ints(np.sort(RNG.choice(10**6, N, replace=False))),
            "customer_no": ints(RNG.integers(1, 50, N)),
            "order_date": ints(20240100 + days),
            "month": ints(202400 + RNG.integers(1, 13, N)),
            "created_ts": ints(RNG.integers(1_700_000_000, 1_730_000_000, N)),
            "quantity": ints(RNG.integers(1, 20, N)),
            "width": ints(RNG.integers(1, 100, N)),
            "humidity": ints(RNG.integers(20, 90, N)),
            "AreaCode": ints(RNG.integers(200, 999, N)),
            "Unnamed: 0": ints(np.arange(N)),
        }
    )


@pytest.mark.parametrize(
    ("make", "features", "excluded"),
    [
        (titanic, ["Survived", "Pclass", "Age", "SibSp", "Fare"], {"PassengerId": "an identifier"}),
        (gapminder, ["lifeExp", "pop", "gdpPercap"], {"year": "a year"}),
        (
            houses,
            ["price", "bedrooms", "sqft_living", "lat"],
            {"id": "an identifier", "yr_built": "a year", "yr_renovated": "a year",
             "zipcode": "an identifier"},
        ),
        (
            orders,
            ["quantity", "width", "humidity"],
            {"order_id": "an identifier", "customer_no": "an identifier", "order_date": "a date",
             "month": "a date", "created_ts": "a date", "AreaCode": "an identifier",
             "Unnamed: 0": "an identifier"},
        ),
    ],
    ids=["titanic", "gapminder", "houses", "orders"],
)  # fmt: skip
def test_realistic_tables_keep_their_measurements(make, features, excluded) -> None:
    frame = make()
    chosen = prepare_features(frame, missing="mean")
    assert list(chosen.columns) == features
    assert chosen.excluded == excluded
    assert set(numeric_columns(frame)) == {*features, *excluded}  # still offered as numbers
    assert default_features(frame) == (features, excluded)
    note = chosen.exclusion_note("name it in --columns to use it")
    assert note is not None and note.endswith("name it in --columns to use it.")
    named = prepare_features(frame, [*excluded][:1], missing="mean")  # naming one still works
    assert named.excluded == {}


@pytest.mark.parametrize("sample", ["blobs.csv", "gps.csv", "iris.csv", "spreads.csv"])
def test_bundled_samples_keep_their_features(sample) -> None:
    frame = load_table(SAMPLES / sample).frame
    features = prepare_features(frame)
    assert features.excluded == {}
    assert list(features.columns) == numeric_columns(frame)


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        ("n", [1, 2, 3, 4, 5], None),  # too few rows to call a run of numbers a row number
        ("count", list(range(20)), "an identifier"),
        ("count", [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], None),
        ("score", [1950, 1999, 2024], "a year"),
        ("Year", [0, 1850, 1901], "a year"),
        ("years_experience", [0, 3, 12, 40], None),
        ("elevation_m", [1899, 2050, 2101], None),
        ("paid", [10, 20, 15], None),
        ("ID", [5, 3, 9], "an identifier"),
        ("date", [20240230, 20240101], "a date"),  # day 30 of February still reads as a date
        ("date", [20241301, 20240101], None),  # month 13 is no date
    ],
)
def test_what_looks_like_what(name, values, kind) -> None:
    assert not_a_measurement(name, ints(values)) == kind


def test_floats_and_booleans_are_measurements() -> None:
    assert not_a_measurement("year", pd.Series([1990.0, 2000.0])) is None
    assert not_a_measurement("id", pd.Series([True, False])) is None


def test_name_words() -> None:
    assert name_words("PassengerId") == ["passenger", "id"]
    assert name_words("CustomerID") == ["customer", "id"]
    assert name_words("yr_built") == ["yr", "built"]
    assert name_words("Unnamed: 0") == ["unnamed", "0"]


def test_only_identifiers_left_is_an_error_that_says_so() -> None:
    frame = pd.DataFrame({"id": ints(range(20)), "name": [str(i) for i in range(20)]})
    with pytest.raises(DataError, match=r"'id' looks like an identifier.*choose the feature col"):
        prepare_features(frame)


def test_spread_note() -> None:
    frame = pd.DataFrame(
        {"mass_g": RNG.normal(5000, 800, 200), "length_m": RNG.normal(2, 0.5, 200)}
    )
    features = prepare_features(frame)
    note = features.spread_note("rerun with --scale standard")
    assert note.startswith("The features' spreads differ by 1,")
    assert "'mass_g'" in note and note.endswith("rerun with --scale standard.")
    assert prepare_features(frame, scale="standard").spread_note() is None
    assert spread_note(["a", "b"], np.array([1.0, 9.5]), "none") is None  # within 10x
    assert spread_note(["a", "b"], np.array([0.0, 9.5]), "none") is None  # a constant column
