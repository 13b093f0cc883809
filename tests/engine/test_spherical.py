"""Cosine metric / spherical k-means against a brute-force NumPy implementation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kmeans_gui.engine import KMeans, KMeansInputError, iterate
from kmeans_gui.engine.init import kmeans_plusplus
from kmeans_gui.engine.prepare import prepare_input


def brute_force_spherical(X, init, w, max_iter=100):
    """Spherical k-means in float64: label by largest cosine, centre = unit weighted sum."""
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    C = init / np.linalg.norm(init, axis=1, keepdims=True)
    labels = None
    history = []
    for _ in range(max_iter):
        new = (U @ C.T).argmax(axis=1)
        history.append((C.copy(), new, float(w @ (1.0 - (U * C[new]).sum(axis=1)))))
        if labels is not None and (new == labels).all():
            break
        labels = new
        S = np.array([(w[labels == j, None] * U[labels == j]).sum(axis=0) for j in range(len(C))])
        C = S / np.linalg.norm(S, axis=1, keepdims=True)
    return history


@pytest.fixture(scope="module")
def directions() -> np.ndarray:
    """Five noisy directions in 4-D, rows of very different lengths."""
    rng = np.random.default_rng(11)
    axes = rng.normal(size=(5, 4))
    X = np.concatenate([a + 0.6 * rng.normal(size=(120, 4)) for a in axes])
    return X * rng.uniform(0.1, 50.0, size=(len(X), 1))


def test_every_state_matches_brute_force(directions) -> None:
    init = directions[[0, 1, 2, 3, 4]]
    w = np.random.default_rng(0).uniform(0.5, 3.0, len(directions))
    reference = brute_force_spherical(directions, init, w)
    states = list(iterate(directions, 5, init=init, metric="cosine", tol=0.0, sample_weight=w))
    assert len(states) == len(reference) and states[-1].converged
    for state, (centroids, labels, cost) in zip(states, reference, strict=True):
        np.testing.assert_allclose(state.centroids, centroids, atol=1e-5)
        np.testing.assert_array_equal(state.labels, labels)
        assert state.inertia == pytest.approx(cost, rel=1e-4)  # sum of w (1 - cos)
    assert all(b.inertia <= a.inertia * (1 + 1e-6) for a, b in itertools.pairwise(states))
    assert len(states) > 3  # the run actually moved


def test_scale_of_each_row_does_not_matter(directions) -> None:
    rng = np.random.default_rng(1)
    scaled = directions * rng.uniform(1e-3, 1e3, size=(len(directions), 1))
    a = KMeans(5, metric="cosine", seed=4).fit(directions)
    b = KMeans(5, metric="cosine", seed=4).fit(scaled)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(a.cluster_centers_, axis=1), 1.0, atol=1e-9)


def test_cosine_differs_from_euclidean_where_lengths_differ() -> None:
    """Two rays: Euclidean splits near from far, cosine splits the rays."""
    t = np.linspace(1, 100, 50)[:, None]
    X = np.concatenate([t * [1.0, 0.1], t * [0.1, 1.0]])
    ray = np.repeat([0, 1], 50)
    cos = KMeans(2, metric="cosine", seed=0).fit(X).labels_
    assert (cos == ray).all() or (cos == 1 - ray).all()
    euc = KMeans(2, seed=0).fit(X).labels_
    assert not ((euc == ray).all() or (euc == 1 - ray).all())


def test_empty_cluster_is_repaired_on_the_sphere(directions) -> None:
    init = directions[[0, 120, 240, 360, 360]]  # two identical centres: one starts empty
    states = list(iterate(directions, 5, init=init, metric="cosine"))
    assert states[1].n_relocated == 1
    assert np.bincount(states[-1].labels, minlength=5).min() > 0
    np.testing.assert_allclose(np.linalg.norm(states[-1].centroids, axis=1), 1.0, atol=1e-9)


def test_cosine_input_errors(directions) -> None:
    X = directions.copy()
    X[7] = 0.0
    with pytest.raises(KMeansInputError, match="non-zero rows"):
        next(iterate(X, 3, metric="cosine"))
    with pytest.raises(KMeansInputError, match="all zeros"):
        next(iterate(directions, 2, metric="cosine", init=np.zeros((2, 4))))
    with pytest.raises(KMeansInputError, match="euclidean or cosine"):
        next(iterate(directions, 2, metric="manhattan"))


@pytest.mark.parametrize("d", [2, 10])
def test_kmeans_plusplus_on_nearly_parallel_uncentred_rows(d) -> None:
    """Rows distinct in float32 but all at cosine distance ~0 in the float32 expansion: the
    k-means++ potential is 0, and the next centre is drawn among rows not yet chosen."""
    rng = np.random.default_rng(d)
    X = rng.uniform(1, 2, size=d) * 1000 + rng.normal(scale=1e-4 if d == 2 else 1e-5, size=(500, d))
    data, _ = prepare_input(X, 4, None, "cpu", metric="cosine")
    start = kmeans_plusplus(data, 4, np.random.default_rng(0))
    # Distinct source rows (float64): how many stay distinct once cast to float32, or once
    # normalised in float32, depends on the CPU's rounding (9 of 500 on an AVX2 machine).
    assert len(np.unique(start, axis=0)) == 4
    for algorithm in ("lloyd", "gradient", "minibatch", "kmedoids"):
        km = KMeans(4, metric="cosine", algorithm=algorithm, seed=0).fit(X)
        assert np.isfinite(km.inertia_) and np.isfinite(km.cluster_centers_).all()
