"""Block layout of the compiled passes: unrolled or looped, the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_gui.engine import KMeans, kernels


@pytest.mark.parametrize(
    ("n", "d"), [(150, 4), (200_000, 16), (100_000, 64), (10_000_000, 2), (3_000_000, 300)]
)
def test_block_rows_are_even_and_within_their_limits(n, d) -> None:
    rows = kernels.block_rows(n, d)
    assert rows % 8 == 0 and rows <= max(kernels._MAX_ROWS, 8)
    blocks = -(-n // rows)
    assert blocks * rows - n < 8 * blocks  # blocks evened out: padding is a few rows each
    if n > kernels._MIN_ROWS:
        assert rows >= min(kernels._MIN_ROWS, n) - 8


def test_looped_blocks_give_the_unrolled_result(monkeypatch) -> None:
    """Past the unroll limit a pass is a map_fn loop; labels and inertia are the same."""
    import tensorflow as tf

    rng = np.random.default_rng(5)
    X = rng.normal(size=(20_011, 3)) + rng.integers(0, 6, size=(20_011, 1)) * 3
    unrolled = KMeans(64, seed=0, tol=0, max_iter=15).fit(X)

    loops = []
    map_fn = tf.map_fn
    monkeypatch.setattr(tf, "map_fn", lambda *a, **kw: loops.append(1) or map_fn(*a, **kw))
    monkeypatch.setattr(kernels, "_MAX_UNROLLED_BLOCKS", 0)
    for traced in kernels.TRACED:  # trace anew under the new limit
        monkeypatch.setattr(traced, "functions", {})
    looped = KMeans(64, seed=0, tol=0, max_iter=15).fit(X)
    assert loops  # the looped graph was built and used
    np.testing.assert_array_equal(unrolled.labels_, looped.labels_)
    assert looped.inertia_ == pytest.approx(unrolled.inertia_, rel=1e-9)


def test_gemm_search_takes_the_first_of_tied_centroids_and_the_exact_nearest() -> None:
    """The GEMM path's packed (score, index) minimum: a repeated centroid never wins over its
    first copy, scores of either sign order correctly, and labels are the exact nearest."""
    from kmeans_gui.engine.prepare import prepare

    rng = np.random.default_rng(11)
    d = 8  # above DIRECT_MAX_FEATURES: the GEMM expansion
    X = rng.normal(size=(5_000, d)) * 3
    centroids = np.concatenate([X[:6], X[:6], X[6:10]])  # 0..5 repeated as 6..11
    data = prepare(X, None, "/CPU:0", len(centroids))
    labels, _ = kernels.assign_pass(data.blocks, centroids - data.offset)
    labels = data.flat(labels)
    assert labels.min() >= 0 and not np.isin(labels, np.arange(6, 12)).any()
    exact = ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    exact[:, 6:12] = np.inf  # the copies: lowest index wins
    gap = np.sort(exact, axis=1)
    clear = gap[:, 1] - gap[:, 0] > 1e-3 * gap[:, 1]  # leave float32 near-ties aside
    assert clear.mean() > 0.95
    np.testing.assert_array_equal(labels[clear], exact.argmin(axis=1)[clear])
