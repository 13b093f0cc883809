"""The mistakes of the seed code, each pinned down: empty clusters, precision, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_gui.engine import KMeans, KMeansInputError, iterate

from .conftest import reference_lloyd, tight_clusters


def test_empty_cluster_is_relocated_not_collapsed(rng) -> None:
    X = rng.normal(size=(500, 2)) + np.array([50.0, 50.0])
    init = np.array([[50.0, 50.0], [51.0, 50.0], [-1000.0, -1000.0]])  # third starts empty
    states = list(iterate(X, 3, init=init, max_iter=50))
    assert states[1].n_relocated == 1
    assert sum(s.n_relocated for s in states) >= 1
    final = states[-1]
    assert np.isfinite(final.centroids).all()
    # the repaired centre moved into the data, not to the origin or NaN
    assert np.abs(final.centroids - 50.0).max() < 10.0
    assert (final.sizes > 0).all()
    assert final.sizes.sum() == len(X)


def test_cluster_emptied_mid_run_keeps_k_nonempty_clusters(rng) -> None:
    X = np.concatenate([rng.normal(size=(200, 2)), rng.normal(size=(200, 2)) + 8])
    init = np.array([[0.0, 0.0], [8.0, 8.0], [4.0, 4.0], [4.1, 4.1]])
    km = KMeans(4, init=init).fit(X)
    assert np.isfinite(km.cluster_centers_).all()
    assert len(np.unique(km.labels_)) == 4


@pytest.mark.parametrize("dim", [2, 8], ids=["2-D exact path", "8-D GEMM path"])
@pytest.mark.parametrize(
    "offset", [38.9, 1e5, -3e4], ids=["gps-like", "sensor-1e5", "negative-3e4"]
)
def test_far_from_origin_matches_float64_reference(rng, offset, dim) -> None:
    spread, box = (1e-3, 0.1) if abs(offset) < 100 else (0.5, 100.0)
    X, centres = tight_clusters(rng, 16, 100, spread=spread, box=box, dim=dim)
    offset = np.full(dim, offset)
    X = X + offset
    init = centres + offset + rng.normal(scale=spread, size=centres.shape)
    ref_labels, ref_centroids = reference_lloyd(X, init)
    ours = KMeans(16, init=init, tol=0.0).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref_labels)
    np.testing.assert_allclose(ours.cluster_centers_, ref_centroids, rtol=0, atol=spread * 1e-2)


def test_gps_coordinates_cluster_like_float64() -> None:
    """Real-world shape: points around Washington DC (lat 38.9, lon -77.0), metres apart."""
    rng = np.random.default_rng(5)
    sites = np.array([38.9, -77.0]) + rng.uniform(-0.05, 0.05, size=(12, 2))
    X = np.concatenate([s + rng.normal(scale=2e-4, size=(300, 2)) for s in sites])
    init = sites + 1e-4
    ref_labels, _ = reference_lloyd(X, init)
    np.testing.assert_array_equal(KMeans(12, init=init, tol=0.0).fit(X).labels_, ref_labels)


def test_far_from_origin_would_fail_without_centring(rng) -> None:
    """Guard for the test above: the naive float32 expansion really does mislabel this data."""
    X, centres = tight_clusters(rng, 16, 100, spread=0.5, box=100.0, dim=8)
    X32 = (X + 1e5).astype(np.float32)
    C32 = (centres + 1e5).astype(np.float32)
    scores = (C32**2).sum(1)[None, :] - 2 * X32 @ C32.T
    naive = scores.argmin(1)
    exact = ((X[:, None, :] - centres[None]) ** 2).sum(2).argmin(1)
    assert (naive != exact).mean() > 0.2


@pytest.mark.parametrize(
    ("X", "k", "message"),
    [
        (np.zeros((5, 2)), 0, "at least 1"),
        (np.zeros((5, 2)), -2, "at least 1"),
        (np.zeros((5, 2)), 2.5, "whole number"),
        (np.arange(10.0).reshape(5, 2), 6, "larger than the number of rows"),
        (np.array([[1.0, 1.0]] * 5 + [[2.0, 2.0]]), 3, "only 2 distinct"),
        (np.array([[1.0, np.nan], [2.0, 2.0], [3.0, 3.0]]), 2, "NaN or infinite"),
        (np.array([[1.0, np.inf], [2.0, 2.0], [3.0, 3.0]]), 2, "NaN or infinite"),
        (np.arange(6.0), 2, "2-D"),
        (np.empty((0, 3)), 1, "empty"),
        (np.array([["a", "b"], ["c", "d"]]), 1, "numeric"),
    ],
)
def test_bad_input_is_a_clear_value_error(X, k, message) -> None:
    with pytest.raises(KMeansInputError, match=message):
        KMeans(k).fit(X)
    with pytest.raises(ValueError, match=message):  # KMeansInputError is a ValueError
        next(iterate(X, k))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"init": "banana"}, "unknown init"),
        ({"init": np.zeros((3, 2))}, "expected \\(2, 2\\)"),
        ({"tol": -1.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"n_init": 0}, "n_init"),
        ({"algorithm": "magic"}, "unknown algorithm"),
    ],
)
def test_bad_parameters_are_clear(kwargs, message) -> None:
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(KMeansInputError, match=message):
        KMeans(2, **kwargs).fit(X)


def test_bad_sample_weight_is_clear() -> None:
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(KMeansInputError, match="one value per row"):
        KMeans(2).fit(X, sample_weight=np.ones(3))
    with pytest.raises(KMeansInputError, match="non-negative"):
        KMeans(2).fit(X, sample_weight=-np.ones(10))
    with pytest.raises(KMeansInputError, match="sums to zero"):
        KMeans(2).fit(X, sample_weight=np.zeros(10))


def test_k_equals_distinct_points_works() -> None:
    X = np.array([[0.0, 0.0]] * 3 + [[1.0, 1.0]] * 3 + [[5.0, 5.0]])
    for init in ("k-means++", "random", "uniform"):
        km = KMeans(3, init=init, seed=1).fit(X)
        assert np.isfinite(km.cluster_centers_).all()
    km = KMeans(3, init="k-means++", seed=1).fit(X)
    assert km.inertia_ == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("tol", [0.0, 1e-2])
def test_final_centroids_are_float64_means_as_scikit_learn_reports_them(tol) -> None:
    """No float32 noise in the reported centres (9 is 9, not 9.000000047), and after a tol stop
    they are the means of the labels that produced them, as scikit-learn's are."""
    from sklearn.cluster import KMeans as SkKMeans

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(5000, 300, (500, 2)), rng.normal(6000, 300, (500, 2))])
    init = X[[0, 600]]
    ours = KMeans(2, init=init, tol=tol).fit(X)
    ref = SkKMeans(2, init=init, n_init=1, tol=tol).fit(X)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-14)
    small = KMeans(2, init=np.array([[8.0], [2.0]])).fit(np.array([[9.0], [9.0], [3.0], [3.0]]))
    assert small.cluster_centers_.tolist() == [[9.0], [3.0]]


def test_after_a_tol_stop_centroids_are_the_means_of_the_labels_that_produced_them() -> None:
    """Not the means of the final labels (which follow one more assignment pass)."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 2)) + rng.integers(0, 5, size=(3000, 1)) * 2.5
    states = list(iterate(X, 5, seed=0, tol=1e-2))
    final, producing = states[-1], states[-2]
    assert final.converged and final.n_changed > 0  # a tol stop, labels still moving
    means = np.vstack([X[producing.labels == j].mean(axis=0) for j in range(5)])
    # atol: a coordinate near 0 carries the rounding of data of magnitude ~10 (one ulp, 2e-15)
    np.testing.assert_allclose(final.centroids, means, rtol=1e-13, atol=1e-13)
    finals = np.vstack([X[final.labels == j].mean(axis=0) for j in range(5)])
    assert np.abs(final.centroids - finals).max() > 1e-6
