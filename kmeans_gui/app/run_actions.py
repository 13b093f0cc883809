"""Running k-means from the window: start, pause, step, stop, reset; drawing each frame;
click-to-place initial centroids; the sweep over k.

A mixin of :class:`~kmeans_gui.app.window.MainWindow` (it uses the window's views, playback,
worker pool and prepared features); kept apart so each file holds one part of the window.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .algorithm_panel import PLACE
from .history import Frame
from .worker import error_text, iterate_states, sweep_points

ALGORITHM_NAMES = {
    "lloyd": "Lloyd",
    "gradient": "gradient",
    "minibatch": "mini-batch",
    "kmedoids": "k-medoids",
}
MAX_TRAIL = 400  # iterations of centroid trail drawn


class RunActions:
    """Run control and frame drawing for the main window."""

    # ------------------------------------------------------------------ running
    def toggle_run(self) -> None:
        """Space: pause or resume a run in progress; otherwise start a new run."""
        if self.playback.playing:
            self.playback.pause()
        elif self.run_in_progress() and not self.playback.at_end():
            self.playback.play()
        else:
            self.start_run()

    def run_in_progress(self) -> bool:
        return self.run_worker is not None or (
            len(self.playback.history) > 0 and not self.playback.at_end()
        )

    def start_run(self, *, paused: bool = False) -> bool:
        """Start a new run with the panel's settings; False (and a message) if it cannot."""
        if self.prepared is None or self.plot_xy is None:
            self.show_error("load a table and choose at least one feature column first")
            return False
        params = self.algorithm_panel.parameters()
        init: np.ndarray | None = None
        if params.init == PLACE:
            init = self._placed_init(params.k)
            if init is None:
                self._begin_placing(params.k)
                return False
        features = self.prepared.features
        try:
            features.check_k(params.k)
            self._check_clusterable(params.metric)
        except ValueError as exc:
            self.show_error(error_text(exc))
            return False
        self._abandon_run()
        if len(self.playback.history):
            self._keep_curve_as_ghost()
        self.playback.clear()
        self._run_id += 1
        run_id = self._run_id
        self.run_params = params
        self.run_prepared = self.prepared
        self._stopped = False
        self._run_failed = False
        self._finished_emitted = False
        self._step_pending = False  # a paused start shows the initial state when it arrives
        kwargs = params.engine_kwargs()
        if init is not None:
            kwargs["init"] = init
        self.scatter.clear_placed()  # the clicked points are now the run's first centroids
        if features.weights is not None:
            kwargs["sample_weight"] = features.weights
        self.controls.set_restarts({}, 0, params.n_init)
        self.algorithm_panel.set_run_note("")
        self.run_warnings = []
        self.statusBar().showMessage(
            "Running…" if self.devices else "Loading TensorFlow, then running…"
        )
        self.warm_up_engine()  # device names for the panel, if not asked for yet
        self.run_worker = self.pool.run_stream(
            iterate_states,
            self.prepared.features.X,
            params.k,
            kwargs,
            on_item=lambda state: self._on_state(run_id, state),
            on_done=lambda: self._on_run_done(run_id),
            on_error=lambda exc: self._on_run_error(run_id, exc),
            on_warning=lambda text: self._on_run_warning(run_id, text),
        )
        if not paused:
            self.playback.play()
        self._update_pause_button()
        return True

    def _keep_curve_as_ghost(self) -> None:
        if self.run_params is None:
            return
        p = self.run_params
        name = f"{ALGORITHM_NAMES.get(p.algorithm, p.algorithm)}, {p.init}"
        self.inertia_view.keep_as_ghost(name)

    def _abandon_run(self) -> None:
        """Stop the current run's worker; its late signals are ignored (run id changes)."""
        if self.run_worker is not None:
            self.run_worker.quit()
            self.run_worker = None
        self._step_pending = False

    def _on_state(self, run_id: int, state: Any) -> None:
        if run_id != self._run_id or self._closing:
            return
        frame = self.playback.append(state)
        if frame.final:
            self._update_restarts()
        if self._step_pending and self.playback.step():
            self._step_pending = False
        self._update_history_controls()

    def _check_clusterable(self, metric: str) -> None:
        """What a run and a sweep both refuse before starting, in the CLI's words: values
        beyond the engine's float32, named by column."""
        self.prepared.features.check_float32_range(metric)

    def _on_run_warning(self, run_id: int, text: str) -> None:
        """An engine warning (e.g. sampled k-medoids): kept under the algorithm settings for
        the rest of the run, and flashed in the status bar."""
        if run_id != self._run_id or self._closing:
            return
        self.run_warnings.append(text)
        self.algorithm_panel.set_run_note(text)
        self.statusBar().showMessage(text, 15_000)

    def _on_run_error(self, run_id: int, exc: Exception) -> None:
        if run_id == self._run_id and not self._closing:
            self._run_failed = True
            self.show_error(error_text(exc))

    def _on_run_done(self, run_id: int) -> None:
        if run_id != self._run_id or self._closing:
            return
        self.run_worker = None
        self._step_pending = False
        if self._stopped:
            self.statusBar().showMessage("Stopped.", 5000)
        elif not self._run_failed:
            # "complete" only once the animation has caught up (see _on_playback_ended)
            self.statusBar().showMessage("Engine done; playing back…")
        self.playback.mark_complete()
        self._update_restarts()
        self._update_history_controls()
        if self._stopped or not len(self.playback.history):
            self._emit_finished()

    def _on_playback_ended(self) -> None:
        history = self.playback.history
        if len(history) and history.frames[-1].n_restarts > 1 and not self._stopped:
            best = history.best_restart()
            if best is not None and best != self.playback.restart and not self._finished_emitted:
                # every restart has been shown as it arrived: now animate the winner again
                self.statusBar().showMessage(
                    f"Replaying the best of {history.frames[-1].n_restarts} restarts (#{best + 1})…"
                )
                self.playback.show_restart(best, from_start=True)
                self._update_restarts()
                return
        if not self._finished_emitted and not self._stopped and not self._run_failed:
            self.statusBar().showMessage("Run complete.", 5000)
        self._update_restarts()
        self._update_pause_button()
        self._emit_finished()

    def _emit_finished(self) -> None:
        if not self._finished_emitted:
            self._finished_emitted = True
            self._update_pause_button()
            self.runFinished.emit()

    def stop_run(self) -> None:
        """Stop computing within one iteration; what was computed stays on screen and scrubbable."""
        self._step_pending = False
        self.playback.pause()
        if self.run_worker is not None:
            self._stopped = True
            self.run_worker.quit()  # runFinished follows when the worker has let go
        else:
            self._emit_finished()  # only the animation was left: it ends here
        self._update_pause_button()

    def reset_run(self) -> None:
        """Stop and forget the run: points go back to grey."""
        self._abandon_run()
        self._run_id += 1
        self.playback.clear()
        self.scatter.clear_frame()
        self.sizes_view.set_sizes(None)
        self.inertia_view.set_curve(np.empty(0), np.empty(0), "this run")
        self.inertia_view.set_current(None, None)
        self.controls.set_restarts({}, None)
        self.controls.set_history(0, -1, -1, "no run yet")
        for key in ("iteration", "inertia", "shift", "changed", "ms"):
            self.status_fields[key].setText("")
        self.run_params = None
        self._finished_emitted = True
        self._update_pause_button()
        self._forget_placed()
        self.algorithm_panel.set_run_note("")

    def _forget_placed(self) -> None:
        """Clicked centroids belong to one data set and one run: drop them and their markers."""
        self._placing = []
        self.scatter.clear_placed()
        if self.scatter.place_mode:
            self.algorithm_panel.set_place_hint(
                f"Click {self.algorithm_panel.k_spin.value()} points on the plot for the "
                "initial centroids."
            )

    def step(self) -> None:
        """Right arrow: one more iteration (starting a paused run if there is none)."""
        if not len(self.playback.history) and self.run_worker is None:
            self.start_run(paused=True)
            return
        if not self.playback.step() and self.run_worker is not None:
            self._step_pending = True  # shown as soon as the worker delivers it
        self._update_pause_button()

    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self.playback.pause()
        elif len(self.playback.history) or self.run_worker is not None:
            self.playback.play()
        else:
            self.start_run()
        self._update_pause_button()

    def _on_seek(self, index: int) -> None:
        self.playback.pause()
        self.playback.seek(index)
        self._update_pause_button()  # scrubbed back from the end: Resume, not Replay

    def _update_pause_button(self) -> None:
        """The pause button names what a click does: Pause, Resume (from the frame shown) or
        Replay (from the restart's first frame, when the shown one is its last)."""
        # Stop is live while the engine computes or the animation still has frames to show.
        self.controls.set_running(self.run_worker is not None or not self._finished_emitted)
        playing = self.playback.playing
        self.controls.set_paused(not playing and len(self.playback.history) > 0)
        if not playing and self.playback.at_end():
            self.controls.pause_button.setText("Replay")

    def _on_parameters_changed(self) -> None:
        if self.scatter.place_mode:
            self._begin_placing(self.algorithm_panel.k_spin.value())

    # ------------------------------------------------------------------ click to place
    def _on_init_mode_changed(self, place: bool) -> None:
        if place:
            self._begin_placing(self.algorithm_panel.k_spin.value())
        else:
            self.scatter.set_place_mode(False)
            self.algorithm_panel.set_place_hint("")

    def _begin_placing(self, k: int) -> None:
        self._placing = []
        self.scatter.set_place_mode(True)
        self.algorithm_panel.set_place_hint(
            f"Click {k} points on the plot for the initial centroids."
        )
        self.statusBar().showMessage(f"Click {k} initial centroids on the plot (0 of {k})")

    def _on_place_click(self, x: float, y: float) -> None:
        k = self.algorithm_panel.k_spin.value()
        if len(self._placing) >= k:
            self._placing = []
            self.scatter.set_place_mode(True)
        self._placing.append((x, y))
        self.scatter.add_placed_point(x, y)
        self.statusBar().showMessage(
            f"Click {k} initial centroids on the plot ({len(self._placing)} of {k})"
        )
        if len(self._placing) == k:
            self.algorithm_panel.set_place_hint(
                f"{k} centroids placed: Run uses them (click again to start over)."
            )
            self.start_run()

    def _placed_init(self, k: int) -> np.ndarray | None:
        """The clicked points as (k, D) initial centroids in the fit's units, if k were placed.

        Clicks are in the file's units (the plot's); the two plotted features take the clicked
        coordinates, any other feature starts at its mean over the data.
        """
        if len(self._placing) != k or self.prepared is None:
            return None
        features = self.prepared.features
        choice = self.data_panel.plot_choice()
        d = features.X.shape[1]
        user = np.tile(features.to_user_units(features.X.mean(axis=0, keepdims=True)), (k, 1))
        clicked = np.array(self._placing, dtype=np.float64)
        user[:, min(choice.x, d - 1)] = clicked[:, 0]
        user[:, min(choice.y, d - 1)] = clicked[:, 1]
        return features.to_fit_units(user)

    # ------------------------------------------------------------------ drawing a frame
    def _show_frame(self, index: int) -> None:
        history = self.playback.history
        if not 0 <= index < len(history) or self._project is None:
            return
        frame = history.frames[index]
        labels = history.labels(index)
        project = self._project
        centroids_xy = project(frame.centroids)
        trails = None
        if self.trails_action.isChecked():
            first, _ = history.restart_range(frame.restart)
            start = max(first, index - MAX_TRAIL + 1)
            path = np.stack([history.frames[i].centroids for i in range(start, index + 1)])
            t, k, d = path.shape
            trails = project(path.reshape(t * k, d)).reshape(t, k, 2)
        self.scatter.show_frame(
            labels,
            centroids_xy,
            trails,
            k=len(frame.centroids),
            regions=self._regions(frame.centroids),
        )
        # While the animation runs, the side views follow at most ~8 times a second: their
        # repaints would otherwise cost more than the scatter's and stall the event loop.
        self._side_index = index
        if not self.playback.playing or frame.final or not self._side_timer.isActive():
            self._update_side_views()
            if self.playback.playing:
                self._side_timer.start()

    def _update_side_views(self) -> None:
        """Cluster sizes, inertia curve, status bar and slider for the frame last drawn."""
        history = self.playback.history
        index = self._side_index
        if not 0 <= index < len(history):
            return
        frame = history.frames[index]
        self.sizes_view.set_sizes(frame.sizes)
        first, _ = history.restart_range(frame.restart)
        shown = history.frames[first : index + 1]
        self.inertia_view.set_curve(
            np.array([f.iteration for f in shown]),
            np.array([f.inertia for f in shown]),
            self._run_name(frame),
        )
        self.inertia_view.set_current(frame.iteration, frame.inertia)
        self._update_status(frame)
        self._update_history_controls()

    def _redraw_current(self) -> None:
        if 0 <= self.playback.index < len(self.playback.history):
            self._show_frame(self.playback.index)

    def _run_name(self, frame: Frame) -> str:
        name = ALGORITHM_NAMES.get(frame.algorithm, frame.algorithm)
        if frame.n_restarts > 1:
            name += f", restart {frame.restart + 1}"
        return name

    def _update_status(self, frame: Frame) -> None:
        f = self.status_fields
        restart = f" ({frame.restart + 1}/{frame.n_restarts})" if frame.n_restarts > 1 else ""
        state = " ✓" if frame.converged else ""
        f["iteration"].setText(f"iteration {frame.iteration}{restart}{state}")
        f["inertia"].setText(f"inertia {frame.inertia:.6g}")
        f["shift"].setText(f"shift {frame.shift:.3g}")
        f["changed"].setText(f"changed {frame.n_changed:,}")
        f["ms"].setText(f"{frame.seconds * 1000:.1f} ms/iter")
        f["device"].setText(frame.device)
        tips = {
            "inertia": "Sum of squared distances of points to their centroid",
            "shift": "Summed squared centroid movement since the previous iteration",
            "changed": "Points that changed cluster in this iteration",
            "ms": "Time the engine spent computing this iteration",
        }
        for key, tip in tips.items():
            f[key].setToolTip(tip)
        if frame.n_relocated:
            self.statusBar().showMessage(
                f"{frame.n_relocated} empty cluster(s) relocated to the farthest point", 4000
            )

    def _update_history_controls(self) -> None:
        history = self.playback.history
        if not len(history):
            self.controls.set_history(0, -1, -1, "no run yet")
            return
        first, last = history.restart_range(self.playback.restart)
        index = self.playback.index
        current = history.frames[index].iteration if 0 <= index < len(history) else 0
        total = history.frames[last].iteration if last >= first else 0
        more = "" if self.playback.complete else "+"
        self.controls.set_history(first, last, index, f"iteration {current} of {total}{more}")

    def _update_restarts(self) -> None:
        history = self.playback.history
        if not len(history):
            return
        total = history.frames[-1].n_restarts
        self.controls.set_restarts(history.final_inertias(), self.playback.restart, total)

    # ------------------------------------------------------------------ sweep over k
    def start_sweep(self, ks: list[int]) -> None:
        if self.prepared is None:
            self.show_error("load a table and choose at least one feature column first")
            return
        self.cancel_sweep()
        params = self.algorithm_panel.parameters()
        try:
            self._check_clusterable(params.metric)
        except ValueError as exc:
            self.show_error(error_text(exc))
            return
        kwargs = params.engine_kwargs()
        if self.prepared.features.weights is not None:
            kwargs["sample_weight"] = self.prepared.features.weights
        self.sweep_view.set_running(True, len(ks))
        stop = threading.Event()  # polled by the engine between iterations, not only between k
        kwargs["cancelled"] = stop.is_set
        worker = self.pool.run_stream(
            sweep_points,
            self.prepared.features.X,
            ks,
            kwargs,
            on_item=self._on_sweep_point,
            on_done=lambda: self._on_sweep_done(worker),
            on_error=self._on_worker_error,
            on_warning=lambda text: self.statusBar().showMessage(text, 15_000),
        )
        self.sweep_worker = worker
        self._sweep_stop = stop

    def _on_sweep_point(self, point: Any) -> None:
        if not self._closing:
            self.sweep_view.add_point(point)

    def _on_sweep_done(self, worker: Any) -> None:
        if self._closing:
            return
        if worker is self.sweep_worker:
            self.sweep_worker = None
            cancelled = worker.abort_requested
            n = len(self.sweep_view.points)
            self.sweep_view.finish(
                f"cancelled after {n} values of k" if cancelled else f"done: {n} values of k"
            )
            self.sweep_view.mark_k(self.algorithm_panel.k_spin.value())

    def cancel_sweep(self) -> None:
        if self.sweep_worker is not None:
            self._sweep_stop.set()
            self.sweep_worker.quit()
