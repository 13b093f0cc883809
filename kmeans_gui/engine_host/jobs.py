"""What the engine child can be asked to do, by name (see ``protocol.Call``).

Each job is a plain function on the engine's public API; a generator streams items. Jobs that
take the shared feature matrix get it as their first argument (and its weights as
``sample_weight``); jobs that declare ``cancelled`` get a callable that turns true once the
window has cancelled them, for work that is long between two items (a sweep's fits).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from kmeans_gui.engine.choices import SILHOUETTE_EXACT_ROWS
from kmeans_gui.tf_startup import import_engine

from .streamed_jobs import export_streamed, run_streamed


def engine_info() -> dict[str, Any]:
    """Loads TensorFlow (its start-up lines held back); the devices it found and its version."""
    engine = import_engine()
    import tensorflow as tf

    return {"devices": engine.available_devices(), "tensorflow": tf.__version__}


def compact_labels(labels: np.ndarray, k: int) -> np.ndarray:
    """Labels in the smallest unsigned type that holds k clusters: what crosses per state."""
    dtype = np.uint8 if k <= 255 else np.uint16 if k <= 65535 else np.int32
    return np.asarray(labels).astype(dtype, copy=False)


def run(
    X: np.ndarray, n_clusters: int, cancelled: Callable[[], bool] | None = None, **kwargs: Any
) -> Iterator[Any]:
    """``engine.iterate``: one IterationState per iteration, with compact labels;
    ``cancelled`` is polled between batches of swap trials (``refine="swap"``)."""
    stream = import_engine().iterate(X, n_clusters, cancelled=cancelled, **kwargs)
    try:
        for state in stream:
            k = len(state.centroids)
            yield dataclasses.replace(state, labels=compact_labels(state.labels, k))
    finally:
        stream.close()


def sweep(
    X: np.ndarray, ks: list[int], cancelled: Callable[[], bool] | None = None, **kwargs: Any
) -> Iterator[Any]:
    """``engine.sweep``: one SweepPoint per k; ``cancelled`` is polled inside each fit."""
    stream = import_engine().sweep(X, ks, cancelled=cancelled, **kwargs)
    try:
        yield from stream
    finally:
        stream.close()


def projection(X: np.ndarray, sample_weight: Any = None) -> dict[str, np.ndarray]:
    """First two principal components of X, the affine map that produced them and the share of
    the variance each explains (of the rows as given: the axes do not weigh rows).

    The projection is affine in X, so centroids are projected with the same map:
    ``[C, 1] @ affine``. Returns ``scores`` (N, 2), ``affine`` (D + 1, 2), ``explained`` (2,).
    """
    engine = import_engine()
    scores, explained = engine.principal_components(X, 2, return_explained=True)
    X = np.asarray(X, dtype=np.float64)
    centre = X.mean(axis=0)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(X), size=min(len(X), 5000), replace=False)
    design = np.column_stack([X[rows] - centre, np.ones(len(rows))])
    affine, *_ = np.linalg.lstsq(design, scores[rows], rcond=None)
    affine[-1] -= centre @ affine[:-1]  # back to [C, 1] @ affine on uncentred rows
    return {"scores": scores, "affine": affine, "explained": explained}


def scores(
    X: np.ndarray,
    labels: np.ndarray,
    metric: str = "euclidean",
    seed: int | None = None,
    device: str = "auto",
    sample_weight: Any = None,
) -> Any:
    """``engine.score_clustering``: the run's mean silhouette (exact up to 20,000 rows, on a
    seeded sample beyond), Calinski-Harabasz and Davies-Bouldin, as ``cluster --json`` has them."""
    return import_engine().score_clustering(
        X, labels, sample_weight=sample_weight, metric=metric, device=device, seed=seed
    )


def silhouettes(
    X: np.ndarray,
    labels: np.ndarray,
    metric: str = "euclidean",
    seed: int | None = 0,
    exact_rows: int = SILHOUETTE_EXACT_ROWS,
    device: str = "auto",
    sample_weight: Any = None,
) -> dict[str, Any]:
    """The silhouette of every row (``engine.silhouette_samples``), exact up to ``exact_rows``
    rows of positive weight, on a seeded sample of that many beyond (the rows the scores of a
    run use). Returns ``rows`` (indices into X), their ``labels`` and ``values``, the
    (weighted) ``mean`` and ``n_rows``, the rows of positive weight there were to sample."""
    from kmeans_gui.engine.silhouettes import mean_silhouette, sample_rows

    engine = import_engine()
    labels = np.asarray(labels)
    rows = sample_rows(len(X), sample_weight, exact_rows, seed)
    weights = None if sample_weight is None else np.asarray(sample_weight)[rows]
    values = engine.silhouette_samples(X[rows], labels[rows], weights, metric, device)
    n_rows = len(X) if sample_weight is None else int(np.count_nonzero(sample_weight > 0))
    return {
        "rows": rows,
        "labels": labels[rows],
        "values": values,
        "mean": mean_silhouette(values, weights),
        "n_rows": n_rows,
    }


#: name -> (function, takes the shared matrix, takes ``cancelled``)
JOBS: dict[str, tuple[Callable[..., Any], bool, bool]] = {
    "engine_info": (engine_info, False, False),
    "run": (run, True, True),
    "sweep": (sweep, True, True),
    "projection": (projection, True, False),
    "scores": (scores, True, False),
    "silhouettes": (silhouettes, True, False),
    "run_streamed": (run_streamed, False, False),
    "export_streamed": (export_streamed, False, False),
}
