"""Streamed Lloyd (StreamedKMeans over ChunkedRows) ends where the in-memory KMeans ends.

Tiny chunks and tiny batches put a chunk boundary and a batch boundary everywhere: inside a
block, on a block's edge, an empty chunk, a chunk of one row, a last block of padding.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from kmeans_gui.engine import KMeans, KMeansInputError, iterate
from kmeans_gui.engine.kernels import block_rows
from kmeans_gui.engine.scratch import MemoryScratch
from kmeans_gui.engine.streamed import StreamedKMeans
from kmeans_gui.engine.streamed_data import ChunkedRows, RowChunk, StreamedData


def chunked(X: np.ndarray, sizes, weights: np.ndarray | None = None) -> ChunkedRows:
    """X in chunks of the given sizes (cycled), with an empty chunk in the middle and at the
    end."""

    def read():
        start, i = 0, 0
        while start < len(X):
            size = sizes[i % len(sizes)]
            stop = min(len(X), start + size)
            yield RowChunk(X[start:stop], None if weights is None else weights[start:stop])
            if i == 1:
                yield RowChunk(X[:0], None if weights is None else weights[:0])
            start, i = stop, i + 1
        yield RowChunk(X[:0], None if weights is None else weights[:0])

    return ChunkedRows(read)


@pytest.fixture(scope="module")
def table() -> np.ndarray:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3001, 5)) * [1, 2, 3, 1, 1] + rng.integers(0, 6, (3001, 1)) * 3
    return X + 1e4  # far from the origin: centring matters


def assert_same(streamed: StreamedKMeans, memory: KMeans) -> None:
    np.testing.assert_array_equal(streamed.labels_.values(), memory.labels_)
    assert streamed.n_iter_ == memory.n_iter_
    assert streamed.converged_ == memory.converged_
    assert streamed.inertia_ == pytest.approx(memory.inertia_, rel=1e-12)
    np.testing.assert_allclose(streamed.cluster_centers_, memory.cluster_centers_, rtol=1e-13)
    np.testing.assert_array_equal(streamed.sizes_, np.bincount(memory.labels_, minlength=6))


@pytest.mark.parametrize("features", [2, 5], ids=["direct", "gemm"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    ("sizes", "batch_rows"),
    [([1, 7, 64], 1024), ([999], 2048), ([3001], 1 << 20), ([5000], 1)],
    ids=["tiny-chunks", "odd-chunks", "one-chunk", "one-block-batches"],
)
def test_same_result_as_in_memory_from_the_same_centroids(
    table, features, weighted, sizes, batch_rows
) -> None:
    X = table[:, :features]
    w = np.random.default_rng(1).uniform(0, 3, len(X)) if weighted else None
    init = X[[0, 5, 10, 700, 1400, 2800]]
    memory = KMeans(6, init=init, tol=1e-4).fit(X, w)
    streamed = StreamedKMeans(6, init=init, tol=1e-4, batch_rows=batch_rows)
    streamed.fit(chunked(X, sizes, w))
    assert_same(streamed, memory)


@pytest.mark.parametrize("init", ["k-means||", "uniform"])
def test_seeded_initialisers_start_where_the_in_memory_run_starts(table, init) -> None:
    memory = KMeans(6, init=init, seed=4, n_init=2).fit(table)
    streamed = StreamedKMeans(6, init=init, seed=4, n_init=2, batch_rows=1500)
    streamed.fit(chunked(table, [500, 3]))
    assert_same(streamed, memory)
    assert streamed.restart_inertias_ == pytest.approx(memory.restart_inertias_, rel=1e-12)


def test_random_rows_are_distinct_rows_of_the_table(table) -> None:
    states = list(StreamedKMeans(6, init="random", seed=2, n_init=3).states(chunked(table, [400])))
    firsts = [s for s in states if s.iteration == 0]
    assert len(firsts) == 3
    rows = {tuple(r) for r in np.round(table, 6)}
    for state in firsts:
        assert len({tuple(c) for c in state.centroids}) == 6
        assert all(tuple(c) in rows for c in np.round(state.centroids, 6))


def test_states_match_pass_by_pass_with_repairs_and_a_tol_stop(table) -> None:
    """Two centroids start far away (empty at once): the repairs, every state's tracked
    labels, and the final assignment pass after a tol stop are the in-memory run's."""
    X = table
    init = np.vstack([X[:4], [[1e5] * 5, [-1e5] * 5]])
    memory = list(iterate(X, 6, init=init, tol=1e-3))
    track = np.array([0, 1, 999, 1000, 3000])
    streamed = list(
        StreamedKMeans(6, init=init, tol=1e-3, batch_rows=1024, track=track).states(
            chunked(X, [300, 1])
        )
    )
    assert [s.n_relocated for s in streamed] == [s.n_relocated for s in memory]
    assert memory[1].n_relocated == 2
    assert len(streamed) == len(memory)
    for ours, theirs in zip(streamed, memory, strict=True):
        np.testing.assert_array_equal(ours.labels, theirs.labels[track])
        assert ours.n_changed == theirs.n_changed
        np.testing.assert_array_equal(ours.sizes, theirs.sizes)
        np.testing.assert_allclose(ours.centroids, theirs.centroids, rtol=1e-12)
    assert streamed[-1].converged and streamed[-1].n_changed > 0  # a tol stop, then a pass


def test_the_scikit_learn_relocation_case() -> None:
    X = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1.0]])
    model = StreamedKMeans(2, init=np.array([[0.5, 0.5], [3, 3]])).fit(chunked(X, [1]))
    assert model.inertia_ == pytest.approx(0.25)
    assert model.n_iter_ == 3 and model.n_relocated_ == 1
    assert sorted(map(tuple, model.cluster_centers_)) == [(0.25, 0.0), (0.75, 1.0)]


def test_cosine_metric_is_spherical_k_means_as_in_memory(table) -> None:
    X = np.abs(table - 1e4) + 0.1
    memory = KMeans(4, init=X[:4], metric="cosine").fit(X)
    streamed = StreamedKMeans(4, init=X[:4], metric="cosine", batch_rows=1024)
    streamed.fit(chunked(X, [777]))
    np.testing.assert_array_equal(streamed.labels_.values(), memory.labels_)
    assert streamed.inertia_ == pytest.approx(memory.inertia_, rel=1e-12)


def test_without_the_cache_every_pass_reads_the_source(table) -> None:
    reads = []

    def read():
        reads.append(1)
        yield RowChunk(table)

    init = table[:6]
    cached = StreamedKMeans(6, init=init, tol=0).fit(ChunkedRows(read))
    cached_reads = len(reads)
    reads.clear()
    uncached = StreamedKMeans(6, init=init, tol=0, cache=False).fit(ChunkedRows(read))
    np.testing.assert_array_equal(cached.labels_.values(), uncached.labels_.values())
    assert cached_reads == 3  # first statistics, then the first pass, then the exact figures
    assert uncached.converged_  # strictly (tol=0): one pass per counted iteration
    assert len(reads) == 1 + uncached.n_iter_ + 1


def test_float32_rows_are_centred_as_in_memory(table) -> None:
    X = table.astype(np.float32)
    memory = KMeans(6, init=X[:6], tol=0).fit(X)
    streamed = StreamedKMeans(6, init=X[:6], tol=0, batch_rows=999).fit(chunked(X, [250]))
    np.testing.assert_array_equal(streamed.labels_.values(), memory.labels_)
    assert streamed.n_iter_ == memory.n_iter_


def test_units_place_a_sharded_share_among_all_rows(table) -> None:
    """A source that holds units 1 and 3 of four (the rows of another worker missing) says
    where they start; the random draws then use the rows' places in the whole table."""
    starts = np.array([0, 750, 1500, 2250])
    share = np.concatenate([table[750:1500], table[2250:3001]])

    def read():
        yield RowChunk(table[750:1500], unit=1)
        yield RowChunk(table[2250:2600], unit=3)
        yield RowChunk(table[2600:3001], unit=3)

    model = StreamedKMeans(3, init="k-means||", seed=0)
    whole = StreamedKMeans(3, init="k-means||", seed=0)
    model.fit(ChunkedRows(read, unit_starts=starts))
    whole.fit(chunked(share, [500]))
    # same rows, different places: the draws differ, the labels are a clustering of the share
    assert model.labels_.values().shape == (len(share),)


@pytest.mark.parametrize(
    ("rows", "kwargs", "message"),
    [
        (np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 4.0]]), {}, "NaN or infinite values in 1"),
        (np.ones((3, 2)), {"n_clusters": 5}, "larger than the number of rows"),
        (np.ones((3, 2)), {"init": "k-means++"}, "k-means++ needs every row in memory"),
        (np.ones((3, 2)), {"metric": "manhattan"}, "euclidean or cosine"),
        (np.array([[0.0, 0], [0, 0], [1, 1], [1, 1]]), {}, "only 2 distinct point"),
    ],
)
def test_bad_input_is_one_sentence(rows, kwargs, message) -> None:
    options = {"n_clusters": 3, "init": "k-means||", **kwargs}
    with pytest.raises(KMeansInputError, match=re.escape(message)):
        StreamedKMeans(**options).fit(chunked(rows, [1]))


def test_weights_must_come_with_every_chunk() -> None:
    def read():
        yield RowChunk(np.ones((2, 2)), np.ones(2))
        yield RowChunk(np.ones((2, 2)))

    with pytest.raises(KMeansInputError, match="every chunk or with none"):
        StreamedKMeans(1).fit(ChunkedRows(read))


def test_the_labels_column_is_released_on_close(table) -> None:
    scratch = MemoryScratch()
    model = StreamedKMeans(3, init=table[:3], scratch=scratch).fit(chunked(table, [1000]))
    assert model.labels_.values().shape == (len(table),)
    model.close()
    assert model.labels_ is None


@pytest.mark.parametrize("prefetch", [True, False], ids=["prefetch", "in-turn"])
def test_cached_passes_read_back_the_rows_in_full_batches_then_halving_groups(prefetch) -> None:
    X = np.random.default_rng(3).normal(size=(200_000, 5))  # 7 GEMM blocks on any machine
    block = block_rows(len(X), 5)
    data = StreamedData(
        chunked(X, [70_000]),
        device="/CPU:0",
        scratch=MemoryScratch(),
        batch_rows=4 * block,
        prefetch=prefetch,
    ).open(3)
    first = [(b.start, b.count, b.rows().copy()) for b in data.batches()]  # writes the cache
    again = [(b.start, b.count, b.blocks.shape[0], b.rows().copy()) for b in data.batches()]
    assert [blocks for _, _, blocks, _ in again] == [4, 2, 1]
    assert [start for start, *_ in again] == [0, 4 * block, 6 * block]
    assert sum(count for _, count, _, _ in again) == len(X)
    np.testing.assert_array_equal(
        np.concatenate([rows for *_, rows in again]), np.concatenate([rows for *_, rows in first])
    )
    data.close()
