"""k-means|| (init="k-means||"): as good as k-means++, the same centres in memory and streamed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from kmeans_gui.engine import KMeans, KMeansInputError, iterate
from kmeans_gui.engine.streamed import StreamedKMeans
from kmeans_gui.engine.streamed_data import ChunkedRows, RowChunk

REPO = Path(__file__).resolve().parents[2]


def sipu_folder() -> Path | None:
    """Fränti's sets: $KMEANS_SIPU, or shared/benchmarks/sipu beside a parent of the checkout."""
    if os.environ.get("KMEANS_SIPU"):
        return Path(os.environ["KMEANS_SIPU"])
    for parent in REPO.parents:
        folder = parent / "shared" / "benchmarks" / "sipu"
        if folder.is_dir():
            return folder
    return None


def first_state(X: np.ndarray, k: int, **kwargs) -> np.ndarray:
    return next(iterate(X, k, init="k-means||", **kwargs)).centroids


@pytest.mark.skipif(sipu_folder() is None, reason="Fränti's benchmark sets are not here")
def test_ten_restarts_end_no_worse_than_k_means_plus_plus_on_s1() -> None:
    """The issue's quality check on one set (benchmarks/kmeans_parallel.py runs them all)."""
    X = np.loadtxt(sipu_folder() / "s1.data.gz")
    parallel = KMeans(15, init="k-means||", n_init=10, seed=0).fit(X)
    plusplus = KMeans(15, init="k-means++", n_init=10, seed=0).fit(X)
    assert parallel.inertia_ <= 1.01 * plusplus.inertia_


def test_initial_centres_are_distinct_rows_as_the_kernels_see_them() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3)) + rng.integers(0, 8, (2000, 1)) * 4
    centres = first_state(X, 8, seed=1)
    offset = X.mean(axis=0).astype(np.float32).astype(np.float64)  # the engine's centring
    rows32 = {tuple(r) for r in (X - offset).astype(np.float32)}
    assert len({tuple(c) for c in centres}) == 8
    assert all(tuple((c - offset).astype(np.float32)) in rows32 for c in centres)


def test_weighted_rows_start_where_the_streamed_run_starts() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4000, 2)) * 3 + rng.integers(0, 5, (4000, 1)) * 10
    w = rng.uniform(0, 4, len(X)) * (rng.random(len(X)) > 0.1)  # some rows weigh nothing
    memory = KMeans(5, init="k-means||", seed=9, tol=0).fit(X, w)

    def read():
        for start in range(0, len(X), 333):
            yield RowChunk(X[start : start + 333], w[start : start + 333])

    streamed = StreamedKMeans(5, init="k-means||", seed=9, tol=0, batch_rows=1024)
    streamed.fit(ChunkedRows(read))
    np.testing.assert_array_equal(streamed.labels_.values(), memory.labels_)
    assert streamed.inertia_ == pytest.approx(memory.inertia_, rel=1e-12)


def test_too_few_candidates_run_more_rounds_until_k_carry_weight() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, 2))
    centres = first_state(X, 20, seed=0, oversampling=0.05, init_rounds=1)
    assert len({tuple(c) for c in centres}) == 20


def test_it_is_reproducible_and_seed_dependent() -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(1500, 4))
    a, b = first_state(X, 6, seed=11), first_state(X, 6, seed=11)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, first_state(X, 6, seed=12))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"oversampling": 0}, "oversampling must be positive"),
        ({"oversampling": "lots"}, "oversampling must be a number"),
        ({"init_rounds": 0}, "init_rounds must be a whole number of at least 1"),
    ],
)
def test_bad_parameters_are_refused(kwargs, message) -> None:
    with pytest.raises(KMeansInputError, match=message):
        KMeans(2, init="k-means||", **kwargs).fit(np.arange(10.0).reshape(5, 2))
