"""Centroids in the user's hands: drag one to move it, double-click to add one, right-click to
remove one, before a run or while it is paused.

:class:`CentroidHandles` is an invisible marker over each centroid the scatter draws; it takes
the mouse gestures that start on a centroid (a drag that starts elsewhere still pans the view)
and says what they mean. :class:`CentroidEditor` turns them into
:class:`~kmeans_gui.app.centroid_edit.CentroidEdit` records on the run session, through the
plot's :class:`~kmeans_gui.app.plot_space.PlotSpace`: a dragged centroid takes the two plotted
coordinates from the mouse and keeps its others; an added one takes the data's mean in the
features not plotted. Where the mouse cannot mean a point of feature space (principal
components of more than two features) or the run is playing, the gesture is answered with the
reason, in the status bar, and the view does not pan.

Before a run, the centroids placed this way are the run's initial centroids ("Click to place"
in the algorithm panel, where a single click adds one too); the panel's k follows their count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from .algorithm_panel import MAX_K
from .scatter_view import ScatterView

HANDLE_SIZE = 24  # px, the centroid's halo: what a press must hit
NOT_IN_COMPONENTS = (
    "Centroids can be moved only when the plot shows two feature columns: a point on principal "
    "components of more than two features stands for many points of feature space. Choose "
    "feature columns under Data > Plot to edit them."
)
HINT = "Drag: move · double-click: add · right-click: remove — {then} goes on from these centroids."


class CentroidHandles(pg.ScatterPlotItem):
    """Invisible press targets over the drawn centroids (plot units).

    Signals: ``dragged(index, x, y)`` while a centroid is dragged, ``dropped(index)`` when the
    drag ends, ``removeAsked(index)`` on a right-click, ``refused(reason)`` for a gesture that
    cannot be done now (``why_not()`` gives the reason, or None).
    """

    dragged = Signal(int, float, float)
    dropped = Signal(int)
    removeAsked = Signal(int)
    refused = Signal(str)

    def __init__(self, scatter: ScatterView, why_not: Any) -> None:
        super().__init__(size=HANDLE_SIZE, pen=None, brush=pg.mkBrush(0, 0, 0, 0))
        self.scatter = scatter
        self.why_not = why_not
        self.setZValue(12)
        self._dragging: int | None = None
        self._offset = QPointF()
        scatter.plotItem.addItem(self)
        scatter.frameDrawn.connect(self.follow)

    def follow(self) -> None:
        """Sit on the centroids the scatter draws now."""
        if self._dragging is not None:
            return  # the dragged centroid follows the mouse, not the redraws it causes
        centroids = self.scatter.centroids
        if centroids is None or not len(centroids):
            self.clear()
        else:
            self.setData(pos=np.asarray(centroids, dtype=np.float64))

    def paint(self, *args) -> None:
        """Nothing: the scatter draws the centroids; these only catch the mouse (and so are
        in no exported picture)."""

    def centroid_at(self, pos: QPointF) -> int | None:
        """Index of the centroid under ``pos`` (plot units), the topmost one."""
        points = self.pointsAt(pos)
        return int(points[0].index()) if len(points) else None

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            index = self.centroid_at(ev.buttonDownPos())
            if index is None:
                ev.ignore()  # not on a centroid: the view pans
                return
            ev.accept()
            reason = self.why_not()
            if reason:
                self.refused.emit(reason)
                return
            self._dragging = index
            centre = QPointF(float(self.data["x"][index]), float(self.data["y"][index]))
            self._offset = centre - ev.buttonDownPos()  # the centroid keeps its grip point
            self.scatter.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        ev.accept()
        if self._dragging is None:
            return
        point = ev.pos() + self._offset
        index = self._dragging
        if ev.isFinish():
            self._dragging = None
            self.scatter.set_place_mode(self.scatter.place_mode)  # its cursor back
        self.dragged.emit(index, float(point.x()), float(point.y()))
        if ev.isFinish():
            self.dropped.emit(index)
            self.follow()

    def mouseClickEvent(self, ev) -> None:
        index = self.centroid_at(ev.pos())
        if index is None:
            ev.ignore()
            return
        ev.accept()
        if ev.button() == Qt.MouseButton.RightButton:
            reason = self.why_not()
            if reason:
                self.refused.emit(reason)
            else:
                self.removeAsked.emit(index)

    def hoverEvent(self, ev) -> None:
        if ev.isExit() or self._dragging is not None:
            return
        if self.centroid_at(ev.pos()) is not None:
            ev.acceptDrags(Qt.MouseButton.LeftButton)
            ev.acceptClicks(Qt.MouseButton.RightButton)


class CentroidEditor(QObject):
    """The gestures as edits of the window's run session.

    ``window`` gives ``scatter``, ``session``, ``plot`` (a PlotSpace or None) and
    ``statusBar()``. Signals: ``edited(k)`` after every change (the window keeps the panel's k
    and its initialiser in step), ``placedBeforeRun()`` when a centroid is added before a run.
    """

    edited = Signal(int)
    placedBeforeRun = Signal()

    def __init__(self, window: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        scatter: ScatterView = window.scatter
        self.handles = CentroidHandles(scatter, self.why_not)
        self.handles.dragged.connect(self.move)
        self.handles.removeAsked.connect(self.remove)
        self.handles.refused.connect(self._say)
        scatter.scene().sigMouseClicked.connect(self._on_scene_clicked)
        scatter.placeClicked.connect(self._on_place_click)

    # ------------------------------------------------------------------ why not
    def why_not(self) -> str | None:
        """Why the centroids cannot be edited now (None: they can)."""
        plot = self.window.plot
        if plot is None:
            return "Load a table first."
        if not plot.can_place:
            return NOT_IN_COMPONENTS
        return self.window.session.why_not_edit()

    # ------------------------------------------------------------------ gestures
    def add(self, x: float, y: float) -> bool:
        """A centroid at plot point (x, y); False (and the reason said) if it cannot be."""
        reason = self.why_not()
        session, plot = self.window.session, self.window.plot
        edit = None if reason else session.edit_start(plot.features.X.shape[1])
        if edit is not None and edit.k >= min(MAX_K, plot.features.n_used):
            reason = f"There can be at most {min(MAX_K, plot.features.n_used):,} centroids here."
        if reason:
            self._say(reason)
            return False
        session.set_edit(edit.added(plot.to_fit_units(np.array([[x, y]]))[0]))
        self._edited()  # the panel's k first: the initialiser's change must not drop the edit
        if session.request is None:
            self.placedBeforeRun.emit()
        return True

    def move(self, index: int, x: float, y: float) -> None:
        """Centroid ``index`` to plot point (x, y), its features not plotted unchanged."""
        if self.why_not():
            return
        session, plot = self.window.session, self.window.plot
        edit = session.edit_start(plot.features.X.shape[1])
        moved = plot.moved_to(edit.centroids[index : index + 1], np.array([[x, y]]))[0]
        session.set_edit(edit.moved(index, moved))
        self._edited()

    def remove(self, index: int) -> None:
        reason = self.why_not()
        session = self.window.session
        edit = None if reason else session.edit_start(self.window.plot.features.X.shape[1])
        if edit is not None and session.request is not None and edit.k <= 1:
            reason = "A run needs at least one centroid: add another before removing this one."
        if reason:
            self._say(reason)
            return
        session.set_edit(edit.removed(index))
        self._edited()

    # ------------------------------------------------------------------ internals
    def _on_scene_clicked(self, event) -> None:
        """A double-click on empty plot adds a centroid (a single one does in place mode)."""
        if not event.double() or event.button() != Qt.MouseButton.LeftButton:
            return
        if self.window.scatter.place_mode:
            return  # its first click has added it
        point = self._plot_point(event)
        if point is not None and self.handles.centroid_at(point) is None:
            self.add(point.x(), point.y())

    def _on_place_click(self, x: float, y: float) -> None:
        if self.handles.centroid_at(QPointF(x, y)) is None:
            self.add(x, y)

    def _plot_point(self, event) -> QPointF | None:
        vb = self.window.scatter.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return None
        return vb.mapSceneToView(event.scenePos())

    def _edited(self) -> None:
        edit = self.window.session.edit
        if edit is not None:
            self.edited.emit(edit.k)
            then = "Run" if self.window.session.request is None else "Resume (or Step)"
            self._say(HINT.format(then=then), 8000)

    def _say(self, text: str, ms: int = 10_000) -> None:
        self.window.statusBar().showMessage(text, ms)
