"""The adjusted Rand index against scikit-learn's, for cluster labels (counted by bincount)
and any others (sorted)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from kmeans_gui.engine.agreement import adjusted_rand_index, contingency, normalized_mutual_info
from kmeans_gui.engine.errors import KMeansInputError


def _cases():
    rng = np.random.default_rng(7)
    a = rng.integers(0, 5, 2000)
    noisy = a.copy()
    flip = rng.random(a.size) < 0.2
    noisy[flip] = rng.integers(0, 5, flip.sum())
    yield "renamed", a, (a + 3) % 5
    yield "noisy", a, noisy
    yield "unrelated", a, rng.integers(0, 7, a.size)
    yield "one cluster vs many", np.zeros(50, int), np.arange(50) % 4
    yield "both one cluster", np.zeros(30, int), np.zeros(30, int)
    yield "every row its own", np.arange(40), np.arange(40)[::-1]
    yield "worse than chance", np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    yield "uint8 vs int64", a.astype(np.uint8), noisy.astype(np.int64)
    yield "sparse label values", a * 1_000_003, noisy
    yield "strings", np.array(list("aabbbcc")), np.array(list("xxyyzzz"))
    yield "two rows", np.array([0, 1]), np.array([0, 0])


CASES = list(_cases())


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_scikit_learn(a, b):
    assert adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
    assert adjusted_rand_index(b, a) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_exact_where_products_of_pair_counts_pass_int64():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 8, 200_000)  # pairs ~2e10: their products ~1e20 > 2^63
    b = np.where(rng.random(a.size) < 0.9, a, rng.integers(0, 8, a.size))
    assert adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_labellings_of_different_lengths_are_refused():
    with pytest.raises(KMeansInputError, match="one length"):
        adjusted_rand_index(np.zeros(3, int), np.zeros(4, int))


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_counting_cluster_labels_gives_the_table_sorting_gives(a, b):
    fast = contingency(a, b)
    if a.dtype.kind in "ui" and b.dtype.kind in "ui":  # the same labels as floats are sorted
        slow = contingency(a.astype(float), b.astype(float))
        np.testing.assert_array_equal(fast.a_values, slow.a_values)
        np.testing.assert_array_equal(fast.b_values, slow.b_values)
        np.testing.assert_array_equal(fast.dense(), slow.dense())
        assert normalized_mutual_info(a, b) == pytest.approx(
            normalized_mutual_info(a.astype(float), b.astype(float)), abs=1e-12
        )
