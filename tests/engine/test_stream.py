"""The iteration stream the GUI consumes: consistent states, stop rule, reproducibility."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_gui.engine import INIT_CHOICES, IterationState, KMeans, iterate, kernels, resolve_device


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=2000, centers=5, n_features=2, random_state=1, cluster_std=2.0)
    return X


def test_every_state_is_self_consistent(blobs) -> None:
    states = list(iterate(blobs, 5, seed=0, tol=0.0))
    assert [s.iteration for s in states] == list(range(len(states)))
    assert states[-1].final and all(not s.final for s in states[:-1])
    for s in states:
        assert isinstance(s, IterationState)
        d = ((blobs[:, None, :] - s.centroids[None]) ** 2).sum(axis=2)
        np.testing.assert_array_equal(s.labels, d.argmin(axis=1))
        assert s.inertia == pytest.approx(d.min(axis=1).sum(), rel=1e-4)
        np.testing.assert_array_equal(s.sizes, np.bincount(s.labels, minlength=5))
        assert s.labels.dtype == np.int32 and s.labels.shape == (len(blobs),)
        assert s.centroids.shape == (5, 2)
        assert s.seconds >= 0 and s.device == resolve_device("auto")
    inertias = [s.inertia for s in states]
    assert all(b <= a * (1 + 1e-6) for a, b in itertools.pairwise(inertias))
    for prev, cur in itertools.pairwise(states):
        assert cur.n_changed == int((prev.labels != cur.labels).sum())
        assert cur.shift == pytest.approx(((cur.centroids - prev.centroids) ** 2).sum(), rel=1e-6)
    assert states[-1].converged and states[-1].n_changed == 0


def test_tol_stop_rule_is_scale_free(blobs) -> None:
    """Scaling the data by 1000 changes nothing about when the run stops."""
    a = KMeans(5, init=blobs[:5], tol=1e-2).fit(blobs)
    b = KMeans(5, init=blobs[:5] * 1000, tol=1e-2).fit(blobs * 1000)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_tol_stops_before_labels_settle_and_final_labels_match_centroids(blobs) -> None:
    strict = list(iterate(blobs, 5, init=blobs[:5], tol=0.0))
    loose = list(iterate(blobs, 5, init=blobs[:5], tol=0.05))
    assert len(loose) < len(strict)
    last = loose[-1]
    assert last.converged and last.final
    d = ((blobs[:, None, :] - last.centroids[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(last.labels, d.argmin(axis=1))


def test_max_iter_caps_updates(blobs) -> None:
    states = list(iterate(blobs, 5, init=blobs[:5], tol=0.0, max_iter=2))
    assert len(states) == 3  # initial centroids + 2 updates
    assert states[-1].final and not states[-1].converged
    assert KMeans(5, init=blobs[:5], tol=0.0, max_iter=2).fit(blobs).n_iter_ == 2


@pytest.mark.parametrize("init", INIT_CHOICES)
def test_seed_reproduces_bit_for_bit(blobs, init) -> None:
    a = list(iterate(blobs, 5, init=init, seed=42, n_init=2))
    b = list(iterate(blobs, 5, init=init, seed=42, n_init=2))
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.centroids, y.centroids)
        np.testing.assert_array_equal(x.labels, y.labels)
        assert x.inertia == y.inertia
    c = list(iterate(blobs, 5, init=init, seed=43))
    assert not np.array_equal(a[0].centroids, c[0].centroids)


def test_initialisers_respect_their_definition(blobs) -> None:
    rows = {tuple(r) for r in np.round(blobs, 9)}
    rnd = next(iterate(blobs, 5, init="random", seed=3)).centroids
    assert all(tuple(r) in rows for r in np.round(rnd, 9))
    assert len({tuple(r) for r in rnd}) == 5
    uni = next(iterate(blobs, 5, init="uniform", seed=3)).centroids
    assert (uni >= blobs.min(0) - 1e-9).all() and (uni <= blobs.max(0) + 1e-9).all()
    kpp = next(iterate(blobs, 5, init="k-means++", seed=3)).centroids
    assert all(tuple(r) in rows for r in np.round(kpp, 9))


def test_restarts_stream_one_after_another_and_best_wins(blobs) -> None:
    states = list(iterate(blobs, 5, seed=1, n_init=3, init="random"))
    restarts = [s.restart for s in states]
    assert restarts == sorted(restarts) and set(restarts) == {0, 1, 2}
    finals = [s for s in states if s.final]
    assert len(finals) == 3 and all(s.n_restarts == 3 for s in states)
    km = KMeans(5, seed=1, n_init=3, init="random").fit(blobs)
    assert km.inertia_ == pytest.approx(min(s.inertia for s in finals))
    assert km.restart_inertias_ == pytest.approx([s.inertia for s in finals])


def test_stream_can_be_abandoned_between_states(blobs) -> None:
    gen = iterate(blobs, 5, seed=0, tol=0.0)
    first = next(gen)
    gen.close()
    assert first.iteration == 0
    with pytest.raises(StopIteration):
        next(gen)


def test_compiled_pass_is_traced_once_per_shape(blobs) -> None:
    KMeans(5, seed=0).fit(blobs)
    list(iterate(blobs, 5, seed=0))
    before = kernels.tracing_count()
    for seed in range(3):
        KMeans(5, seed=seed, n_init=2).fit(blobs)
        list(iterate(blobs, 5, seed=seed))
    assert kernels.tracing_count() == before


def test_weights_equal_repeated_rows(blobs) -> None:
    counts = np.random.default_rng(0).integers(0, 4, size=len(blobs))
    counts[:5] = np.maximum(counts[:5], 1)
    init = blobs[:5]
    weighted = KMeans(5, init=init, tol=0.0).fit(blobs, sample_weight=counts)
    repeated = KMeans(5, init=init, tol=0.0).fit(np.repeat(blobs, counts, axis=0))
    np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_, atol=1e-4)
    assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-4)
