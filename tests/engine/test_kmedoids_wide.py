"""Manhattan k-medoids on wide data (D = 300): brute-force results, memory bounded whatever D."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from kmeans_gui.engine import KMeans, iterate
from kmeans_gui.engine import kmedoids as kmedoids_module

#: The most elements any one intermediate may have (float64: 32 MiB).
BUDGET = 1 << 22


def _l1(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.abs(A[:, None, :] - B[None]).sum(axis=2)


@pytest.mark.parametrize("d", [3, 64, 65, 300])
def test_pairwise_l1_matches_numpy(d) -> None:
    rng = np.random.default_rng(d)
    a, b = rng.normal(size=(37, d)), rng.normal(size=(53, d))
    got = tf.function(kmedoids_module.pairwise_l1, jit_compile=True)(tf.constant(a), tf.constant(b))
    np.testing.assert_allclose(got.numpy(), _l1(a, b), rtol=1e-12)


@pytest.mark.parametrize("d", [3, 16, 17, 300])
def test_pairwise_sq_matches_numpy_and_stays_bounded(d) -> None:
    rng = np.random.default_rng(d)
    a, b = rng.normal(size=(37, d)), rng.normal(size=(53, d))
    got = tf.function(kmedoids_module.pairwise_sq, jit_compile=True)(tf.constant(a), tf.constant(b))
    np.testing.assert_allclose(got.numpy(), ((a[:, None] - b[None]) ** 2).sum(axis=2), rtol=1e-12)
    traced = tf.function(kmedoids_module.pairwise_sq).get_concrete_function(
        tf.TensorSpec((32768, d), tf.float32), tf.TensorSpec((8, d), tf.float32)
    )
    padded_input = 32768 * -(-d // 16) * 16  # the rows themselves, features padded to groups
    assert _largest_static_tensor(traced.graph) <= max(BUDGET, padded_input)


def test_wide_euclidean_start_snaps_to_the_nearest_rows() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 300))
    start = X[[3, 70, 200]] + 0.01 * rng.normal(size=(3, 300))
    states = iterate(X, 3, init=start, algorithm="kmedoids", max_iter=1)
    first = next(states)
    states.close()
    nearest = ((start[:, None] - X[None]) ** 2).sum(axis=2).argmin(axis=1)
    np.testing.assert_array_equal(first.centroids, X[nearest])


def _largest_static_tensor(graph) -> int:
    """Elements of the largest tensor in a traced graph, its loop bodies included."""
    largest = 0
    for op in graph.get_operations():
        for t in op.outputs:
            if t.shape.is_fully_defined():
                largest = max(largest, t.shape.num_elements())
    for fn in graph._functions.values():  # while-loop conditions and bodies
        if getattr(fn, "graph", None) is not None:
            largest = max(largest, _largest_static_tensor(fn.graph))
    return largest


@pytest.mark.parametrize("d", [2, 64, 300, 1024])
def test_l1_tiles_stay_under_the_budget_whatever_d(d) -> None:
    """The largest candidate x member tile at D = 300 would be 1024 x 2048 x 300 = 629M
    elements as a broadcast; the traced graph never holds more than one tile's (A, B)."""
    a_rows, b_rows = kmedoids_module._TILE_CANDIDATES, kmedoids_module._TILE_MEMBERS
    assert kmedoids_module.l1_largest_intermediate(a_rows, b_rows, d) <= BUDGET
    traced = tf.function(kmedoids_module.pairwise_l1).get_concrete_function(
        tf.TensorSpec((a_rows, d), tf.float64), tf.TensorSpec((b_rows, d), tf.float64)
    )
    assert _largest_static_tensor(traced.graph) <= BUDGET


def test_wide_manhattan_kmedoids_matches_brute_force() -> None:
    """Labels, cost and medoids of a D = 300 fit against float64 NumPy: every row goes to its
    nearest medoid and every medoid is the exact minimiser of its cluster's summed L1."""
    rng = np.random.default_rng(3)
    centres = rng.normal(scale=3.0, size=(4, 300))
    X = np.concatenate([c + rng.laplace(size=(60, 300)) for c in centres])
    w = rng.uniform(0.5, 2.0, len(X))
    fit = KMeans(4, algorithm="kmedoids", metric="manhattan", seed=0, tol=0.0).fit(X, w)
    dist = _l1(X, fit.cluster_centers_)
    np.testing.assert_array_equal(fit.labels_, dist.argmin(axis=1))
    assert fit.inertia_ == pytest.approx(float(w @ dist.min(axis=1)), rel=1e-5)
    for c in range(4):
        members = np.flatnonzero(fit.labels_ == c)
        cost = _l1(X[members], X[members]) @ w[members]
        assert cost.min() == pytest.approx(w[members] @ dist[members, c], rel=1e-9)
