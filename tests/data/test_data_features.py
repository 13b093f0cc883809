"""prepare_features: column choice, missing values, weights, scaling and its inverse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import DataError, numeric_columns, prepare_features


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "x": [1.0, 2.0, np.nan, 4.0, 5.0],
            "y": [10.0, np.inf, 30.0, 40.0, 50.0],
            "n": [1, 2, 3, 4, 5],
            "flag": [True, False, True, False, True],
            "w": [1.0, 2.0, 1.0, np.nan, 0.5],
            "empty": [np.nan] * 5,
        }
    )


def test_default_features_are_numeric_non_boolean_non_empty_columns() -> None:
    assert numeric_columns(table()) == ["x", "y", "n", "w"]
    features = prepare_features(table(), weight_column="w")
    assert features.columns == ("x", "y", "n")


def test_rows_with_nan_or_inf_are_left_out_and_counted() -> None:
    features = prepare_features(table(), ["x", "y"])
    assert features.row_mask.tolist() == [True, False, False, True, True]
    assert features.n_used == 3 and features.n_left_out == 2
    assert features.missing_counts == {"x": 1, "y": 1}
    np.testing.assert_array_equal(features.X, [[1, 10], [4, 40], [5, 50]])
    (note,) = features.notes()
    assert note.startswith("2 of 5 rows were left out of the fit: 2 with a missing or non-finite")
    assert "'x' 1, 'y' 1" in note


def test_mean_imputation_fills_cells_and_keeps_every_row() -> None:
    features = prepare_features(table(), ["x", "y"], missing="mean")
    assert features.n_used == 5 and features.n_imputed == 2
    assert features.X[2, 0] == pytest.approx(np.mean([1, 2, 4, 5]))
    assert features.X[1, 1] == pytest.approx(np.mean([10, 30, 40, 50]))
    assert "2 missing or non-finite cells were filled" in features.notes()[0]


def test_weights_are_aligned_and_missing_weights_leave_rows_out() -> None:
    features = prepare_features(table(), ["n"], weight_column="w")
    assert features.row_mask.tolist() == [True, True, True, False, True]
    np.testing.assert_array_equal(features.weights, [1.0, 2.0, 1.0, 0.5])
    assert features.left_out == {"a missing or non-finite weight": 1}


def test_negative_weight_is_an_error_naming_the_row() -> None:
    frame = table().assign(w=[1.0, -2.0, 1.0, 1.0, 1.0])
    with pytest.raises(DataError) as caught:
        prepare_features(frame, ["n"], weight_column="w")
    assert str(caught.value) == (
        "Weight column 'w' has a negative value on row 2 (-2); weights must be zero or positive."
    )


def test_all_zero_weights() -> None:
    frame = table().assign(w=0.0)
    with pytest.raises(DataError, match="Every usable row has weight 0 in 'w'"):
        prepare_features(frame, ["n"], weight_column="w")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["id"], "The column 'id' holds text, not numbers (row 1 is 'a'); choose numeric columns."),
        (
            ["nope"],
            "There is no column named 'nope'; the columns are: id, x, y, n, flag, w, empty.",
        ),
        (["X"], "There is no column named 'X' (did you mean 'x'?)."),
        (["x", "x"], "Column 'x' is chosen more than once."),
        ([], "Choose at least one feature column."),
        (["empty"], "Column 'empty' has no usable numbers (every cell is empty, NaN or ±inf)."),
    ],
)
def test_bad_column_choices(columns: list[str], message: str) -> None:
    with pytest.raises(DataError) as caught:
        prepare_features(table(), columns)
    assert str(caught.value) == message


def test_mostly_numeric_text_column_points_at_the_offending_cell() -> None:
    frame = pd.DataFrame({"v": ["1.5", "2", "?", "4"]})
    with pytest.raises(DataError, match=r"row 3 is '\?'"):
        prepare_features(frame, ["v"])


def test_numbers_stored_as_text_or_object_are_accepted() -> None:
    frame = pd.DataFrame({"v": pd.Series([1, 2.5, None], dtype=object)})
    features = prepare_features(frame, ["v"])
    np.testing.assert_array_equal(features.X[:, 0], [1.0, 2.5])


def test_boolean_and_nullable_integer_columns_can_be_chosen() -> None:
    frame = pd.DataFrame({"b": [True, False, True], "i": pd.array([1, None, 3], dtype="Int64")})
    features = prepare_features(frame, ["b", "i"])
    np.testing.assert_array_equal(features.X, [[1, 1], [1, 3]])


def test_nullable_columns_treat_na_as_missing() -> None:
    frame = pd.DataFrame(
        {
            "i": pd.array([1, None, 3, 4], dtype="Int64"),
            "f": pd.array([0.5, 1.5, None, 2.5], dtype="Float64"),
            "b": pd.array([True, False, True, None], dtype="boolean"),
        }
    )
    assert numeric_columns(frame) == ["i", "f"]
    features = prepare_features(frame, ["i", "f", "b"])
    assert features.row_mask.tolist() == [True, False, False, False]
    assert features.missing_counts == {"i": 1, "f": 1, "b": 1}
    np.testing.assert_array_equal(features.X, [[1.0, 0.5, 1.0]])
    filled = prepare_features(frame, ["i", "f"], missing="mean")
    np.testing.assert_allclose(filled.X, [[1, 0.5], [8 / 3, 1.5], [3, 1.5], [4, 2.5]])


def test_dates_are_refused() -> None:
    frame = pd.DataFrame({"d": pd.to_datetime(["2020-01-01", "2021-01-01"])})
    with pytest.raises(DataError, match="'d' holds dates or times, not numbers"):
        prepare_features(frame, ["d"])


def test_no_numeric_column() -> None:
    with pytest.raises(DataError, match=r"^The table has no numeric column to cluster \(columns"):
        prepare_features(pd.DataFrame({"a": ["x", "y"]}))


def test_no_usable_row() -> None:
    frame = pd.DataFrame({"x": [1.0, np.nan], "y": [np.nan, 2.0]})
    with pytest.raises(DataError, match="No row is usable: every one of the 2 rows"):
        prepare_features(frame)


@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_scaling_round_trips_to_user_units(scale: str) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(5, 3, size=(50, 3)), columns=["a", "b", "c"])
    features = prepare_features(frame, scale=scale)
    if scale == "standard":
        np.testing.assert_allclose(features.X.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(features.X.std(axis=0), 1)
    else:
        np.testing.assert_allclose(features.X.min(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(features.X.max(axis=0), 1)
    np.testing.assert_allclose(features.user_values(), frame.to_numpy())
    centroid = features.X[:2]
    np.testing.assert_allclose(features.to_user_units(centroid), frame.to_numpy()[:2])
    np.testing.assert_allclose(features.to_fit_units(frame.to_numpy()[:2]), centroid)


@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_constant_column_scales_without_nan(scale: str) -> None:
    frame = pd.DataFrame({"c": [7.0, 7.0, 7.0], "v": [1.0, 2.0, 3.0]})
    features = prepare_features(frame, scale=scale)
    assert np.isfinite(features.X).all()
    np.testing.assert_array_equal(features.X[:, 0], 0.0)
    np.testing.assert_allclose(features.to_user_units(features.X[:1]), [[7.0, 1.0]])


def test_no_scaling_is_exactly_the_user_values() -> None:
    frame = pd.DataFrame({"a": [0.1, 0.2, 0.3]})
    features = prepare_features(frame)
    assert features.X[:, 0].tolist() == [0.1, 0.2, 0.3]


def test_check_k_counts_only_usable_rows() -> None:
    features = prepare_features(table(), ["x", "y"])
    features.check_k(3)
    with pytest.raises(DataError) as caught:
        features.check_k(4)
    assert str(caught.value) == (
        "k = 4 is larger than the 3 usable rows (2 of 5 rows were left out of the fit); "
        "choose k of at most 3."
    )
