"""Bounded Lloyd passes (``engine/bounded.py``): the run of full passes, for less work.

The data here have no rows within float32 rounding of a tie, where the two may differ.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, bounded, iterate


def _states(monkeypatch, *, full: bool, **kwargs) -> list:
    """Every state of one run, with bounded passes allowed or not."""
    monkeypatch.setattr(bounded, "MIN_CLUSTERS", 10**9 if full else 1)
    monkeypatch.setattr(bounded, "MIN_WORK", 0)
    X = kwargs.pop("X")
    return list(iterate(X, **kwargs))


def _searched(monkeypatch) -> list[int]:
    """Record how many rows each pass looks at (all of them on a full pass)."""
    sizes: list[int] = []
    original = bounded._over_all_blocks

    def spy(block_fn, blocks, weights, previous, centroids):
        sizes.append(int(np.count_nonzero(previous.numpy() != -2)))  # -2: padding
        return original(block_fn, blocks, weights, previous, centroids)

    monkeypatch.setattr(bounded, "_over_all_blocks", spy)
    return sizes


def _blobs(n=6000, k=20, d=5, seed=0, offset=0.0):
    X, _ = make_blobs(n_samples=n, centers=k, n_features=d, cluster_std=1.5, random_state=seed)
    return X + offset


CASES = {
    "blobs": dict(X=_blobs(), n_clusters=20),
    "far from origin": dict(X=_blobs(offset=1e5), n_clusters=20),
    "weighted": dict(
        X=_blobs(seed=1), n_clusters=16, sample_weight=np.random.default_rng(1).uniform(0, 3, 6000)
    ),
    "cosine": dict(X=_blobs(seed=2, offset=3.0), n_clusters=18, metric="cosine"),
    "float32 wide": dict(X=_blobs(n=4000, k=24, d=40, seed=3).astype(np.float32), n_clusters=24),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bounded_passes_give_the_states_of_full_passes(monkeypatch, case: str) -> None:
    kwargs = dict(CASES[case], init="random", seed=5, tol=0.0, max_iter=60)
    searched = _searched(monkeypatch)
    fast = _states(monkeypatch, full=False, **dict(kwargs))
    full = _states(monkeypatch, full=True, **dict(kwargs))
    assert searched, "no bounded search ran"
    assert min(searched) < 0.1 * len(kwargs["X"])  # late passes skip most rows
    assert len(fast) == len(full)
    for a, b in zip(fast, full, strict=True):
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_array_equal(a.sizes, b.sizes)
        assert a.n_changed == b.n_changed
        assert a.n_relocated == b.n_relocated
        # Full passes sum float32 rows per block; bounded ones update float64 sums.
        np.testing.assert_allclose(a.centroids, b.centroids, rtol=1e-5, atol=1e-5)
        assert a.inertia == pytest.approx(b.inertia, rel=1e-5)
    assert fast[-1].converged and full[-1].converged


def test_bounded_run_matches_scikit_learn(monkeypatch) -> None:
    monkeypatch.setattr(bounded, "MIN_WORK", 0)
    X = _blobs(n=20000, k=32, d=8, seed=4)
    init = X[np.random.default_rng(0).choice(len(X), 32, replace=False)]
    ours = KMeans(32, init=init, tol=0.0).fit(X)
    ref = SkKMeans(32, init=init, n_init=1, tol=0.0, algorithm="lloyd").fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-6, atol=1e-9)


def test_empty_cluster_repair_keeps_bounded_passes_exact(monkeypatch) -> None:
    """Two centres start on the same point: one is empty after the first pass and is moved
    onto a far row; that jump is one centroid's shift, which the bounds take in."""
    X = _blobs(n=3000, k=16, d=5, seed=6)
    init = X[np.random.default_rng(2).choice(len(X), 17, replace=False)]
    init[16] = init[15]
    kwargs = dict(X=X, n_clusters=17, init=init, tol=0.0, max_iter=40)
    searched = _searched(monkeypatch)
    fast = _states(monkeypatch, full=False, **dict(kwargs))
    assert min(searched) < 0.5 * len(X)  # bounded searches ran
    full = _states(monkeypatch, full=True, **dict(kwargs))
    assert sum(s.n_relocated for s in fast) >= 1
    for a, b in zip(fast, full, strict=True):
        np.testing.assert_array_equal(a.labels, b.labels)
        assert a.inertia == pytest.approx(b.inertia, rel=1e-5)


def test_inertia_of_each_state_is_its_labels_and_centroids(monkeypatch) -> None:
    """Kept from float64 cluster totals; passes see the rows rounded to float32 (about 1e-9
    here), which a full pass's float32 distance sums would blur to about 1e-7."""
    monkeypatch.setattr(bounded, "MIN_WORK", 0)
    X = _blobs(n=5000, k=20, d=6, seed=7, offset=50.0)
    for state in iterate(X, 20, init="random", seed=1, tol=0.0, max_iter=25):
        diff = X - state.centroids[state.labels]
        assert state.inertia == pytest.approx(float(np.einsum("ij,ij->", diff, diff)), rel=2e-8)


def test_largest_other_shift() -> None:
    shift = np.array([0.5, 3.0, 1.0, 3.0, 0.0], np.float32)
    np.testing.assert_array_equal(bounded._largest_other(shift), [3, 3, 3, 3, 3])
    shift = np.array([0.5, 3.0, 1.0], np.float32)
    np.testing.assert_array_equal(bounded._largest_other(shift), [3, 1, 3])


def test_half_gaps_are_half_the_nearest_centroid_distance() -> None:
    import tensorflow as tf

    centres = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])
    half = bounded._half_gaps(tf.constant(centres)).numpy()
    np.testing.assert_allclose(half, [0.5, np.sqrt(18) / 2, 0.5], rtol=1e-5)
    assert (half <= [0.5, np.sqrt(18) / 2, 0.5]).all()  # rounded down, never up


def test_bounds_are_used_only_where_they_pay() -> None:
    from kmeans_gui.engine.prepare import prepare_input

    rows = np.random.default_rng(0).normal(size=(1 << 18, 16)).astype(np.float32)
    big, _ = prepare_input(rows, 16, None, "cpu")
    assert bounded.worthwhile(big, 16)
    assert not bounded.worthwhile(big, 8)  # few clusters: a full pass is cheap
    small, _ = prepare_input(_blobs(n=5000), 20, None, "cpu")
    assert not bounded.worthwhile(small, 20)
    # Up to 4 features full passes use exact (x - c)^2 distances, not the GEMM expansion.
    narrow, _ = prepare_input(rows[:, :4].repeat(8, axis=0), 16, None, "cpu")
    assert narrow.n * 16 * 4 >= bounded.MIN_WORK and not bounded.worthwhile(narrow, 16)


def test_predict_near_a_boundary_far_from_the_origin_in_float32() -> None:
    """predict centres the centroids on the offset its float32 rows were centred on."""
    rng = np.random.default_rng(0)
    X = np.vstack([100000.3 + s + 0.1 * rng.normal(size=(200, 1)) for s in (-1, 1)])
    km = KMeans(2, init=np.array([[99999.0], [100001.0]]), tol=0.0).fit(X.astype(np.float32))
    mid = km.cluster_centers_.mean()
    probe = (mid + np.linspace(-0.02, 0.02, 41)).astype(np.float32).reshape(-1, 1)
    exact = np.argmin(np.abs(probe.astype(np.float64) - km.cluster_centers_.T), axis=1)
    np.testing.assert_array_equal(km.predict(probe), exact)
