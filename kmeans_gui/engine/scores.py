"""The scores of one clustering, as the command line and the window report them.

The rows are taken as the run saw them: in its scaling, and, for the cosine metric, scaled to
unit length (the geometry spherical k-means works in). The silhouette is in the run's metric;
Calinski-Harabasz and Davies-Bouldin are Euclidean by definition (``validity.py``).
"""

from __future__ import annotations

import numpy as np

from .arrays import check_data, check_weights, unit_length
from .choices import SILHOUETTE_EXACT_ROWS
from .errors import KMeansInputError
from .silhouettes import mean_silhouette, sample_rows, silhouette
from .state import ClusterScores
from .validity import calinski_harabasz, davies_bouldin


def score_clustering(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    metric: str = "euclidean",
    device: str = "auto",
    seed: int | None = None,
    exact_rows: int = SILHOUETTE_EXACT_ROWS,
    silhouettes: np.ndarray | None = None,
) -> ClusterScores:
    """Mean silhouette, Calinski-Harabasz and Davies-Bouldin of ``labels`` on rows ``X``.

    The mean silhouette is exact when there are at most ``exact_rows`` rows (of positive
    weight), else computed on a seeded sample of ``exact_rows`` of them (``seed``), which the
    result says. Give ``silhouettes``, the per-row values of every row already computed
    (``silhouette_samples``), and their exact mean is used instead.
    """
    x = check_data(X)
    weights = check_weights(sample_weight, len(x))
    labels = np.asarray(labels)
    geometry = unit_length(x) if metric == "cosine" else x
    sampled: int | None = None
    if silhouettes is not None:
        values = np.asarray(silhouettes, dtype=np.float64)
        if values.shape != (len(x),):
            raise KMeansInputError(f"silhouettes must have one value per row ({len(x)})")
        mean = mean_silhouette(values, weights)
    else:
        rows = sample_rows(len(x), weights, exact_rows, seed)
        if rows.size < (len(x) if weights is None else np.count_nonzero(weights)):
            sampled = int(rows.size)
        sample_w = None if weights is None else weights[rows]
        mean = silhouette(x[rows], labels[rows], sample_w, metric, device)
    return ClusterScores(
        silhouette=mean,
        calinski_harabasz=calinski_harabasz(geometry, labels, weights),
        davies_bouldin=davies_bouldin(geometry, labels, weights),
        silhouette_sample=sampled,
    )
