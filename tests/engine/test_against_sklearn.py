"""Lloyd's k-means against scikit-learn with the same initial centroids."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import kmeans_plusplus
from sklearn.datasets import load_iris, load_wine, make_blobs

from kmeans_gui.engine import KMeans, iterate


def _datasets():
    blobs, _ = make_blobs(n_samples=3000, centers=6, n_features=5, random_state=3)
    wine = load_wine().data
    return {
        "blobs": blobs,
        "iris": load_iris().data,
        "wine": (wine - wine.mean(0)) / wine.std(0),
        "wine-raw": wine,
    }


@pytest.mark.parametrize("name", ["blobs", "iris", "wine", "wine-raw"])
@pytest.mark.parametrize("k", [3, 5])
def test_same_labels_and_inertia_as_sklearn(name: str, k: int) -> None:
    X = _datasets()[name]
    rng = np.random.default_rng(k)
    init = X[rng.choice(len(X), k, replace=False)]
    ours = KMeans(k, init=init, tol=0.0, max_iter=300).fit(X)
    ref = SkKMeans(k, init=init, n_init=1, tol=0.0, max_iter=300, algorithm="lloyd").fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-4)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-4, atol=1e-4)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.converged_


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_input_matches_sklearn(dtype) -> None:
    X, _ = make_blobs(n_samples=2000, centers=4, n_features=3, random_state=0)
    X = X.astype(dtype)
    init = X[:4]
    ours = KMeans(4, init=init).fit(X)
    ref = SkKMeans(4, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-4)


def test_golden_weighted_case() -> None:
    """scikit-learn's test_k_means.py: weights [3, 1, 1, 3], init on two corners."""
    X = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]], dtype=float)
    km = KMeans(2, init=np.array([[0, 0], [1, 1]], dtype=float)).fit(X, sample_weight=[3, 1, 1, 3])
    np.testing.assert_array_equal(km.labels_, [0, 0, 1, 1])
    assert km.inertia_ == pytest.approx(0.375)
    np.testing.assert_allclose(km.cluster_centers_, [[0.125, 0], [0.875, 1]])
    assert km.n_iter_ == 2


def test_golden_empty_start_case() -> None:
    """The second centre starts with no points: it is relocated, not collapsed."""
    X = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]], dtype=float)
    km = KMeans(2, init=np.array([[0.5, 0.5], [3, 3]], dtype=float)).fit(X)
    assert km.inertia_ == pytest.approx(0.25)
    assert km.n_iter_ == 3
    got = sorted(map(tuple, np.round(km.cluster_centers_, 6)))
    assert got == [(0.25, 0.0), (0.75, 1.0)]


def test_kmeans_plus_plus_quality_close_to_sklearn() -> None:
    """Same method, different random streams: the initial potential is as low on average."""
    X, _ = make_blobs(n_samples=4000, centers=10, n_features=2, random_state=7)
    seeds = range(16)
    ours = np.mean([next(iterate(X, 10, seed=s)).inertia for s in seeds])
    ref = []
    for s in seeds:
        centres, _ = kmeans_plusplus(X, 10, random_state=s)
        ref.append(((X[:, None, :] - centres[None]) ** 2).sum(axis=2).min(axis=1).sum())
    assert ours <= 1.15 * np.mean(ref)
    # and far better than picking random rows
    rand = np.mean([next(iterate(X, 10, seed=s, init="random")).inertia for s in seeds])
    assert ours < 0.8 * rand


def test_predict_and_transform_agree_with_sklearn() -> None:
    X = load_iris().data
    init = X[[0, 60, 120]]
    ours = KMeans(3, init=init).fit(X)
    ref = SkKMeans(3, init=init, n_init=1).fit(X)
    probe = X[::7] + 0.05
    np.testing.assert_array_equal(ours.predict(probe), ref.predict(probe))
    np.testing.assert_allclose(ours.transform(probe), ref.transform(probe), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours.fit_predict(X), ref.labels_)
