"""What a finished streamed run reports, for the command line and the window's engine alike.

A streamed run's labels are a scratch column (``engine.streamed``) and its table is read a
piece at a time (``data.table_stream``); these helpers put the two together, as
``report.py`` does for a run held in memory: the centroids settled to the means of the values
as written (``data.centroids.settled``), the labels of each unit in table order (gathered from
the workers of a sharded run), and the labelled pieces an export writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from kmeans_gui.data import labelled_frame
from kmeans_gui.data.centroids import residual_sums, settled
from kmeans_gui.data.streamed_features import StreamedFeatures
from kmeans_gui.data.table_stream import StreamedTable
from kmeans_gui.engine.distances import assigned_distances

if TYPE_CHECKING:  # the engine's collective loads TensorFlow: only a streamed run needs it
    from kmeans_gui.engine.distributed import Collective


def settled_centroids(
    table: StreamedTable,
    features: StreamedFeatures,
    labels: Any,
    centroids: np.ndarray,
    units: Callable[[int], bool] | None = None,
    collective: Collective | None = None,
) -> np.ndarray:
    """``final_centroids``' settled means for a streamed run: one pass over this worker's
    pieces with their labels, the residual sums added up over the workers."""
    collective = collective or _single()
    k, d = centroids.shape
    sums, total = np.zeros((k, d)), np.zeros(k)
    reader = labels.reader()
    needed = [*features.columns, *([features.weight_column] if features.weight_column else [])]
    for piece in table.pieces(needed, units):
        matrix = features.piece(piece)
        if not matrix.n_used:
            continue
        mine = np.empty(matrix.n_used, labels.dtype)
        reader.read_into(mine)
        s, t = residual_sums(matrix, piece.frame, mine.astype(np.intp), centroids)
        sums += s
        total += t
    packed = collective.sum(np.concatenate([sums.reshape(-1), total]))
    return settled(
        centroids, packed[: k * d].reshape(k, d), packed[k * d :], features.low, features.high
    )


def labels_by_unit(
    labels: Any,
    features: StreamedFeatures,
    collective: Collective | None = None,
    chief: bool = True,
) -> Iterator[tuple[int, np.ndarray]]:
    """(unit, its rows' labels) for every unit with used rows, in the table's order.

    One worker's labels are its own scratch column, read in order; in a sharded run the chief
    (who writes) receives each other worker's units through the collective, a unit at a time,
    while that worker sends them: every worker runs this same sequence of exchanges.
    """
    collective = collective or _single()
    reader = labels.reader()
    dtype = labels.dtype
    count = collective.count
    chief_index = 0
    if count > 1:
        flags = collective.gather(np.array([1.0 if chief else 0.0]))
        chief_index = int(np.argmax([f[0] for f in flags]))
    for unit, used in enumerate(features.unit_used.tolist()):
        if not used:
            continue
        owner = unit % count
        mine = owner == collective.index
        own = np.empty(used, dtype)
        if mine and reader.read_into(own) != used:
            raise RuntimeError(f"the labels of unit {unit} are incomplete")
        if count == 1 or owner == chief_index:
            yield unit, own.astype(np.int64)
            continue
        yield unit, collective.sum(own if mine else np.zeros(used, dtype)).astype(np.int64)


def labelled_frames(
    table: StreamedTable,
    features: StreamedFeatures,
    labels: Iterator[tuple[int, np.ndarray]],
    centroids: np.ndarray,
    metric: str,
) -> Callable[[], Iterator[Any]]:
    """The pass ``plan_streamed_write`` writes: every piece with its labels and distances."""

    def frames() -> Iterator[Any]:
        unit, pending, taken = -1, np.empty(0, np.int64), 0
        for piece in table.pieces():
            matrix = features.piece(piece)
            if matrix.n_used and piece.unit != unit:
                unit, pending = next(labels)
                taken = 0
                if unit != piece.unit:
                    raise RuntimeError(f"labels of unit {unit} arrived for unit {piece.unit}")
            mine = pending[taken : taken + matrix.n_used]
            taken += matrix.n_used
            distances = assigned_distances(matrix.X, centroids, mine, metric)
            yield labelled_frame(piece.frame, matrix, mine, distances)

    return frames


def _single() -> Collective:
    """The one-process collective (imported here: it loads TensorFlow)."""
    from kmeans_gui.engine.distributed import Collective

    return Collective()
