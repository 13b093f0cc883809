"""Defects found in review, each pinned: NaN repairs, float32 duplicates, odd dtypes, limits."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, KMeansInputError, iterate


def test_zero_weight_row_is_never_used_to_repair_an_empty_cluster() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(50, 2)), [[100.0, 100.0]]])
    w = np.ones(51)
    w[-1] = 0.0
    init = np.array([[0.0, 0.0], [0.1, 0.1], [-50.0, -50.0]])
    states = list(iterate(X, 3, init=init, sample_weight=w, max_iter=20))
    assert states[1].n_relocated == 1
    for s in states:
        assert np.isfinite(s.centroids).all() and np.isfinite(s.inertia)
    assert not np.allclose(states[-1].centroids, [100.0, 100.0], atol=1e-6)


def test_repair_never_empties_a_singleton_cluster() -> None:
    """Outliers that sit alone in their cluster must not be moved to fill another one."""
    X, _ = make_blobs(n_samples=2000, centers=4, random_state=0)
    X = np.vstack([X, [[60.0, 60.0], [-60.0, 60.0], [60.0, -60.0]]])
    for seed in range(12):
        for s in iterate(X, 8, init="uniform", seed=seed, max_iter=30):
            assert np.isfinite(s.centroids).all(), f"seed {seed} iteration {s.iteration}"
            assert (s.sizes > 0).all() or s.iteration == 0


def test_points_equal_in_float32_count_as_one() -> None:
    X = np.array([[0.0], [1e-9], [1.0], [2.0]])
    for init in ("random", "k-means++", "uniform"):
        with pytest.raises(KMeansInputError, match="only 3 distinct"):
            KMeans(4, init=init, seed=0).fit(X)


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.uint8, bool])
def test_other_dtypes_give_finite_results(dtype) -> None:
    X, _ = make_blobs(n_samples=300, centers=3, random_state=1)
    X = (X.mean(axis=0) < X) if dtype is bool else np.abs(X * 5).astype(dtype)
    km = KMeans(2, seed=0).fit(X)
    assert np.isfinite(km.cluster_centers_).all() and np.isfinite(km.inertia_)


def test_n_iter_never_exceeds_max_iter() -> None:
    X, _ = make_blobs(n_samples=2000, centers=6, random_state=2, cluster_std=3.0)
    full = KMeans(6, init=X[:6], tol=0.0).fit(X)
    assert full.n_iter_ > 2
    capped = KMeans(6, init=X[:6], tol=0.0, max_iter=full.n_iter_ - 1).fit(X)
    assert capped.n_iter_ == full.n_iter_ - 1


def test_too_wide_a_range_is_a_clear_error_not_inf() -> None:
    X = np.random.default_rng(0).normal(size=(100, 2)) * 1e20
    with pytest.raises(KMeansInputError, match="too wide a range"):
        KMeans(2).fit(X)


def test_reported_inertia_is_exact_for_wide_data() -> None:
    """Unit-spread clusters spread over 1e5: inertia within 1e-6 of a float64 computation."""
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 1e5, size=(5, 2))
    X = np.concatenate([c + rng.normal(size=(200, 2)) for c in centres])
    km = KMeans(5, init=centres).fit(X)
    exact = ((X - km.cluster_centers_[km.labels_]) ** 2).sum()
    assert km.inertia_ == pytest.approx(exact, rel=1e-9)


def test_algorithm_parameters_are_checked_before_any_work() -> None:
    X = np.zeros((10, 2))  # would fail the distinct-points check if data were looked at first
    with pytest.raises(KMeansInputError, match="takes no parameter"):
        KMeans(2, batch_size=10).fit(X)
    with pytest.raises(KMeansInputError, match="batch_size"):
        KMeans(2, algorithm="minibatch", batch_size=0).fit(X)


def test_on_state_sees_every_state() -> None:
    X, _ = make_blobs(n_samples=300, centers=3, random_state=1)
    seen = []
    km = KMeans(3, seed=0, n_init=2).fit(X, on_state=seen.append)
    assert sum(s.final for s in seen) == 2
    assert km.inertia_ == min(s.inertia for s in seen if s.final)


@pytest.mark.parametrize("metric", ["cosine", "manhattan"])
def test_predict_and_transform_use_the_fitted_metric(metric) -> None:
    rng = np.random.default_rng(4)
    X = np.abs(rng.normal(size=(200, 3))) + 0.1
    algorithm = "kmedoids" if metric == "manhattan" else "lloyd"
    km = KMeans(3, seed=0, metric=metric, algorithm=algorithm).fit(X)
    C = km.cluster_centers_
    if metric == "cosine":
        u = X / np.linalg.norm(X, axis=1, keepdims=True)
        c = C / np.linalg.norm(C, axis=1, keepdims=True)
        expected = 1.0 - u @ c.T
    else:
        expected = np.abs(X[:, None, :] - C[None]).sum(axis=2)
    np.testing.assert_allclose(km.transform(X), expected, atol=1e-6)
    np.testing.assert_array_equal(km.predict(X), expected.argmin(axis=1))
    np.testing.assert_array_equal(km.predict(X), km.labels_)


def test_importing_the_engine_does_not_load_tensorflow() -> None:
    code = (
        "import sys, kmeans_gui.engine as e; e.METRICS; e.IterationState; "
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("algorithm", ["lloyd", "gradient", "minibatch"])
def test_empty_clusters_are_repaired_onto_distinct_points(algorithm) -> None:
    """Two empty clusters and a far point repeated 5 times: the repairs take the farthest
    distinct points (scikit-learn ranks distances), not two copies of the same row."""
    rng = np.random.default_rng(0)
    X = np.concatenate(
        [
            rng.normal(size=(100, 2)),
            np.repeat([[50.0, 50.0]], 5, axis=0),
            rng.normal(size=(100, 2)) + np.array([10.0, 0.0]),
        ]
    )
    init = np.array([[0.0, 0.0], [10.0, 0.0], [1e3, 1e3], [-1e3, -1e3]])
    states = list(iterate(X, 4, init=init, algorithm=algorithm, seed=0, max_iter=20))
    assert states[1].n_relocated == 2
    assert len(np.unique(np.round(states[1].centroids, 6), axis=0)) == 4
    assert (states[-1].sizes > 0).all()


def test_farthest_rows_skip_duplicates_and_rank_by_distance() -> None:
    from kmeans_gui.engine.metric import farthest_rows
    from kmeans_gui.engine.prepare import prepare_input

    X = np.array([[0.0, 0.0], [5.0, 5.0], [5.0, 5.0], [1.0, 0.0], [3.0, 0.0], [5.0, 5.0]])
    data, _ = prepare_input(X, 2, np.array([1, 1, 1, 1, 1, 0.0]), "cpu")
    cost = np.array([0.0, 9.0, 9.0, 1.0, 4.0, 20.0])  # the farthest row has weight 0
    np.testing.assert_array_equal(farthest_rows(data, cost, 3), [1, 4, 3])
    assert farthest_rows(data, cost, 10).tolist() == [1, 4, 3, 0]
