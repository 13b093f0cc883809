"""``refine="swap"``: swap trials move centroids out of bad local optima (``engine/swap.py``,
``engine/refine.py``), reproducibly, never ending above where Lloyd left off."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, KMeansInputError, iterate
from kmeans_gui.engine.lloyd import pass_layout
from kmeans_gui.engine.prepare import prepare_input
from kmeans_gui.engine.refine_options import default_patience
from kmeans_gui.engine.swap import _EVALUATE


def _four_blobs_in_a_row(width: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tight blobs at x = 0, 10, 20, 30 (``width`` features, far from the origin), a start
    that Lloyd cannot leave (two centroids split the first blob, one sits at x = 15 between
    the middle two), and the true labels."""
    rng = np.random.default_rng(4)
    centres = np.zeros((4, width))
    centres[:, 0] = [0, 10, 20, 30]
    truth = np.repeat(np.arange(4), 60)
    X = centres[truth] + rng.normal(scale=0.3, size=(truth.size, width)) + 1e4
    start = np.zeros((4, width))
    start[:, 0] = [-0.3, 0.3, 15, 30]
    return X, start + 1e4, truth


def _blobs(std: float = 0.7, seed: int = 3, n_features: int = 2, n: int = 3000) -> np.ndarray:
    """Twenty blobs: most tests share this layout (3000 x 2, k = 20), so that the compiled
    trials are traced and compiled once for the module."""
    return make_blobs(n, n_features=n_features, centers=20, cluster_std=std, random_state=seed)[0]


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("width", [2, 6], ids=["direct distances", "GEMM distances"])
def test_swap_escapes_a_known_bad_optimum(width: int) -> None:
    X, start, truth = _four_blobs_in_a_row(width)
    stuck = KMeans(4, init=start).fit(X)
    assert not _same_partition(stuck.labels_, truth)  # Lloyd alone keeps the bad optimum
    refined = KMeans(4, init=start, refine="swap", seed=0).fit(X)
    assert _same_partition(refined.labels_, truth)
    assert refined.n_swaps_ >= 1
    assert refined.inertia_ < stuck.inertia_ / 20
    means = np.stack([X[truth == j].mean(axis=0) for j in range(4)])
    np.testing.assert_allclose(np.sort(refined.cluster_centers_[:, 0]), means[:, 0], atol=1e-9)


def test_swap_states_are_frames_that_lower_the_inertia() -> None:
    X, start, truth = _four_blobs_in_a_row()
    states = list(iterate(X, 4, init=start, refine="swap", seed=0))
    phases = [s.phase for s in states]
    first_swap = phases.index("swap")
    swaps = [s for s in states if s.phase == "swap"]
    assert set(phases[:first_swap]) == {"lloyd"} and not any(s.final for s in states[:-1])
    assert states[-1].final and states[-1].converged and states[-1].phase == "lloyd"
    assert [s.iteration for s in states] == list(range(len(states)))
    assert [s.n_swaps for s in swaps] == list(range(1, len(swaps) + 1))
    before = states[first_swap - 1].inertia
    for swap in swaps:  # each accepted swap is cheaper than the state before it
        assert swap.inertia < before
        before = swap.inertia
        nearest = ((X[:, None, :] - swap.centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
        np.testing.assert_array_equal(swap.labels, nearest)  # labels follow the jump
        assert swap.n_changed > 0 and swap.n_trials >= swap.n_swaps
    assert states[-1].n_swaps == len(swaps) and _same_partition(states[-1].labels, truth)


def test_fit_is_the_final_state_of_the_stream() -> None:
    X = _blobs(0.6)
    states = list(iterate(X, 20, seed=5, refine="swap", refine_budget=60))
    fitted = KMeans(20, seed=5, refine="swap", refine_budget=60).fit(X)
    final = states[-1]
    np.testing.assert_array_equal(fitted.labels_, final.labels)
    np.testing.assert_allclose(fitted.cluster_centers_, final.centroids, rtol=1e-12)
    assert (fitted.n_swaps_, fitted.n_trials_) == (final.n_swaps, final.n_trials)


def test_a_seed_reproduces_the_refinement() -> None:
    X = _blobs(0.8, seed=1)
    runs = [KMeans(20, seed=11, refine="swap").fit(X) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].labels_, runs[1].labels_)
    np.testing.assert_array_equal(runs[0].cluster_centers_, runs[1].cluster_centers_)
    assert runs[0].n_swaps_ == runs[1].n_swaps_ > 0
    assert runs[0].n_trials_ >= default_patience(20)  # the default stops after that many fail


CASES = {
    "blobs": dict(X=_blobs(1.0, seed=2)),
    "overlapping": dict(X=_blobs(3.0, seed=7)),
    "weighted": dict(X=_blobs(seed=8), sample_weight=np.random.default_rng(8).uniform(0, 4, 3000)),
    "cosine": dict(X=_blobs(seed=9) + 20, metric="cosine"),
    "wide": dict(X=_blobs(seed=6, n_features=12, n=1000)),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_never_ends_above_its_starting_inertia(case: str, seed: int) -> None:
    kwargs = dict(CASES[case])
    X, k = kwargs.pop("X"), 20
    weight = kwargs.pop("sample_weight", None)
    plain = KMeans(k, seed=seed, **kwargs).fit(X, sample_weight=weight)  # the same start
    refined = KMeans(k, seed=seed, refine="swap", refine_budget=40, **kwargs).fit(
        X, sample_weight=weight
    )
    assert refined.inertia_ <= plain.inertia_
    assert refined.n_trials_ == 40


def test_every_restart_is_refined() -> None:
    X = _blobs(0.5, seed=4)
    states = list(iterate(X, 20, seed=2, n_init=3, refine="swap", refine_budget=30))
    finals = [s for s in states if s.final]
    assert [s.restart for s in finals] == [0, 1, 2]
    assert all(s.n_trials == 30 for s in finals)


def test_a_time_budget_ends_the_trials() -> None:
    X = _blobs(seed=5)
    fitted = KMeans(20, seed=0, refine="swap", refine_budget="0.3s").fit(X)
    assert fitted.n_trials_ > 0


def test_one_cluster_has_nothing_to_swap() -> None:
    X, _, _ = _four_blobs_in_a_row()
    refined = KMeans(1, seed=0, refine="swap").fit(X)
    plain = KMeans(1, seed=0).fit(X)
    assert refined.n_trials_ == 0 and refined.inertia_ == plain.inertia_


def test_cancelled_ends_the_stream_during_the_trials() -> None:
    X = _blobs(seed=5)
    asked = []

    def cancelled() -> bool:
        asked.append(True)
        return True

    states = list(
        iterate(X, 20, seed=0, n_init=3, refine="swap", refine_budget=10_000, cancelled=cancelled)
    )
    assert asked and states[-1].n_trials < 10_000
    assert {s.restart for s in states} == {0}  # no closing run, no further restarts
    assert not any(s.final for s in states)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(refine="swapp"), "unknown refine 'swapp': choose none, swap"),
        (dict(refine="swap", algorithm="minibatch"), "refines the 'lloyd' algorithm's result"),
        (dict(refine_budget=10), "refine_budget is for refine='swap'"),
        (dict(refine="swap", refine_budget=0), "refine_budget must be a number of swap trials"),
        (dict(refine="swap", refine_budget=2.5), "refine_budget must be a number of swap trials"),
        (dict(refine="swap", refine_budget="soon"), "or seconds such as '2.5s'"),
        (dict(refine="swap", refine_budget="0s"), "is not a positive time"),
    ],
)
def test_bad_refine_options_are_one_sentence(kwargs: dict, message: str) -> None:
    X, _ = make_blobs(200, centers=3, random_state=0)
    with pytest.raises(KMeansInputError, match=message.replace("(", r"\(")):
        KMeans(3, **kwargs).fit(X)


@pytest.mark.parametrize("width", [2, 12], ids=["direct distances", "GEMM distances"])
def test_removal_cost_is_what_removing_a_centroid_adds(width: int) -> None:
    X = _blobs(seed=width, n_features=width, n=3000 if width == 2 else 1000)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(X))
    data, k = prepare_input(X, 20, weights, "cpu")
    centroids = data.source_rows(np.arange(0, len(X), len(X) // 20)[:20])
    blocks, columns = pass_layout(data)
    out = _EVALUATE[columns, data.on_gpu](
        blocks, data.weights, data.unlabelled, tf.constant(centroids, tf.float32)
    )
    removal = out[3].numpy()
    squared = ((data.source_rows(slice(None))[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    order = np.sort(squared, axis=1)
    nearest = squared.argmin(axis=1)
    expected = np.bincount(nearest, weights * (order[:, 1] - order[:, 0]), minlength=k)
    np.testing.assert_allclose(removal, expected, rtol=1e-3)
