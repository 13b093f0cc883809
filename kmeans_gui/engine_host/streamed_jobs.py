"""The engine child's jobs for a table too large for the window: run it streamed, export it.

The window shows a sample (``data.sample_table``) and sends the file's path; the child reads
the file itself, a piece at a time, and runs ``engine.StreamedKMeans`` on every row. Each
state it sends carries the labels of the sample's rows only, and its centroids in the units of
the window's (sample's) features, so the window draws it as any run. The last finished run's
labels stay in the child (in temporary files) until the next run, for File > Export labelled
data, which writes every row of the file.

TensorFlow and the data layer are imported inside the jobs: the window's process imports this
module (through the job registry) and must never load TensorFlow.
"""

from __future__ import annotations

import atexit
import dataclasses
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

#: The last finished streamed run of this process, kept for its export.
_LAST: dict[str, Any] = {}


def _forget() -> None:
    scratch = _LAST.pop("scratch", None)
    _LAST.clear()
    if scratch is not None:
        scratch.close()


atexit.register(_forget)


def run_streamed(
    path: str,
    n_clusters: int,
    *,
    features: dict[str, Any],
    sample: dict[str, Any],
    chunk_rows: int | None = None,
    **kwargs: Any,
) -> Iterator[Any]:
    """``StreamedKMeans`` on every row of ``path``: one state per iteration, with the labels
    of the sample's rows (``sample["positions"]``, the file rows of the sample's used rows)
    and centroids in the sample's fit units (``sample["offset"]``, ``sample["scale"]``).

    ``features``: ``columns``, ``missing``, ``scale``, ``weight_column`` as the window chose
    them; the whole file's statistics decide the filling and the scaling.
    """
    from kmeans_gui.data.scratch_files import DiskScratch
    from kmeans_gui.data.streamed_features import feature_stats
    from kmeans_gui.data.table_stream import DEFAULT_CHUNK_ROWS, open_table_stream
    from kmeans_gui.engine.errors import KMeansInputError
    from kmeans_gui.engine.streamed import StreamedKMeans
    from kmeans_gui.engine.streamed_data import ChunkedRows, RowChunk

    from .jobs import compact_labels

    algorithm = kwargs.pop("algorithm", "lloyd")
    if algorithm != "lloyd":
        raise KMeansInputError(
            f"a table this large runs Lloyd's algorithm, streamed through the engine; "
            f"choose Lloyd, not {algorithm}"
        )
    init = kwargs.pop("init", "k-means||")
    if isinstance(init, str) and init == "k-means++":
        warnings.warn(
            "k-means++ needs every row in memory; this large table starts from k-means|| "
            "(its few-pass form) instead",
            stacklevel=2,
        )
        init = "k-means||"
    _forget()
    table = open_table_stream(path, chunk_rows or DEFAULT_CHUNK_ROWS)
    positions = np.asarray(sample["positions"], np.int64)
    stats = feature_stats(
        table,
        features.get("columns"),
        missing=features.get("missing", "drop"),
        scale=features.get("scale", "none"),
        weight_column=features.get("weight_column"),
        locate=positions,
    )
    fitted = stats.finished(features.get("scale", "none"))
    track = stats.located
    if track is not None and (track < 0).any():
        raise RuntimeError("the sample's rows are not all in the file's fit; open it again")
    offset = np.asarray(sample["offset"], np.float64)
    scale = np.asarray(sample["scale"], np.float64)
    if not isinstance(init, str):  # placed on the plot: the sample's units -> the file's
        init = fitted.to_fit_units(np.asarray(init, np.float64) * scale + offset)
    needed = [*fitted.columns, *([fitted.weight_column] if fitted.weight_column else [])]

    def read() -> Iterator[Any]:
        for piece in table.pieces(needed):
            matrix = fitted.piece(piece)
            if matrix.n_used:
                yield RowChunk(matrix.X, matrix.weights, piece.unit)

    scratch = DiskScratch()
    model = StreamedKMeans(n_clusters, init=init, track=track, scratch=scratch, **kwargs)
    finished = False
    try:
        for state in model.states(ChunkedRows(read)):
            centroids = (fitted.to_user_units(state.centroids) - offset) / scale
            labels = compact_labels(state.labels, len(centroids))
            yield dataclasses.replace(state, centroids=centroids, labels=labels)
        finished = True
    finally:
        if finished:
            _LAST.update(
                scratch=scratch,
                model=model,
                table=table,
                features=fitted,
                metric=kwargs.get("metric", "euclidean"),
            )
        else:
            scratch.close()


def export_streamed(path: str) -> str:
    """Every row of the last finished streamed run's file, with its cluster and distance, to
    ``path`` (written piece by piece; atomically, as ``cluster --stream --out`` writes)."""
    from kmeans_gui.data import write_all
    from kmeans_gui.data.export_stream import labelled_columns, plan_streamed_write
    from kmeans_gui.streamed_output import labelled_frames, labels_by_unit, settled_centroids

    if "model" not in _LAST:
        raise RuntimeError(
            "the engine no longer holds that run's labels (it was restarted); run again, then "
            "export"
        )
    model, table, features = _LAST["model"], _LAST["table"], _LAST["features"]
    metric = _LAST["metric"]
    centroids = features.to_user_units(np.asarray(model.cluster_centers_, np.float64))
    if metric == "euclidean":
        centroids = settled_centroids(table, features, model.labels_, centroids)
    frames = labelled_frames(
        table,
        features,
        labels_by_unit(model.labels_, features),
        features.to_fit_units(centroids),
        metric,
    )
    plan = plan_streamed_write(frames, labelled_columns(table.columns), path, source=table.loaded())
    return str(write_all([plan])[0])
