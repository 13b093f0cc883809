"""sample_weight: an integer weight means the same as repeating the row, in every algorithm."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, iterate


@pytest.fixture(scope="module")
def weighted() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, _ = make_blobs(n_samples=240, centers=3, n_features=3, random_state=8, cluster_std=2.5)
    X = X + 40.0
    counts = np.random.default_rng(8).integers(1, 5, len(X))
    return X, counts, np.repeat(X, counts, axis=0)


def _repeat_labels(labels: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return np.repeat(labels, counts)


@pytest.mark.parametrize(
    ("algorithm", "metric", "params"),
    [
        ("lloyd", "euclidean", {}),
        ("lloyd", "cosine", {}),
        ("gradient", "euclidean", {"optimizer": "sgd"}),
        ("gradient", "euclidean", {"optimizer": "adam"}),
        ("kmedoids", "euclidean", {}),
        ("kmedoids", "manhattan", {}),
    ],
)
def test_deterministic_algorithms_equal_repeated_rows(weighted, algorithm, metric, params) -> None:
    """Same start, same path: every state agrees (gradient capped at 12 steps, tol=0)."""
    X, counts, repeated = weighted
    init = X[[0, 1, 2]]
    kwargs = dict(algorithm=algorithm, metric=metric, init=init, tol=0.0, max_iter=12, **params)
    with_weights = list(iterate(X, 3, sample_weight=counts, **kwargs))
    with_rows = list(iterate(repeated, 3, **kwargs))
    assert len(with_weights) == len(with_rows) > 2
    for a, b in zip(with_weights, with_rows, strict=True):
        np.testing.assert_allclose(a.centroids, b.centroids, rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(_repeat_labels(a.labels, counts), b.labels)
        assert a.inertia == pytest.approx(b.inertia, rel=1e-4)
    assert with_weights[-1].inertia < with_weights[0].inertia


def test_minibatch_weights_are_statistically_repeated_rows(weighted) -> None:
    X, counts, repeated = weighted
    init = X[[0, 1, 2]]
    kwargs = dict(algorithm="minibatch", init=init, batch_size=32)
    a = [KMeans(3, seed=s, **kwargs).fit(X, sample_weight=counts).inertia_ for s in range(4)]
    b = [KMeans(3, seed=s, **kwargs).fit(repeated).inertia_ for s in range(4)]
    lloyd = KMeans(3, init=init).fit(X, sample_weight=counts).inertia_
    assert np.mean(a) == pytest.approx(np.mean(b), rel=0.02)
    assert np.mean(a) <= lloyd * 1.02


@pytest.mark.parametrize("algorithm", ["lloyd", "gradient", "minibatch", "kmedoids"])
def test_only_relative_weights_matter(weighted, algorithm) -> None:
    X, counts, _ = weighted
    kwargs = dict(algorithm=algorithm, init=X[[5, 6, 7]], seed=2)
    a = KMeans(3, **kwargs).fit(X, sample_weight=counts)
    b = KMeans(3, **kwargs).fit(X, sample_weight=counts * 0.37)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-5)
    assert b.inertia_ == pytest.approx(0.37 * a.inertia_, rel=1e-4)


@pytest.mark.parametrize(
    ("algorithm", "params"),
    [
        ("lloyd", {}),
        ("gradient", {"optimizer": "sgd"}),
        ("gradient", {"optimizer": "adam"}),
        ("kmedoids", {}),
    ],
)
@pytest.mark.parametrize("tol", [1e-2, 1e-4])
def test_strong_integer_weights_stop_where_repeated_rows_stop(algorithm, params, tol) -> None:
    """Weights 1 or 40 with tol > 0: the threshold tol x variance is the repeated rows' one
    (weighted variance), so both runs stop at the same iteration with the same result."""
    X, _ = make_blobs(n_samples=300, centers=4, n_features=2, random_state=2, cluster_std=3.0)
    X = X * 7.0 + 500.0
    rng = np.random.default_rng(2)
    counts = np.where(rng.uniform(size=len(X)) < 0.15, 40, 1)
    counts[X[:, 0] > np.median(X[:, 0])] = 1  # heavy rows on one side: the variance changes
    repeated = np.repeat(X, counts, axis=0)
    init = X[[0, 1, 2, 3]]
    kwargs = dict(algorithm=algorithm, init=init, tol=tol, max_iter=500, **params)
    a = KMeans(4, **kwargs).fit(X, sample_weight=counts)
    b = KMeans(4, **kwargs).fit(repeated)
    assert a.converged_ and b.converged_
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(_repeat_labels(a.labels_, counts), b.labels_)
    assert a.inertia_ == pytest.approx(b.inertia_, rel=1e-4)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-5)


def test_weighted_tolerance_is_the_variance_of_repeated_rows() -> None:
    from kmeans_gui.engine.prepare import prepare_input

    X = np.array([[0.0, 0.0], [1.0, 2.0], [10.0, -4.0]])
    counts = np.array([5, 1, 2])
    weighted, _ = prepare_input(X, 2, counts, "cpu")
    repeated, _ = prepare_input(np.repeat(X, counts, axis=0), 2, None, "cpu")
    expected = np.var(np.repeat(X, counts, axis=0), axis=0).mean()
    assert weighted.mean_variance == pytest.approx(expected, rel=1e-12)
    assert repeated.mean_variance == pytest.approx(expected, rel=1e-12)
