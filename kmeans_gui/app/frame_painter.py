"""Drawing the run session's frames: the scatter, the side views, the status line, the slider.

The scatter follows every frame; the side views (sizes, inertia curve, status fields), whose
repaints cost more than the scatter's, follow at most about eight times a second while the
animation plays (a moment after the scatter, never in the same turn of the event loop), and
at once on the frame where it stops. What to draw comes from the
:class:`~kmeans_gui.app.run_session.RunSession` (its :class:`~kmeans_gui.app.picture.Picture`:
a state, a half-step or an edit); where to draw it from the window's
:class:`~kmeans_gui.app.plot_space.PlotSpace`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer

from .picture import ASSIGNMENT, EDITED, EDITING, UPDATE, Picture, trail
from .plot_space import PlotSpace
from .run_session import RunSession
from .swap_marks import SwapMarks, swap_status

SIDE_VIEW_INTERVAL_MS = 120
MAX_TRAIL = 400  # iterations of centroid trail drawn
STEP_NAMES = {
    ASSIGNMENT: " · assign",
    UPDATE: " · update",
    EDITED: " · your edit",
    EDITING: " · edited",
}

STATUS_TIPS = {
    "inertia": "Sum of squared distances of points to their centroid",
    "shift": "Summed squared centroid movement since the previous iteration",
    "changed": "Points that changed cluster in this iteration",
    "ms": "Engine time per iteration: the median time the engine spent on one update of this "
    "run so far (the start, with its initialiser and compilation, and the closing pass that "
    "settles the final centroids are left out; drawing is not included)",
}


class FramePainter(QObject):
    def __init__(
        self,
        session: RunSession,
        views: Any,  # the window: scatter, sizes_view, inertia_view, controls, status_fields
        plot_space: Callable[[], PlotSpace | None],
        trails_on: Callable[[], bool],
        parent: QObject | None = None,
        playing: Callable[[], bool] | None = None,
    ) -> None:
        """``playing`` says whether the animation plays (default: the session's playback
        plays; runs side by side are played by another clock)."""
        super().__init__(parent)
        self.session = session
        self.views = views
        self.plot_space = plot_space
        self.trails_on = trails_on
        self.playing = playing or (lambda: session.playback.playing)
        self._side_timer = QTimer(self, singleShot=True, interval=SIDE_VIEW_INTERVAL_MS)
        self._side_timer.timeout.connect(self._update_side_views)
        for key, tip in STATUS_TIPS.items():
            views.status_fields[key].setToolTip(tip)
        self.swap_marks = SwapMarks(views.inertia_view)

    def redraw(self) -> None:
        """The frame shown again (after a change of plot, trails, regions or the edit)."""
        self.show(self.session.playback.index)

    def show(self, index: int) -> None:
        """Draw the session's picture at the cursor (``index``, from ``frameChanged``)."""
        session = self.session
        space = self.plot_space()
        if space is None:
            return
        picture = session.picture()
        metric = session.params.metric if session.params else "euclidean"
        if picture is None:  # before a run: the centroids placed so far, on grey points
            placed = session.edit.centroids if session.edit is not None else None
            if placed is None or not len(placed):
                self.views.scatter.clear_frame()
                return
            regions = space.regions(placed, metric)
            scatter = self.views.scatter
            scatter.show_frame(None, space.project(placed), k=len(placed), regions=regions)
            return
        frame = picture.frame
        trails = None
        if self.trails_on():
            path = trail(session.history, picture, MAX_TRAIL)
            t, k, d = path.shape
            trails = space.project(path.reshape(t * k, d)).reshape(t, k, 2)
        self.views.scatter.show_frame(
            picture.labels,
            space.project(picture.centroids),
            trails,
            k=picture.k,
            regions=space.regions(picture.centroids, metric),
            sizes=picture.sizes,
        )
        if not self.playing() or frame.final:
            self._side_timer.stop()
            self._update_side_views()
        elif not self._side_timer.isActive():  # not in the same turn of the event loop as the
            self._side_timer.start()  # scatter: two short waits for a click, not one long one

    def clear(self) -> None:
        """No run: grey points, no curve, empty status fields."""
        views = self.views
        views.scatter.clear_frame()
        views.sizes_view.set_sizes(None)
        views.inertia_view.set_curve(np.empty(0), np.empty(0), "this run")
        views.inertia_view.set_current(None, None)
        self.swap_marks.show([])
        views.controls.set_restarts({}, None)
        views.controls.set_history(0, -1, -1, "no run yet")
        views.controls.set_marks([])
        views.inertia_view.set_edits([])
        for key in ("iteration", "inertia", "shift", "changed", "ms"):
            views.status_fields[key].setText("")

    def update_history_controls(self) -> None:
        """Slider range and text, and the restarts list, for the restart shown."""
        session, controls = self.session, self.views.controls
        history = session.history
        if not len(history):
            controls.set_history(0, -1, -1, "no run yet" if session.request is None else "…")
            controls.set_restarts({}, None)
            return
        playback = session.playback
        first, last = history.restart_range(playback.restart)
        picture = session.picture()
        current = picture.iteration if picture is not None else 0
        total = history.frames[last].iteration if last >= first else 0
        more = "" if playback.complete else "+"
        text = f"iteration {current} of {total}{more}"
        if picture is not None and (playback.half_steps or picture.between):
            text += f" · {picture.step_text()}"
        controls.set_history(*playback.position_range(), playback.position, text)
        edits = [i for i in range(first, last + 1) if history.frames[i].edit is not None]
        controls.set_marks([2 * i - 1 if playback.half_steps else i for i in edits])
        controls.set_restarts(
            history.final_inertias(), playback.restart, history.frames[-1].n_restarts
        )

    def _update_side_views(self) -> None:
        session = self.session
        history = session.history
        picture = session.picture()
        if picture is None:
            return
        frame = picture.frame
        views = self.views
        views.sizes_view.set_sizes(picture.sizes)  # an edit's: the old colours, new centroids
        first, _ = history.restart_range(frame.restart)
        shown = history.frames[first : picture.index + 1]
        params = session.params
        name = params.label() if params is not None else frame.algorithm
        if frame.n_restarts > 1:
            name += f", restart {frame.restart + 1}"
        views.inertia_view.set_curve(
            np.array([f.iteration for f in shown]), np.array([f.inertia for f in shown]), name
        )
        cost = session.picture_cost(picture)
        x = frame.iteration + 0.5 if picture.between else frame.iteration
        views.inertia_view.set_current(None if cost is None else x, cost)
        views.inertia_view.set_edits([f.iteration - 0.5 for f in shown if f.edit is not None])
        self.swap_marks.show(shown)
        self._update_status(picture, cost, shown)
        self.update_history_controls()

    def _update_status(self, picture: Picture, cost: float | None, shown: list[Any]) -> None:
        fields = self.views.status_fields
        frame = picture.frame
        moved = picture.next_frame if picture.next_frame is not None else frame
        restart = f" ({frame.restart + 1}/{frame.n_restarts})" if frame.n_restarts > 1 else ""
        state = " ✓" if frame.converged and not picture.between else ""
        step = STEP_NAMES.get(picture.kind, "")
        fields["iteration"].setText(
            f"iteration {picture.iteration}{restart}{state}{step}{swap_status(frame)}"
        )
        fields["inertia"].setText("inertia –" if cost is None else f"inertia {cost:.6g}")
        fields["shift"].setText("" if picture.kind == EDITING else f"shift {moved.shift:.3g}")
        changed = 0 if picture.between else frame.n_changed
        fields["changed"].setText(f"changed {changed:,}")
        updates = [
            f.seconds for f in shown if f.iteration > 0 and not f.final and f.phase == "lloyd"
        ]
        seconds = float(np.median(updates)) if updates else frame.seconds
        fields["ms"].setText(f"engine {seconds * 1000:.1f} ms/iter")
        fields["device"].setText(frame.device)
