"""Block layout of the compiled passes: unrolled or looped, the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_gui.engine import KMeans, kernels


@pytest.mark.parametrize(
    ("n", "k"), [(150, 3), (200_000, 32), (100_000, 256), (10_000_000, 8), (3_000_000, 1024)]
)
def test_block_rows_is_a_power_of_two_within_its_limits(n, k) -> None:
    rows = kernels.block_rows(n, k)
    needed = -(-n // 8) * 8
    assert rows == needed or rows & (rows - 1) == 0  # power of two unless the data is smaller
    assert rows <= kernels._MAX_ROWS
    assert rows * k <= max(kernels._MAX_BLOCK_SCORES, kernels._MIN_ROWS * k)
    blocks = -(-n // rows)
    grown_to_limit = rows * 2 > min(kernels._MAX_ROWS, kernels._MAX_BLOCK_SCORES // k)
    assert blocks <= kernels._MAX_UNROLLED_BLOCKS or grown_to_limit


def test_looped_blocks_give_the_unrolled_result(monkeypatch) -> None:
    """Past the unroll limit a pass is a map_fn loop; labels and inertia are the same."""
    import tensorflow as tf

    rng = np.random.default_rng(5)
    X = rng.normal(size=(20_011, 3)) + rng.integers(0, 6, size=(20_011, 1)) * 3
    unrolled = KMeans(64, seed=0, tol=0, max_iter=15).fit(X)

    loops = []
    map_fn = tf.map_fn
    monkeypatch.setattr(tf, "map_fn", lambda *a, **kw: loops.append(1) or map_fn(*a, **kw))
    monkeypatch.setattr(kernels, "_MAX_UNROLLED_BLOCKS", 0)  # new block size: a new trace
    looped = KMeans(64, seed=0, tol=0, max_iter=15).fit(X)
    assert loops  # the looped graph was built and used
    np.testing.assert_array_equal(unrolled.labels_, looped.labels_)
    assert looped.inertia_ == pytest.approx(unrolled.inertia_, rel=1e-9)
