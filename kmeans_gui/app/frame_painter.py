"""Drawing the run session's frames: the scatter, the side views, the status line, the slider.

The scatter follows every frame; the side views (sizes, inertia curve, status fields), whose
repaints cost more than the scatter's, follow at most about eight times a second while the
animation plays, and always on the frame where it stops. What to draw comes from the
:class:`~kmeans_gui.app.run_session.RunSession`; where to draw it from the window's
:class:`~kmeans_gui.app.plot_space.PlotSpace`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer

from .plot_space import PlotSpace
from .run_session import RunSession
from .swap_marks import SwapMarks, swap_status

SIDE_VIEW_INTERVAL_MS = 120
MAX_TRAIL = 400  # iterations of centroid trail drawn

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
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.views = views
        self.plot_space = plot_space
        self.trails_on = trails_on
        self._side_index = -1
        self._side_timer = QTimer(self, singleShot=True, interval=SIDE_VIEW_INTERVAL_MS)
        self._side_timer.timeout.connect(self._update_side_views)
        for key, tip in STATUS_TIPS.items():
            views.status_fields[key].setToolTip(tip)
        self.swap_marks = SwapMarks(views.inertia_view)

    def redraw(self) -> None:
        """The frame shown again (after a change of plot, trails or regions)."""
        index = self.session.playback.index
        if 0 <= index < len(self.session.history):
            self.show(index)

    def show(self, index: int) -> None:
        history = self.session.history
        space = self.plot_space()
        if not 0 <= index < len(history) or space is None:
            return
        frame = history.frames[index]
        trails = None
        if self.trails_on():
            first, _ = history.restart_range(frame.restart)
            start = max(first, index - MAX_TRAIL + 1)
            path = np.stack([history.frames[i].centroids for i in range(start, index + 1)])
            t, k, d = path.shape
            trails = space.project(path.reshape(t * k, d)).reshape(t, k, 2)
        metric = self.session.params.metric if self.session.params else "euclidean"
        self.views.scatter.show_frame(
            history.labels(index),
            space.project(frame.centroids),
            trails,
            k=len(frame.centroids),
            regions=space.regions(frame.centroids, metric),
        )
        self._side_index = index
        playing = self.session.playback.playing
        if not playing or frame.final or not self._side_timer.isActive():
            self._update_side_views()
            if playing:
                self._side_timer.start()

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
        index = playback.index
        current = history.frames[index].iteration if 0 <= index < len(history) else 0
        total = history.frames[last].iteration if last >= first else 0
        more = "" if playback.complete else "+"
        controls.set_history(first, last, index, f"iteration {current} of {total}{more}")
        controls.set_restarts(
            history.final_inertias(), playback.restart, history.frames[-1].n_restarts
        )

    def _update_side_views(self) -> None:
        history = self.session.history
        index = self._side_index
        if not 0 <= index < len(history):
            return
        frame = history.frames[index]
        views = self.views
        views.sizes_view.set_sizes(frame.sizes)
        first, _ = history.restart_range(frame.restart)
        shown = history.frames[first : index + 1]
        params = self.session.params
        name = params.label() if params is not None else frame.algorithm
        if frame.n_restarts > 1:
            name += f", restart {frame.restart + 1}"
        views.inertia_view.set_curve(
            np.array([f.iteration for f in shown]), np.array([f.inertia for f in shown]), name
        )
        views.inertia_view.set_current(frame.iteration, frame.inertia)
        self.swap_marks.show(shown)
        self._update_status(frame, shown)
        self.update_history_controls()

    def _update_status(self, frame: Any, shown: list[Any]) -> None:
        fields = self.views.status_fields
        restart = f" ({frame.restart + 1}/{frame.n_restarts})" if frame.n_restarts > 1 else ""
        state = " ✓" if frame.converged else ""
        fields["iteration"].setText(
            f"iteration {frame.iteration}{restart}{state}{swap_status(frame)}"
        )
        fields["inertia"].setText(f"inertia {frame.inertia:.6g}")
        fields["shift"].setText(f"shift {frame.shift:.3g}")
        fields["changed"].setText(f"changed {frame.n_changed:,}")
        updates = [
            f.seconds for f in shown if f.iteration > 0 and not f.final and f.phase == "lloyd"
        ]
        seconds = float(np.median(updates)) if updates else frame.seconds
        fields["ms"].setText(f"engine {seconds * 1000:.1f} ms/iter")
        fields["device"].setText(frame.device)
