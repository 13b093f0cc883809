"""Choosing k: the sweep's inertia and the TensorFlow silhouette against scikit-learn."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score

from kmeans_gui.engine import KMeans, KMeansInputError, SweepPoint, iterate, silhouette, sweep

# The package exports the function ``sweep``, which hides the module of the same name.
sweep_module = importlib.import_module("kmeans_gui.engine.choose_k")


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=400, centers=4, n_features=3, random_state=9, cluster_std=1.2)
    return X + 1e3


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_silhouette_equals_sklearn(blobs, metric) -> None:
    labels = KMeans(4, seed=0).fit(blobs).labels_
    labels[0] = 4  # a singleton cluster scores 0, as in scikit-learn
    expected = silhouette_score(blobs - (1e3 if metric == "cosine" else 0), labels, metric=metric)
    got = silhouette(blobs - (1e3 if metric == "cosine" else 0), labels, metric=metric)
    assert got == pytest.approx(expected, abs=1e-9)


def test_silhouette_memory_is_blocked_not_quadratic(blobs, monkeypatch) -> None:
    monkeypatch.setattr(sweep_module, "_BLOCK_ENTRIES", 400 * 7)  # 7 rows per block, 58 blocks
    labels = KMeans(3, seed=1).fit(blobs).labels_
    assert silhouette(blobs, labels) == pytest.approx(silhouette_score(blobs, labels), abs=1e-9)


def test_silhouette_weights() -> None:
    X, _ = make_blobs(n_samples=120, centers=3, n_features=2, random_state=1)
    labels = KMeans(3, seed=0).fit(X).labels_
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(X))
    w[::3] = 0.0
    keep = w > 0
    assert silhouette(X, labels, w) == pytest.approx(silhouette(X, labels, w * 9.5), abs=1e-12)
    unweighted_subset = silhouette_score(X[keep], labels[keep])
    assert silhouette(X, labels, keep.astype(float)) == pytest.approx(unweighted_subset, abs=1e-9)
    assert math.isnan(silhouette(X, np.zeros(len(X), int)))


def test_sweep_yields_one_point_per_k_matching_kmeans(blobs) -> None:
    points = list(sweep(blobs, range(1, 6), seed=3))
    assert [p.k for p in points] == [1, 2, 3, 4, 5]
    assert all(isinstance(p, SweepPoint) for p in points)
    assert math.isnan(points[0].silhouette)
    for p in points:
        km = KMeans(p.k, seed=3).fit(blobs)
        assert p.inertia == km.inertia_ and p.n_iter == km.n_iter_
        assert p.sample_size == len(blobs) and p.seconds > 0
        if p.k > 1:
            assert p.silhouette == pytest.approx(silhouette_score(blobs, km.labels_), abs=1e-9)
    assert max(points[1:], key=lambda p: p.silhouette).k == 4  # four blobs
    inertias = [p.inertia for p in points]
    assert inertias == sorted(inertias, reverse=True)


def test_sampled_silhouette_is_seeded_and_close(blobs) -> None:
    a = list(sweep(blobs, [4], seed=5, silhouette_sample=150))
    b = list(sweep(blobs, [4], seed=5, silhouette_sample=150))
    full = list(sweep(blobs, [4], seed=5))
    assert a[0].sample_size == 150 and full[0].sample_size == 400
    assert a[0].silhouette == b[0].silhouette
    assert a[0].silhouette == pytest.approx(full[0].silhouette, abs=0.05)


def test_sweep_passes_algorithm_and_metric(blobs) -> None:
    (point,) = sweep(blobs, [4], seed=0, algorithm="kmedoids", metric="manhattan")
    km = KMeans(4, seed=0, algorithm="kmedoids", metric="manhattan").fit(blobs)
    assert point.inertia == km.inertia_
    assert point.silhouette == pytest.approx(
        silhouette_score(blobs, km.labels_, metric="manhattan"), abs=1e-9
    )


def test_sweep_is_lazy_so_it_can_be_cancelled(blobs, monkeypatch) -> None:
    fits = []

    class CountingKMeans(KMeans):
        def fit(self, X, sample_weight=None, **kwargs):
            fits.append(self.n_clusters)
            return super().fit(X, sample_weight, **kwargs)

    monkeypatch.setattr(sweep_module, "KMeans", CountingKMeans)
    stream = sweep(blobs, range(2, 9), seed=0)
    assert fits == []
    next(stream)
    stream.close()
    assert fits == [2]


def test_sweep_cancels_between_iterations_of_a_fit(blobs) -> None:
    """A fit of 300 iterations stops at the first poll that says cancelled: no point for it."""
    polls = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) > 12

    kwargs = dict(algorithm="gradient", learning_rate=1e-4, tol=0.0, max_iter=300)
    points = list(sweep(blobs, [2, 3], seed=0, cancelled=cancelled, **kwargs))
    assert points == []
    assert len(polls) == 13


@pytest.mark.parametrize("algorithm", ["lloyd", "gradient", "minibatch", "kmedoids"])
def test_sweep_over_k_does_not_retrace_repeatedly(algorithm, caplog) -> None:
    """k changes every array shape; TensorFlow warns when a function retraces on most calls."""
    X, _ = make_blobs(n_samples=3000, centers=5, n_features=2, random_state=1)
    with caplog.at_level("WARNING", logger="tensorflow"):
        points = list(sweep(X, range(1, 11), seed=0, algorithm=algorithm))
    assert len(points) == 10
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"ks": []}, "empty"),
        ({"ks": [2, 0]}, "at least 1"),
        ({"ks": 5}, "range or list"),
        ({"ks": [2], "silhouette_sample": 1}, "silhouette_sample"),
        ({"ks": [2], "learning_rate": 0.1}, "learning_rate"),
    ],
)
def test_sweep_input_errors(blobs, kwargs, word) -> None:
    with pytest.raises(KMeansInputError, match=word):
        next(sweep(blobs, **kwargs))


_SWEEP_SCRIPT = """
import numpy as np
from kmeans_gui.engine import KMeans, sweep
rng = np.random.default_rng(0)
for d in (4, 9):  # direct and GEMM distances
    X = rng.normal(size=(150, d)) + rng.integers(0, 3, size=(150, 1)) * 4
    list(sweep(X, range(2, 12), seed=0))
    for k in range(2, 12):
        KMeans(k, seed=k, n_init=2).fit(X)
"""


def test_sweeps_and_fits_over_k_log_no_retracing_warning() -> None:
    """TensorFlow warns (at most twice per function and process) when most calls of a function
    retrace; a fresh process, so that no earlier test has used up the warnings."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run(
        [sys.executable, "-c", _SWEEP_SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert "retracing" not in run.stderr + run.stdout


def test_fits_over_k_trace_nothing_new() -> None:
    """After the first k, other k of the same data reuse every traced graph."""
    from kmeans_gui.engine import kernels

    X = np.random.default_rng(3).normal(size=(500, 3))
    KMeans(2, seed=0).fit(X)
    list(iterate(X, 2, seed=0))
    before = kernels.tracing_count()
    for k in (3, 7, 9, 17):
        KMeans(k, seed=0, n_init=2).fit(X)
        list(iterate(X, k, seed=0))
    assert kernels.tracing_count() == before
