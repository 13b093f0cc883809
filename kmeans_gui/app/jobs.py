"""Data-layer work the window hands to worker threads: load, prepare features, export.

Each function is plain Python on ``kmeans_gui.data`` (imported lazily, so pandas loads off the
GUI thread too), run by :class:`~kmeans_gui.app.worker.WorkerPool` so a million-row file never
freezes the window. Errors are the data layer's ``DataError`` sentences, shown in a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PreparedFeatures:
    """Features for a fit plus what the data panel reports about left-out rows."""

    features: Any  # kmeans_gui.data FeatureMatrix
    left_out_rows: np.ndarray  # 1-based row numbers of the table that are not in the fit


def load(path: str, progress: Callable[[float, str], None] | None = None) -> Any:
    from kmeans_gui.data import load_table

    return load_table(path, progress=progress)


def numeric_columns(frame: Any) -> list[str]:
    from kmeans_gui.data import numeric_columns as numeric

    return [str(c) for c in numeric(frame)]


def prepare(
    frame: Any, columns: list[str], missing: str, scale: str, weight_column: str | None
) -> PreparedFeatures:
    from kmeans_gui.data import prepare_features

    features = prepare_features(
        frame, columns, missing=missing, scale=scale, weight_column=weight_column
    )
    left_out = np.flatnonzero(~np.asarray(features.row_mask, dtype=bool)) + 1
    return PreparedFeatures(features=features, left_out_rows=left_out)


def export_labelled(
    table: Any,
    features: Any,
    labels: np.ndarray,
    centroids: np.ndarray,
    algorithm: str,
    metric: str,
    path: str,
) -> str:
    """Every row of the table plus ``cluster`` and ``distance`` (to its centroid, fit units),
    the distances the CLI writes."""
    from kmeans_gui.data import export_labelled as write
    from kmeans_gui.report import centroids_and_distances

    _, distances = centroids_and_distances(
        features, labels, centroids, algorithm=algorithm, metric=metric, frame=table.frame
    )
    return str(write(table, features, labels, distances, path))


def export_centroids(
    table: Any,
    features: Any,
    labels: np.ndarray,
    centroids: np.ndarray,
    sizes: np.ndarray,
    algorithm: str,
    metric: str,
    path: str,
) -> str:
    """One row per cluster with its size and the centroid in the file's own units, as the CLI
    writes it (a k-medoids centre is its table row exactly as written)."""
    from kmeans_gui.data import export_centroids as write
    from kmeans_gui.data import final_centroids

    user = final_centroids(
        features, labels, centroids, algorithm=algorithm, metric=metric, frame=table.frame
    )
    return str(write(features, user, sizes, path, source=table, user_units=True))
