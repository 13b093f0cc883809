"""Choosing k: the sweep's inertia and scores against scikit-learn, and the gap statistic."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from kmeans_gui.engine import (
    KMeans,
    KMeansInputError,
    SweepPoint,
    iterate,
    suggest_k,
    sweep,
)

# The package exports the function ``sweep``, which hides the module of the same name.
sweep_module = importlib.import_module("kmeans_gui.engine.choose_k")


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=400, centers=4, n_features=3, random_state=9, cluster_std=1.2)
    return X + 1e3


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
            assert p.silhouette == pytest.approx(silhouette_score(blobs, km.labels_), rel=1e-9)
            assert p.calinski_harabasz == pytest.approx(
                calinski_harabasz_score(blobs - 1e3, km.labels_), rel=1e-9
            )
            assert p.davies_bouldin == pytest.approx(
                davies_bouldin_score(blobs - 1e3, km.labels_), rel=1e-9
            )
        else:
            assert math.isnan(p.calinski_harabasz) and math.isnan(p.davies_bouldin)
        assert p.gap_se > 0 and p.n_rows == 400 and p.sample_note == "all 400 rows"
    assert max(points[1:], key=lambda p: p.silhouette).k == 4  # four blobs
    inertias = [p.inertia for p in points]
    assert inertias == sorted(inertias, reverse=True)


def test_sampled_silhouette_is_seeded_and_close(blobs) -> None:
    a = list(sweep(blobs, [4], seed=5, silhouette_sample=150))
    b = list(sweep(blobs, [4], seed=5, silhouette_sample=150))
    full = list(sweep(blobs, [4], seed=5))
    assert a[0].sample_size == 150 and full[0].sample_size == 400
    assert a[0].silhouette == b[0].silhouette and a[0].gap == b[0].gap
    assert a[0].silhouette == pytest.approx(full[0].silhouette, abs=0.05)
    assert a[0].sample_note == "a seeded sample of 150 of 400 rows"


def separated_blobs(k: int, d: int, seed: int, n: int = 600) -> np.ndarray:
    """k Gaussian blobs (sd 0.8) with centres uniform in [-15, 15]^d, at least 8 apart."""
    rng = np.random.default_rng(seed)
    centres: list[np.ndarray] = []
    while len(centres) < k:
        c = rng.uniform(-15, 15, d)
        if all(np.linalg.norm(c - other) >= 8 for other in centres):
            centres.append(c)
    return np.array(centres)[rng.integers(0, k, n)] + rng.normal(0, 0.8, (n, d))


@pytest.mark.parametrize(("true_k", "d", "seed"), [(2, 2, 0), (3, 2, 1), (5, 4, 2)])
def test_gap_rule_picks_the_true_k_of_well_separated_blobs(true_k, d, seed) -> None:
    """The 1-SE rule (and the best silhouette) find k. (On blobs grouped in far-apart groups
    the rule can stop at the groups: it takes the first k the gap does not clearly beat.)"""
    X = separated_blobs(true_k, d, seed, n=400)
    points = list(sweep(X, range(1, true_k + 4), seed=seed, n_init=3))
    assert all(math.isfinite(p.gap) and p.gap_se > 0 for p in points)
    suggested = suggest_k(points)
    assert suggested.gap == true_k
    assert suggested.silhouette == true_k


def test_gap_on_uniform_data_suggests_one_cluster() -> None:
    X = np.random.default_rng(0).uniform(0, 1, size=(600, 2))
    points = list(sweep(X, range(1, 5), seed=0, gap_references=20))
    assert suggest_k(points).gap == 1


def test_gap_can_be_switched_off_and_respects_weights(blobs) -> None:
    (off,) = sweep(blobs, [3], seed=0, gap_references=0)
    assert math.isnan(off.gap) and math.isnan(off.gap_se)
    (plain,) = sweep(blobs, [4], seed=0, gap_references=4)
    (scaled,) = sweep(blobs, [4], seed=0, gap_references=4, sample_weight=np.full(400, 3.0))
    assert scaled.gap == pytest.approx(plain.gap, rel=1e-9)  # only relative weights matter


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
    stream = sweep(blobs, range(2, 9), seed=0, gap_references=3)
    assert fits == []
    next(stream)
    stream.close()
    assert fits == [2] * 4  # the data and the three reference sets


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


@pytest.fixture
def fresh_tracing_detector(monkeypatch):
    """TensorFlow's frequent-retracing detector, started afresh for one test.

    It is process-wide and warns at most twice per function, so without this the outcome
    depends on which tests ran before.
    """
    module = importlib.import_module(
        "tensorflow.python.eager.polymorphic_function.polymorphic_function"
    )
    if not hasattr(module, "_frequent_tracing_detector_manager"):
        pytest.skip("this TensorFlow has no frequent-retracing detector to reset")
    monkeypatch.setattr(
        module, "_frequent_tracing_detector_manager", module._FrequentTracingDetectorManager()
    )


@pytest.mark.parametrize("algorithm", ["lloyd", "gradient", "minibatch", "kmedoids"])
def test_sweep_over_k_does_not_retrace_repeatedly(algorithm, caplog, fresh_tracing_detector):
    """k changes every array shape; TensorFlow warns when a function traces 5 times within its
    last 10 calls.

    One gap reference set: a function traced anew for every k then traces on every other call
    and is caught (with the default ten, ten reference fits per k would hide it).
    """
    X, _ = make_blobs(n_samples=300, centers=5, n_features=2, random_state=1)
    with caplog.at_level("WARNING", logger="tensorflow"):
        points = list(sweep(X, range(2, 8), seed=0, algorithm=algorithm, gap_references=1))
    assert len(points) == 6
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"ks": []}, "empty"),
        ({"ks": [2, 0]}, "at least 1"),
        ({"ks": 5}, "range or list"),
        ({"ks": [2], "silhouette_sample": 1}, "silhouette_sample"),
        ({"ks": [2], "gap_references": -1}, "gap_references"),
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
ks = range(2, 9)  # TensorFlow warns once 5 of a function's last calls retraced: 7 k are plenty
for d in (4, 9):  # direct and GEMM distances
    X = rng.normal(size=(150, d)) + rng.integers(0, 3, size=(150, 1)) * 4
    list(sweep(X, ks, seed=0, gap_references=1))  # more would hide a trace per k
    for k in ks:
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
