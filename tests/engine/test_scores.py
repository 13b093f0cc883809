"""Calinski-Harabasz, Davies-Bouldin, ARI, NMI and a run's scores against scikit-learn."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_score,
)
from sklearn.metrics.cluster import contingency_matrix
from sklearn.preprocessing import normalize

from kmeans_gui.engine import (
    KMeans,
    adjusted_rand_index,
    calinski_harabasz,
    contingency,
    davies_bouldin,
    normalized_mutual_info,
    score_clustering,
)
from kmeans_gui.engine.validity import within_dispersion

RTOL = 1e-9


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    X, labels = make_blobs(n_samples=600, centers=5, n_features=3, random_state=7)
    return X, labels


@pytest.mark.parametrize("offset", [0.0, 1e4])
def test_calinski_harabasz_and_davies_bouldin_equal_sklearn(blobs, offset) -> None:
    """Both are translation invariant: far from the origin they still equal scikit-learn's near
    it (scikit-learn's own Davies-Bouldin loses digits there: its distances use the expansion)."""
    X, labels = blobs
    assert calinski_harabasz(X + offset, labels) == pytest.approx(
        calinski_harabasz_score(X, labels), rel=RTOL
    )
    assert davies_bouldin(X + offset, labels) == pytest.approx(
        davies_bouldin_score(X, labels), rel=RTOL
    )


def test_indices_on_any_labels_and_degenerate_cases(blobs) -> None:
    X, labels = blobs
    shuffled = np.array(["e", "d", "c", "b", "a"])[labels]
    assert calinski_harabasz(X, shuffled) == pytest.approx(calinski_harabasz_score(X, labels))
    assert math.isnan(calinski_harabasz(X, np.zeros(len(X))))
    assert math.isnan(davies_bouldin(X, np.zeros(len(X))))
    assert math.isnan(calinski_harabasz(X[:3], [0, 1, 2]))  # k == n
    same = np.zeros((6, 2))
    assert calinski_harabasz(same, [0, 0, 0, 1, 1, 1]) == 1.0  # as scikit-learn
    assert davies_bouldin(same, [0, 0, 0, 1, 1, 1]) == 0.0


def test_weights_mean_repeated_rows_for_the_dispersions(blobs) -> None:
    X, labels = blobs
    counts = np.random.default_rng(2).integers(1, 5, len(X))
    repeated, repeated_labels = np.repeat(X, counts, axis=0), np.repeat(labels, counts)
    w = counts.astype(float)
    assert davies_bouldin(X, labels, w) == pytest.approx(
        davies_bouldin_score(repeated, repeated_labels), rel=RTOL
    )
    # the ratio's (n - k) counts rows, so only relative weights matter
    n, m, k = len(X), len(repeated), 5
    assert calinski_harabasz(X, labels, w) * (m - k) / (n - k) == pytest.approx(
        calinski_harabasz_score(repeated, repeated_labels), rel=RTOL
    )
    assert calinski_harabasz(X, labels, w * 7) == pytest.approx(calinski_harabasz(X, labels, w))
    w[:100] = 0  # rows of weight 0 are left out
    assert davies_bouldin(X, labels, w) == pytest.approx(
        davies_bouldin(X[100:], labels[100:], w[100:]), rel=RTOL
    )
    dispersion = sum(((X[labels == c] - X[labels == c].mean(0)) ** 2).sum() for c in range(k))
    assert within_dispersion(X, labels) == pytest.approx(dispersion, rel=RTOL)


@pytest.mark.parametrize("seed", range(4))
def test_ari_nmi_and_contingency_equal_sklearn(seed) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.choice(np.array(["setosa", "versicolor", "virginica", "x"]), 500)
    pred = np.where(rng.random(500) < 0.7, np.unique(truth, return_inverse=True)[1], 9)
    pred = pred + rng.integers(0, 2, 500) * (seed % 2)
    assert adjusted_rand_index(truth, pred) == pytest.approx(
        adjusted_rand_score(truth, pred), rel=RTOL
    )
    assert normalized_mutual_info(truth, pred) == pytest.approx(
        normalized_mutual_info_score(truth, pred), rel=RTOL
    )
    cells = contingency(pred, truth)
    np.testing.assert_array_equal(cells.dense(), contingency_matrix(pred, truth))
    assert cells.a_values.tolist() == sorted(set(pred.tolist()))
    assert cells.n == 500


@pytest.mark.parametrize(
    ("a", "b"),
    [([0, 0, 1, 1], [0, 0, 1, 1]), ([0, 0, 1, 1], [1, 1, 0, 0]), ([0, 0, 1, 1], [0, 1, 0, 1]),
     ([0, 0, 0, 0], [0, 0, 0, 0]), ([0, 0, 0, 0], [0, 1, 2, 3]), ([0, 1, 2, 3], [0, 1, 2, 3])],
)  # fmt: skip
def test_ari_nmi_limits_equal_sklearn(a, b) -> None:
    assert adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b))
    assert normalized_mutual_info(a, b) == pytest.approx(normalized_mutual_info_score(a, b))


def test_label_metrics_load_no_tensorflow() -> None:
    code = (
        "import sys; from kmeans_gui.engine import adjusted_rand_index, calinski_harabasz, "
        "suggest_k; import kmeans_gui.engine.validity; "
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lazy_names_are_not_hidden_by_their_modules() -> None:
    """Importing a submodule sets the package attribute of its name: none may be a function's."""
    import importlib

    import kmeans_gui.engine as engine

    for name, module in engine._LAZY.items():
        imported = importlib.import_module(module, "kmeans_gui.engine")
        assert getattr(engine, name) is getattr(imported, name)


def test_score_clustering_exact_then_sampled(blobs) -> None:
    X, _ = blobs
    labels = KMeans(5, seed=0).fit(X).labels_
    exact = score_clustering(X, labels)
    assert exact.silhouette_sample is None
    assert exact.silhouette == pytest.approx(silhouette_score(X, labels), rel=RTOL)
    assert exact.calinski_harabasz == pytest.approx(calinski_harabasz_score(X, labels), rel=RTOL)
    assert exact.davies_bouldin == pytest.approx(davies_bouldin_score(X, labels), rel=RTOL)
    sampled = score_clustering(X, labels, exact_rows=200, seed=1)
    assert sampled.silhouette_sample == 200
    assert sampled == score_clustering(X, labels, exact_rows=200, seed=1)  # seeded
    assert sampled.silhouette == pytest.approx(exact.silhouette, abs=0.05)
    assert sampled.calinski_harabasz == exact.calinski_harabasz  # always on every row
    given = score_clustering(X, labels, exact_rows=200, silhouettes=np.full(len(X), 0.25))
    assert given.silhouette == 0.25 and given.silhouette_sample is None


def test_score_clustering_in_the_cosine_geometry(blobs) -> None:
    X, _ = blobs
    labels = KMeans(3, seed=0, metric="cosine").fit(X).labels_
    scores = score_clustering(X, labels, metric="cosine")
    unit = normalize(X)
    assert scores.silhouette == pytest.approx(
        silhouette_score(X, labels, metric="cosine"), rel=RTOL
    )
    assert scores.calinski_harabasz == pytest.approx(
        calinski_harabasz_score(unit, labels), rel=RTOL
    )
    assert scores.davies_bouldin == pytest.approx(davies_bouldin_score(unit, labels), rel=RTOL)
