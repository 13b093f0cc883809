"""Cluster profiles equal pandas' groupby; one-hot features flow through fit, export, profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import (
    DataError,
    category_names,
    centroid_frame,
    cluster_profiles,
    final_centroids,
    prepare_features,
    reference_labels,
    statistic_column,
)
from kmeans_gui.report import compare_with_reference


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(10, 3, n)
    x[[5, 17]] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "y": rng.normal(-4, 0.5, n),
            "count": pd.array(rng.integers(0, 9, n), dtype="Int64"),
            "colour": pd.Series(rng.choice(["red", "green", "blue"], n)).where(
                rng.random(n) > 0.05
            ),
            "w": rng.uniform(0.5, 2, n),
        }
    )


@pytest.mark.parametrize("scale", ["none", "standard"])
@pytest.mark.parametrize("missing", ["drop", "mean"])
def test_profiles_equal_pandas_groupby_on_the_same_rows(table, scale, missing) -> None:
    features = prepare_features(table, ["x", "y", "count"], scale=scale, missing=missing)
    labels = np.random.default_rng(0).integers(0, 4, features.n_used)
    labels[labels == 2] = 3  # cluster 2 is empty
    profiles = cluster_profiles(features, labels, k=5, frame=table)
    rows = table.loc[features.row_mask, ["x", "y", "count"]].astype(float)
    grouped = rows.groupby(labels)
    got = profiles.table.set_index("cluster")
    assert got.index.tolist() == [0, 1, 2, 3, 4]
    assert got["size"].tolist() == np.bincount(labels, minlength=5).tolist()
    np.testing.assert_allclose(got["share"], np.bincount(labels, minlength=5) / features.n_used)
    for statistic in ("mean", "std", "median"):
        expected = getattr(grouped, statistic)().reindex(range(5))
        for name in ("x", "y", "count"):
            column = got[statistic_column(statistic, name)]
            pd.testing.assert_series_equal(column, expected[name], check_names=False)
    z = (grouped.mean() - rows.mean()) / rows.std()
    pd.testing.assert_frame_equal(
        profiles.standardised.loc[[0, 1, 3]], z.loc[[0, 1, 3]], check_names=False
    )
    assert profiles.standardised.loc[[2, 4]].isna().all().all()


def test_profiles_of_weighted_rows_add_their_weight(table) -> None:
    features = prepare_features(table, ["y"], weight_column="w")
    labels = (table["y"].to_numpy() > -4).astype(int)
    table_out = cluster_profiles(features, labels, frame=table).table
    assert list(table_out.columns[:5]) == ["cluster", "size", "share", "weight", "weight_share"]
    np.testing.assert_allclose(table_out["weight"], [table["w"][labels == c].sum() for c in (0, 1)])
    np.testing.assert_allclose(table_out["weight_share"].sum(), 1.0)


def test_constant_feature_standardises_to_zero() -> None:
    frame = pd.DataFrame({"c": [2.0] * 6, "v": [1.0, 2, 3, 10, 11, 12]})
    features = prepare_features(frame)
    profiles = cluster_profiles(features, np.array([0, 0, 0, 1, 1, 1]))
    assert profiles.standardised["c"].tolist() == [0.0, 0.0]
    assert profiles.table["median(v)"].tolist() == [2.0, 11.0]


def test_one_hot_columns_are_features_in_order(table) -> None:
    features = prepare_features(table, ["y"], one_hot=["colour"])
    assert category_names(table, "colour") == ["colour=blue", "colour=green", "colour=red"]
    assert features.columns == ("y", "colour=blue", "colour=green", "colour=red")
    assert features.one_hot_columns == ("colour",)
    assert features.encoded["colour=red"] == ("colour", "red")
    missing = table["colour"].isna().to_numpy()
    assert features.n_left_out == missing.sum()  # a missing category leaves the row out
    used = table.loc[features.row_mask, "colour"].to_numpy()
    np.testing.assert_array_equal(features.X[:, 3], used == "red")
    assert (features.X[:, 1:].sum(axis=1) == 1).all()
    filled = prepare_features(table, ["y"], one_hot=["colour"], missing="mean")
    share = (table["colour"] == "red").sum() / (~missing).sum()
    np.testing.assert_allclose(filled.X[missing, 3], share)


def test_one_hot_flows_through_centroids_and_profiles(table) -> None:
    features = prepare_features(table, ["y"], one_hot=["colour", "count"], scale="standard")
    assert "count=8" in features.columns and "count" not in features.columns
    labels = (features.X[:, 0] > 0).astype(int)
    means = np.stack([features.X[labels == c].mean(axis=0) for c in (0, 1)])
    centroids = final_centroids(features, labels, means, frame=table)
    frame = centroid_frame(features, centroids, np.bincount(labels), user_units=True)
    red = table.loc[features.row_mask, "colour"].to_numpy() == "red"
    np.testing.assert_allclose(frame["colour=red"], [red[labels == c].mean() for c in (0, 1)])
    profiles = cluster_profiles(features, labels, frame=table).table
    np.testing.assert_allclose(profiles["mean(colour=red)"], frame["colour=red"])
    # by default the one-hot column is not also a numeric feature
    assert "count" not in prepare_features(table, one_hot=["count"]).columns


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"columns": ["y", "colour"], "one_hot": ["colour"]}, "both a feature and one-hot"),
        ({"columns": ["y"], "one_hot": ["colour", "colour"]}, "one-hot encoded more than once"),
        ({"columns": ["y"], "one_hot": ["colur"]}, "did you mean 'colour'"),
        ({"columns": ["y"], "one_hot": ["x"]}, "distinct values; one-hot encoding is for"),
    ],
)
def test_one_hot_mistakes(table, kwargs, message) -> None:
    with pytest.raises(DataError, match=message):
        prepare_features(table, **kwargs)


def test_reference_comparison_against_sklearn(table) -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    features = prepare_features(table, ["x", "y"])
    labels = np.random.default_rng(1).integers(0, 3, features.n_used)
    reference = reference_labels(table, features, "colour")
    assert reference.classes == ["blue", "green", "red"]
    comparison = compare_with_reference(reference, labels, 4)
    colour = table.loc[features.row_mask, "colour"].to_numpy()
    known = pd.notna(colour)
    assert comparison.n_missing == (~known).sum() and comparison.n_compared == known.sum()
    assert comparison.ari == pytest.approx(adjusted_rand_score(colour[known], labels[known]))
    assert comparison.nmi == pytest.approx(
        normalized_mutual_info_score(colour[known], labels[known])
    )
    expected = pd.crosstab(labels[known], colour[known]).reindex(range(4), fill_value=0)
    np.testing.assert_array_equal(comparison.contingency.to_numpy(), expected.to_numpy())
    data = comparison.as_dict()
    assert data["contingency"]["classes"] == ["blue", "green", "red"]
    assert data["contingency"]["clusters"] == [0, 1, 2, 3]
    numbers = compare_with_reference(reference_labels(table, features, "count"), labels, 3)
    assert numbers.as_dict()["contingency"]["classes"] == list(range(9))


def test_reference_column_mistakes(table) -> None:
    features = prepare_features(table, ["y"])
    with pytest.raises(DataError, match="There is no column named 'color'"):
        reference_labels(table, features, "color")
    table["empty"] = pd.Series([None] * len(table), dtype="string")
    with pytest.raises(DataError, match="'empty' has no value in any of the clustered rows"):
        reference_labels(table, features, "empty")
