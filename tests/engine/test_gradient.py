"""Gradient-descent k-means (Bottou & Bengio): reaches Lloyd's answer; Lloyd is its Newton step."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, KMeansInputError, iterate


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=600, centers=4, n_features=3, random_state=3, cluster_std=1.0)
    return X * 50.0 + 1e4  # far from the origin and not unit scale: the engine must not care


def _init(X: np.ndarray) -> np.ndarray:
    """One row of each of the four blobs, but far from their means."""
    _, y = make_blobs(n_samples=600, centers=4, n_features=3, random_state=3, cluster_std=1.0)
    return np.array([X[np.flatnonzero(y == c)[0]] for c in range(4)])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_reaches_lloyds_clusters_and_inertia(blobs, optimizer) -> None:
    init = _init(blobs)
    lloyd = KMeans(4, init=init, tol=0.0).fit(blobs)
    gd = KMeans(4, init=init, algorithm="gradient", optimizer=optimizer, tol=1e-4).fit(blobs)
    assert gd.converged_
    np.testing.assert_array_equal(gd.labels_, lloyd.labels_)
    # The stop rule's promise: summed squared distance of the centroids to their cluster means
    # (Lloyd's answer, same partition) at most tol x variance; so the inertia exceeds Lloyd's
    # by at most N x that (inertia = optimum + sum_k n_k |c_k - m_k|^2).
    bound = 1e-4 * np.var(blobs, axis=0).mean()
    assert ((gd.cluster_centers_ - lloyd.cluster_centers_) ** 2).sum() <= bound
    assert lloyd.inertia_ * (1 - 1e-6) <= gd.inertia_ <= lloyd.inertia_ + len(blobs) * bound
    assert gd.inertia_ == pytest.approx(lloyd.inertia_, rel=1e-3)


def test_states_are_consistent_and_sgd_cost_never_increases(blobs) -> None:
    states = list(iterate(blobs, 4, init=_init(blobs), algorithm="gradient"))
    assert states[-1].final and states[-1].converged and not any(s.final for s in states[:-1])
    assert all(s.algorithm == "gradient" for s in states)
    for s in states:
        d = ((blobs[:, None, :] - s.centroids[None]) ** 2).sum(axis=2)
        np.testing.assert_array_equal(s.labels, d.argmin(axis=1))
        assert s.inertia == pytest.approx(d.min(axis=1).sum(), rel=1e-4)
    inertias = [s.inertia for s in states]
    assert all(b <= a * (1 + 1e-6) for a, b in itertools.pairwise(inertias))
    assert inertias[-1] < 0.8 * inertias[0]
    for prev, cur in itertools.pairwise(states):
        assert cur.shift == pytest.approx(((cur.centroids - prev.centroids) ** 2).sum(), rel=1e-4)
    assert states[-1].n_iter == len(states) - 1


@pytest.fixture(scope="module")
def cloud() -> np.ndarray:
    """One elongated Gaussian cloud far from the origin: k-means partitions are unbalanced."""
    return np.random.default_rng(0).normal(size=(300, 2)) * [30.0, 5.0] - 100.0


def _partition(X: np.ndarray, init: np.ndarray, w: np.ndarray):
    labels = ((X[:, None, :] - init[None]) ** 2).sum(axis=2).argmin(axis=1)
    k = len(init)
    weight = np.bincount(labels, weights=w, minlength=k)
    means = np.array([np.average(X[labels == j], axis=0, weights=w[labels == j]) for j in range(k)])
    return labels, weight, means


def test_sgd_moves_each_centroid_a_fraction_2_lr_share_towards_its_mean(cloud) -> None:
    """The documented, scale-free meaning of the learning rate, on unbalanced clusters."""
    init = cloud[[0, 1, 2]]
    _, weight, means = _partition(cloud, init, np.ones(len(cloud)))
    lr = 0.4
    states = list(iterate(cloud, 3, init=init, algorithm="gradient", learning_rate=lr, max_iter=1))
    fraction = 2 * lr * weight / weight.sum()
    expected = init + fraction[:, None] * (means - init)
    np.testing.assert_allclose(states[1].centroids, expected, rtol=0, atol=1e-4)


def test_newton_step_is_lloyds_update(cloud) -> None:
    """Bottou & Bengio: Lloyd's update is the Newton step, SGD at rate W / (2 W_k).

    With weights that give every cluster of the initial partition the same weight, the Newton
    rate is k / 2 for all clusters, so one SGD step at learning_rate=k/2 lands exactly on
    Lloyd's next centroids, although the clusters have very different numbers of rows.
    """
    rng = np.random.default_rng(1)
    init = cloud[[3, 50, 100]]
    labels, counts, _ = _partition(cloud, init, np.ones(len(cloud)))
    assert counts.min() < counts.max() / 1.5  # genuinely unbalanced by rows
    w = rng.uniform(0.5, 2.0, len(cloud))
    w /= np.bincount(labels, weights=w, minlength=3)[labels]  # equal weight per cluster
    lloyd = list(iterate(cloud, 3, init=init, sample_weight=w, tol=0.0, max_iter=1))
    newton = dict(algorithm="gradient", learning_rate=1.5)
    gd = list(iterate(cloud, 3, init=init, sample_weight=w, max_iter=1, **newton))
    np.testing.assert_array_equal(gd[0].labels, lloyd[0].labels)
    np.testing.assert_allclose(gd[1].centroids, lloyd[1].centroids, rtol=0, atol=1e-4)
    assert np.abs(gd[1].centroids - gd[0].centroids).max() > 1.0  # a real step was taken


def test_one_cluster_default_sgd_step_is_the_mean(cloud) -> None:
    states = list(iterate(cloud, 1, init=cloud[:1], algorithm="gradient"))
    np.testing.assert_allclose(states[1].centroids[0], cloud.mean(axis=0), atol=1e-4)
    assert states[-1].converged and len(states) == 2


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_learning_rate_is_scale_free(blobs, optimizer) -> None:
    init = _init(blobs)
    a = KMeans(4, init=init, algorithm="gradient", optimizer=optimizer).fit(blobs)
    b = KMeans(4, init=init * 1e-3, algorithm="gradient", optimizer=optimizer).fit(blobs * 1e-3)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_adam_is_slower_than_lloyd_but_gets_there(blobs) -> None:
    init = _init(blobs)
    lloyd = KMeans(4, init=init).fit(blobs)
    adam = KMeans(4, init=init, algorithm="gradient", optimizer="ADAM", learning_rate=0.05)
    adam.fit(blobs)
    assert adam.converged_ and adam.n_iter_ > lloyd.n_iter_


def test_a_centroid_owning_no_rows_is_moved_not_left_dead(blobs) -> None:
    init = _init(blobs)
    init[3] = blobs.max(axis=0) + 1e5  # far from every row: owns nothing, gradient zero
    states = list(iterate(blobs, 4, init=init, algorithm="gradient"))
    assert states[1].n_relocated == 1
    assert np.bincount(states[-1].labels, minlength=4).min() > 0
    assert states[-1].converged


def test_cosine_gradient_matches_spherical_lloyd() -> None:
    rng = np.random.default_rng(4)
    directions = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    X = np.concatenate([d + 0.15 * rng.normal(size=(80, 3)) for d in directions])
    X *= rng.uniform(0.5, 20, size=(len(X), 1))  # lengths must not matter
    init = X[[0, 80, 160]]
    lloyd = KMeans(3, init=init, metric="cosine", tol=0.0).fit(X)
    gd = KMeans(3, init=init, metric="cosine", algorithm="gradient").fit(X)
    np.testing.assert_array_equal(gd.labels_, lloyd.labels_)
    assert gd.inertia_ == pytest.approx(lloyd.inertia_, rel=1e-3)
    np.testing.assert_allclose(np.linalg.norm(gd.cluster_centers_, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": "fast"}, "learning_rate"),
        ({"momentum": 0.9}, "momentum"),
    ],
)
def test_bad_parameters_are_named(blobs, params, word) -> None:
    with pytest.raises(KMeansInputError, match=word):
        next(iterate(blobs, 4, algorithm="gradient", **params))


def test_final_inertia_is_summed_in_float64() -> None:
    """A million-scale sum of float32 terms drifts by ~1e-4; the final figure must not."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200_000, 2)) * [1.0, 1e-3] + [1e4, 0.0]
    km = KMeans(1, algorithm="gradient", seed=0, tol=1e-8, max_iter=50).fit(X)
    centre = km.cluster_centers_[0]
    expected = float(np.sum((X - centre) ** 2))
    assert km.inertia_ == pytest.approx(expected, rel=1e-9)
