"""The engine's per-row silhouette against scikit-learn's ``silhouette_samples`` (1e-9 relative)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_samples as sk_samples
from sklearn.metrics import silhouette_score

from kmeans_gui.engine import KMeansInputError, silhouette, silhouette_samples
from kmeans_gui.engine import silhouettes as silhouette_module
from kmeans_gui.engine.silhouettes import mean_silhouette, sample_rows

RTOL, ATOL = 1e-9, 1e-13


def labelled_blobs(n: int, d: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X, labels = make_blobs(n_samples=n, centers=k, n_features=d, random_state=seed, cluster_std=2)
    return X, labels


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
@pytest.mark.parametrize(("n", "d", "k"), [(500, 2, 4), (300, 7, 3), (200, 70, 5)])
def test_every_row_equals_sklearn(metric, n, d, k) -> None:
    X, labels = labelled_blobs(n, d, k)
    labels[0] = k  # a singleton cluster scores 0
    expected = sk_samples(X, labels, metric=metric)
    got = silhouette_samples(X, labels, metric=metric)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    assert got[0] == 0.0
    assert silhouette(X, labels, metric=metric) == pytest.approx(
        silhouette_score(X, labels, metric=metric), rel=RTOL
    )


def test_small_tiles_many_clusters_and_parts_agree(monkeypatch) -> None:
    """Tiles of 8 rows: many tile pairs, clusters padded to whole tiles, several parts."""
    monkeypatch.setattr(silhouette_module, "_TILE_CPU", 8)
    monkeypatch.setattr(silhouette_module, "_MIN_TILE", 8)
    monkeypatch.setattr(silhouette_module.os, "cpu_count", lambda: 3)
    X, labels = labelled_blobs(410, 3, 13, seed=4)
    labels = np.where(labels == 12, 40, labels)  # labels need not be 0..K-1
    np.testing.assert_allclose(silhouette_samples(X, labels), sk_samples(X, labels), rtol=RTOL)


def test_far_from_the_origin_it_stays_exact() -> None:
    """Offset 1e6 (GPS-like): the result equals a brute-force float64 difference computation.

    The expansion |x|^2 + |y|^2 - 2xy would lose most digits here, even in float64.
    """
    X, labels = labelled_blobs(300, 2, 3, seed=2)
    X = X * 1e-3 + 1e6
    D = cdist(X, X)  # direct differences
    k = labels.max() + 1
    sums = np.stack([D[:, labels == c].sum(axis=1) for c in range(k)], axis=1)
    counts = np.bincount(labels)
    a = sums[np.arange(len(X)), labels] / (counts[labels] - 1)
    others = sums / counts
    others[np.arange(len(X)), labels] = np.inf
    b = others.min(axis=1)
    expected = (b - a) / np.maximum(a, b)
    np.testing.assert_allclose(silhouette_samples(X, labels), expected, rtol=1e-9)


def test_weights_are_relative_and_zero_weight_rows_count_for_nobody() -> None:
    X, labels = labelled_blobs(240, 2, 3, seed=1)
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(X))
    w[::3] = 0.0
    keep = w > 0
    np.testing.assert_allclose(
        silhouette_samples(X, labels, w), silhouette_samples(X, labels, w * 9.5), rtol=1e-12
    )
    # unit weights on the kept rows: those rows score as if the others were not there ...
    ones = keep.astype(float)
    np.testing.assert_allclose(
        silhouette_samples(X, labels, ones)[keep], sk_samples(X[keep], labels[keep]), rtol=RTOL
    )
    # ... and a row of weight 0 scores against them as an extra row would
    row = int(np.flatnonzero(~keep)[0])
    subset = np.append(np.flatnonzero(keep), row)
    alone = sk_samples(X[subset], labels[subset])[-1]
    assert silhouette_samples(X, labels, ones)[row] == pytest.approx(alone, rel=1e-6)
    assert silhouette(X, labels, ones) == pytest.approx(
        silhouette_score(X[keep], labels[keep]), rel=RTOL
    )


def test_integer_weights_are_close_to_repeated_rows() -> None:
    X, labels = labelled_blobs(150, 2, 3, seed=3)
    counts = np.random.default_rng(1).integers(1, 4, len(X))
    repeated = sk_samples(np.repeat(X, counts, axis=0), np.repeat(labels, counts))
    weighted = silhouette_samples(X, labels, counts.astype(float))
    first = np.cumsum(counts) - counts
    np.testing.assert_allclose(weighted, repeated[first], atol=0.02)  # gap of order w / W_own


def test_fewer_than_two_clusters_give_nan_and_duplicates_zero() -> None:
    X, _ = labelled_blobs(50, 2, 2)
    assert np.isnan(silhouette_samples(X, np.zeros(50, int))).all()
    assert math.isnan(silhouette(X, np.zeros(50, int)))
    twin = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(silhouette_samples(twin, [0, 0, 1, 1]), [1, 1, 1, 1])
    same = np.zeros((4, 2))
    np.testing.assert_array_equal(silhouette_samples(same, [0, 0, 1, 1]), [0, 0, 0, 0])


@pytest.mark.parametrize(
    ("args", "word"),
    [
        ((np.ones((3, 2)), [0, 1]), "one value per row"),
        ((np.ones((3, 2)), [0, 1, 1], None, "chebyshev"), "metric"),
        ((np.array([[0.0, 0.0], [1.0, 1.0]]), [0, 1], None, "cosine"), "non-zero rows"),
        ((np.array([[np.nan, 0.0], [1.0, 1.0]]), [0, 1]), "NaN"),
    ],
)
def test_input_errors(args, word) -> None:
    with pytest.raises(KMeansInputError, match=word):
        silhouette_samples(*args)


def test_sample_rows_is_seeded_and_skips_zero_weights() -> None:
    w = np.ones(1000)
    w[:500] = 0
    a, b = sample_rows(1000, w, 100, seed=3), sample_rows(1000, w, 100, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.size == 100 and (a >= 500).all() and (np.diff(a) > 0).all()
    np.testing.assert_array_equal(sample_rows(10, None, 100, seed=0), np.arange(10))
    assert mean_silhouette(np.array([0.5, 1.0]), np.array([3.0, 1.0])) == pytest.approx(0.625)
