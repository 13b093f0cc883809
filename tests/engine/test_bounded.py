"""Bounded Lloyd passes (``engine/bounded.py``) search only the rows in doubt, and give the run
a full pass gives: the same labels, sums, counts and exact distances, every iteration."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, bounded, iterate, kernels
from kmeans_gui.engine.prepare import prepare


def _blobs(n=4000, k=32, d=64, seed=0, offset=0.0):
    X, _ = make_blobs(n_samples=n, centers=k, n_features=d, cluster_std=3.0, random_state=seed)
    return X + offset


def _clashing_start(X: np.ndarray, k: int) -> np.ndarray:
    init = X[np.random.default_rng(2).choice(len(X), k, replace=False)]
    init[-1] = init[-2]  # one of the two is left empty by the first pass
    return init


def _late_empty_start() -> tuple[np.ndarray, np.ndarray]:
    """Data and a start with one centroid between two blobs: it keeps some rows at first and
    loses them all a few passes on, once its neighbours have settled (a repair mid-run)."""
    X, _, centres = make_blobs(
        n_samples=3000, centers=32, n_features=64, cluster_std=3.0, random_state=1,
        return_centers=True,
    )  # fmt: skip
    rng = np.random.default_rng(1)
    init = X[rng.choice(len(X), 33, replace=False)].copy()
    a, b = rng.choice(32, 2, replace=False)
    init[-1] = 0.5 * (centres[a] + centres[b]) + rng.normal(0, 0.5, 64)
    return X, init


CASES = {
    "wide blobs": dict(X=_blobs(n=4001), n_clusters=32),  # with padding rows
    "weighted": dict(
        X=_blobs(seed=1), n_clusters=32, sample_weight=np.random.default_rng(1).uniform(0, 3, 4000)
    ),
    "cosine": dict(X=_blobs(seed=2, offset=3.0), n_clusters=36, metric="cosine"),
    "far from origin": dict(X=_blobs(seed=3, offset=1e4), n_clusters=32),
    "empty cluster repaired": dict(
        X=_blobs(n=3000, seed=6), n_clusters=33, init=_clashing_start(_blobs(n=3000, seed=6), 33)
    ),
    "empty cluster repaired late": dict(
        X=_late_empty_start()[0], n_clusters=33, init=_late_empty_start()[1]
    ),
}


def _run(case: str):
    kwargs = dict(CASES[case])
    X, k = kwargs.pop("X"), kwargs.pop("n_clusters")
    weight = kwargs.pop("sample_weight", None)
    kwargs.setdefault("seed", 3)
    kwargs.setdefault("tol", 0.0)
    assert bounded.worthwhile(k, X.shape[1], False) or bounded._MIN_WORK > 10**9  # as meant
    states = list(iterate(X, k, sample_weight=weight, **kwargs))
    fitted = KMeans(k, **kwargs).fit(X, sample_weight=weight)
    return states, fitted


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bounded_runs_are_the_full_passes_runs(case: str, monkeypatch) -> None:
    states, fitted = _run(case)
    monkeypatch.setattr(bounded, "_MIN_WORK", 10**12)
    full_states, full_fit = _run(case)
    assert len(states) == len(full_states) > 3
    for ours, theirs in zip(states, full_states, strict=True):
        np.testing.assert_array_equal(ours.labels, theirs.labels)
        assert ours.inertia == pytest.approx(theirs.inertia, rel=1e-5)
        assert (ours.n_changed, ours.n_relocated) == (theirs.n_changed, theirs.n_relocated)
    np.testing.assert_array_equal(fitted.labels_, full_fit.labels_)
    np.testing.assert_allclose(fitted.cluster_centers_, full_fit.cluster_centers_, rtol=1e-12)
    assert fitted.inertia_ == pytest.approx(full_fit.inertia_, rel=1e-12)
    assert (fitted.n_iter_, fitted.n_relocated_) == (full_fit.n_iter_, full_fit.n_relocated_)
    np.testing.assert_array_equal(fitted.labels_, states[-1].labels)
    if case.startswith("empty"):
        assert sum(s.n_relocated for s in states) >= 1  # the repair really ran
    if case.endswith("late"):  # with bounds carried over from passes before it
        assert any(s.n_relocated for s in states[2:])


def test_a_settling_run_searches_few_rows_and_each_pass_equals_a_full_one() -> None:
    X = _blobs(n=5003, seed=4)  # padding rows in the last block
    data = prepare(X, None, "/CPU:0", 32)
    centroids = data.blocks.numpy().reshape(-1, data.d)[:32].copy()
    previous, lower, before = data.unlabelled, tf.zeros(tf.shape(data.weights)), centroids.copy()
    searched = []
    for _ in range(12):
        out = bounded.bounded_pass(
            data.blocks, data.weights, previous, lower, tf.constant(centroids), before
        )
        full = kernels.pass_totals(
            data.blocks, data.weights, previous, tf.constant(centroids), columns=False,
            on_gpu=False,
        )  # fmt: skip
        np.testing.assert_array_equal(out[0].numpy(), full[0].numpy())
        rows = data.unlabelled.numpy() != -2  # padding rows' distances mean nothing
        np.testing.assert_allclose(out[1].numpy()[rows], full[1].numpy()[rows], rtol=1e-4)
        np.testing.assert_allclose(out[2].numpy(), full[2].numpy(), rtol=1e-6, atol=1e-6)
        for ours, theirs in zip(out[3:6], full[3:6], strict=True):
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        searched.append(int(out[8]))
        previous, lower, before = out[0], out[7], centroids.copy()
        sums, wsum = out[2].numpy(), out[3].numpy()[:, None]
        filled = wsum[:, 0] > 0  # an emptied cluster keeps its centre
        centroids[filled] = (sums[filled] / wsum[filled]).astype(np.float32)
    assert searched[0] == data.n  # nothing known yet: every row
    assert max(searched[-4:]) < 0.2 * data.n  # settled: the bounds clear most rows


def test_one_centroid_is_searched_once() -> None:
    data = prepare(_blobs(n=1000, d=8), None, "/CPU:0", 1)
    c = tf.constant(np.zeros((1, 8), np.float32))
    out = bounded.bounded_pass(data.blocks, data.weights, data.unlabelled, data.weights, c, c)
    again = bounded.bounded_pass(data.blocks, data.weights, out[0], out[7], c + 1.0, c)
    assert int(out[8]) == data.n and int(again[8]) == 0
    assert set(np.unique(again[0].numpy())) <= {0, -2}
    assert float(again[6]) == pytest.approx(
        float(
            kernels.assign_pass(data.blocks, c + 1.0)[1]
            .numpy()[data.unlabelled.numpy() == -1]
            .sum()
        ),
        rel=1e-5,
    )


def test_a_gpu_never_takes_bounded_passes() -> None:
    assert not bounded.worthwhile(256, 64, True)
    assert bounded.worthwhile(256, 64, False) and not bounded.worthwhile(8, 16, False)
