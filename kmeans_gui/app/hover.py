"""Tooltips on the scatter: what a point or a centroid under the mouse is.

A point: its row number in the file, its feature values as the table holds them, its cluster,
and its distance to its own and to the second-nearest centroid (in the units the fit ran in).
A centroid: its cluster, size and share, and its coordinates in the data's own units. The
point under the mouse comes from a :class:`~kmeans_gui.app.point_index.PointIndex` built once
per plot on a worker thread, so a hover costs a fraction of a millisecond at a million points;
distances are computed for the one row hovered (``engine.distances``, NumPy only).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QToolTip

from kmeans_gui.engine.distances import distance_blocks

from .point_index import PointIndex, nearest_within

POINT_RADIUS_PX = 6.0
CENTROID_RADIUS_PX = 12.0  # the centroid's halo is 24 px across
MAX_VALUES = 12  # feature values listed before "… and N more"
UNITS = {"none": "", "standard": " (standardised units)", "minmax": " (min–max units)"}


@dataclass(frozen=True, eq=False)
class HoverContext:
    """What the tooltips describe: the features shown, the table they came from, and the frame
    on screen (``labels`` (n_used,) and fit-unit ``centroids`` (K, D), None before a run)."""

    features: Any  # kmeans_gui.data.FeatureMatrix
    frame: Any  # the table's pandas DataFrame
    labels: np.ndarray | None
    centroids: np.ndarray | None
    metric: str = "euclidean"


def written(value: Any) -> str:
    """A cell as the file wrote it: floats in their shortest exact form, empty cells named."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(empty)"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _shown_columns(features: Any) -> list[str]:
    """The table columns behind the features: numeric ones, then the one-hot encoded ones."""
    return [c for c in features.columns if c not in features.encoded] + list(
        features.one_hot_columns
    )


def _listing(pairs: list[tuple[str, str]]) -> list[str]:
    lines = [f"{name}: {value}" for name, value in pairs[:MAX_VALUES]]
    if len(pairs) > MAX_VALUES:
        lines.append(f"… and {len(pairs) - MAX_VALUES} more")
    return lines


def point_text(context: HoverContext, point: int, table_row: int) -> str:
    """The tooltip of used row ``point`` (table row ``table_row``, 0-based)."""
    features, frame = context.features, context.frame
    cells = frame.iloc[table_row]
    lines = [f"Row {table_row + 1:,}"]
    lines += _listing([(c, written(cells[c])) for c in _shown_columns(features)])
    labels, centroids = context.labels, context.centroids
    if labels is None or centroids is None or not len(centroids):
        lines.append("No run yet")
        return "\n".join(lines)
    k = len(centroids)
    label = int(labels[point])
    distances = next(distance_blocks(features.X[point : point + 1], centroids, context.metric))[0]
    units = UNITS.get(features.scaler.kind, "")
    if label >= k:
        lines.append("Cluster: none (its centroid was removed)")
    else:
        lines.append(f"Cluster {label}")
        lines.append(f"Distance to its centroid: {distances[label]:.4g}{units}")
    others = [c for c in np.argsort(distances, kind="stable") if c != label]
    if others:
        c = int(others[0])
        lines.append(f"Second-nearest centroid: {c}, at {distances[c]:.4g}")
    return "\n".join(lines)


def centroid_text(context: HoverContext, cluster: int) -> str:
    """The tooltip of centroid ``cluster``: its size, share and coordinates in the data's units."""
    features, centroids = context.features, context.centroids
    lines = [f"Centroid of cluster {cluster}"]
    if context.labels is not None:
        sizes = np.bincount(context.labels, minlength=len(centroids))
        total = max(int(sizes[: len(centroids)].sum()), 1)
        size = int(sizes[cluster])
        lines.append(f"{size:,} points ({100 * size / total:.1f}% of {total:,})")
    user = features.to_user_units(centroids[cluster : cluster + 1])[0]
    lines += _listing([(name, f"{v:.6g}") for name, v in zip(features.columns, user, strict=True)])
    return "\n".join(lines)


class HoverTips(QObject):
    """Attach to a :class:`~kmeans_gui.app.scatter_view.ScatterView`; ``context()`` says what
    is on screen (None: nothing to describe). ``text`` is the tooltip last shown ("" none)."""

    def __init__(self, scatter: Any, context: Callable[[], HoverContext | None]) -> None:
        super().__init__(scatter)
        self.scatter = scatter
        self.context = context
        self.text = ""
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="point-index")
        self._indexed: tuple[Any, bool] | None = None  # (xy, jitter) the index was built for
        self._future: Future | None = None
        self._table_rows: tuple[Any, np.ndarray] | None = None  # (row_mask, its row numbers)
        scatter.scene().sigMouseMoved.connect(self._on_moved)
        scatter.frameDrawn.connect(self._ensure_index)

    # -- the index, once per plot ------------------------------------------------------------
    def _ensure_index(self) -> None:
        xy = self.scatter.xy
        key = (xy, self.scatter.style.jitter)
        if self._indexed is not None and self._indexed[0] is key[0] and self._indexed[1] == key[1]:
            return
        self._indexed = key
        self._future = (
            None if xy is None else self._pool.submit(PointIndex, self.scatter.drawn_xy())
        )

    def index(self) -> PointIndex | None:
        """The index of the points on screen, once built (None while it is being built)."""
        self._ensure_index()
        future = self._future
        return future.result() if future is not None and future.done() else None

    def _table_row(self, features: Any, point: int) -> int:
        mask = features.row_mask
        if self._table_rows is None or self._table_rows[0] is not mask:
            self._table_rows = (mask, np.flatnonzero(mask))
        return int(self._table_rows[1][point])

    # -- lookups -----------------------------------------------------------------------------
    def tip_at(self, x: float, y: float) -> str:
        """The tooltip for plot position (x, y): a centroid first (drawn on top), else a point."""
        context = self.context()
        scatter = self.scatter
        if context is None or scatter.xy is None:
            return ""
        px, py = scatter.plotItem.vb.viewPixelSize()
        if context.centroids is not None and scatter.centroids is not None:
            r = CENTROID_RADIUS_PX
            hit = nearest_within(scatter.centroids, x, y, r * px, r * py)
            if hit >= 0 and hit < len(context.centroids):
                return centroid_text(context, hit)
        index = self.index()
        if index is None or index.n_points != context.features.n_used:
            return ""
        point = index.nearest(x, y, POINT_RADIUS_PX * px, POINT_RADIUS_PX * py)
        if point < 0:
            return ""
        return point_text(context, point, self._table_row(context.features, point))

    def _on_moved(self, scene_pos: QPointF) -> None:
        vb = self.scatter.plotItem.vb
        dragging = QApplication.mouseButtons() != Qt.MouseButton.NoButton  # moving a centroid
        if dragging or not vb.sceneBoundingRect().contains(scene_pos):
            self._show("", QPoint())
            return
        point = vb.mapSceneToView(scene_pos)
        text = self.tip_at(point.x(), point.y())
        where = self.scatter.mapToGlobal(self.scatter.mapFromScene(scene_pos))
        self._show(text, where)

    def _show(self, text: str, where: QPoint) -> None:
        if text == self.text and text:
            return
        self.text = text
        if text:
            QToolTip.showText(where + QPoint(14, 10), text, self.scatter)
        else:
            QToolTip.hideText()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
