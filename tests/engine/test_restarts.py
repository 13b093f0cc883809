"""Restarts (n_init) for every algorithm: best wins, reproducible, compiled steps reused."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, iterate, kernels
from kmeans_gui.engine import gradient as gradient_module
from kmeans_gui.engine import kmedoids as kmedoids_module
from kmeans_gui.engine import minibatch as minibatch_module

ALGORITHMS = ["lloyd", "gradient", "minibatch", "kmedoids"]


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=500, centers=6, n_features=2, random_state=2, cluster_std=1.8)
    return X


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_best_of_five_restarts_wins(blobs, algorithm) -> None:
    km = KMeans(6, n_init=5, seed=7, init="random", algorithm=algorithm).fit(blobs)
    assert len(km.restart_inertias_) == 5
    assert all(km.inertia_ <= r for r in km.restart_inertias_)
    assert km.inertia_ == min(km.restart_inertias_)
    states = list(iterate(blobs, 6, n_init=5, seed=7, init="random", algorithm=algorithm))
    finals = [s for s in states if s.final]
    assert [s.restart for s in finals] == [0, 1, 2, 3, 4]
    assert [s.inertia for s in finals] == km.restart_inertias_
    best = finals[int(np.argmin(km.restart_inertias_))]
    np.testing.assert_array_equal(best.labels, km.labels_)
    assert len({round(r, 6) for r in km.restart_inertias_}) > 1  # restarts really differ


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_seed_reproduces_every_restart(blobs, algorithm) -> None:
    a = KMeans(6, n_init=3, seed=11, algorithm=algorithm).fit(blobs)
    b = KMeans(6, n_init=3, seed=11, algorithm=algorithm).fit(blobs)
    assert a.restart_inertias_ == b.restart_inertias_
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)


def _tracing_counts() -> dict[str, int]:
    with gradient_module._pool_lock:
        steppers = [s for free in gradient_module._pool.values() for s in free]
    return {
        "passes": kernels.tracing_count(),
        "gradient steppers": len(steppers),
        "gradient steps": sum(s.step.experimental_get_tracing_count() for s in steppers),
        "gradient block": gradient_module._block_gradient.experimental_get_tracing_count(),
        "minibatch round": minibatch_module._minibatch_round.experimental_get_tracing_count(),
        "medoid tiles": kmedoids_module._tile_costs.experimental_get_tracing_count(),
        "medoid sums": sum(
            f.experimental_get_tracing_count() for f in kmedoids_module._CANDIDATE_COSTS.values()
        ),
    }


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_compiled_steps_are_reused_across_restarts(blobs, algorithm) -> None:
    KMeans(6, seed=0, algorithm=algorithm).fit(blobs)  # trace once for this shape
    before = _tracing_counts()
    KMeans(6, n_init=4, seed=1, algorithm=algorithm).fit(blobs)
    KMeans(6, n_init=2, seed=2, init="random", algorithm=algorithm).fit(blobs)
    assert _tracing_counts() == before


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_restarts_side_by_side_give_the_one_after_another_result(
    blobs, algorithm, monkeypatch
) -> None:
    """Restarts run on worker threads, each with its own generator: the same restarts, in
    the same order, as running them one after another."""
    import threading

    from kmeans_gui.engine import api

    names: set[str] = set()
    seeding = api.initial_centroids
    monkeypatch.setattr(
        api,
        "initial_centroids",
        lambda *a, **kw: names.add(threading.current_thread().name) or seeding(*a, **kw),
    )
    side = KMeans(6, n_init=6, seed=3, algorithm=algorithm).fit(blobs)
    assert any(name.startswith("restart") for name in names)  # workers did run restarts
    monkeypatch.setattr(api, "SIDE_BY_SIDE", False)
    names.clear()
    one = KMeans(6, n_init=6, seed=3, algorithm=algorithm).fit(blobs)
    assert names == {threading.current_thread().name}
    assert side.restart_inertias_ == one.restart_inertias_
    np.testing.assert_array_equal(side.labels_, one.labels_)
    np.testing.assert_array_equal(side.cluster_centers_, one.cluster_centers_)
