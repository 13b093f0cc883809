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


def run(X: np.ndarray, n_clusters: int, **kwargs: Any) -> Iterator[Any]:
    """``engine.iterate``: one IterationState per iteration, with compact labels."""
    stream = import_engine().iterate(X, n_clusters, **kwargs)
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


#: name -> (function, takes the shared matrix, takes ``cancelled``)
JOBS: dict[str, tuple[Callable[..., Any], bool, bool]] = {
    "engine_info": (engine_info, False, False),
    "run": (run, True, False),
    "sweep": (sweep, True, True),
    "projection": (projection, True, False),
    "run_streamed": (run_streamed, False, False),
    "export_streamed": (export_streamed, False, False),
}
