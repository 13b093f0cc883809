"""A run as a model: what was asked, what the engine has sent, where playback is, what it means.

The window holds views and wiring; everything a run *is* lives here, testable with a fake
engine and no TensorFlow (``tests/app/test_run_session.py``): the request (parameters, the
feature matrix it ran on, the initial centroids), the engine job, the history of states and
the playback cursor over it, the warnings and the error. The lifecycle (:class:`Phase`) is not
kept by hand: it is derived from those facts whenever one changes, and ``phaseChanged`` fires
when the derived value moves on.

The engine is anything with ``run(matrix, weights, n_clusters, kwargs, on_item=, on_done=,
on_error=, on_warning=) -> job`` whose job has ``cancel()``; callbacks arrive on the GUI
thread (see :class:`~kmeans_gui.app.engine_link.EngineLink`).

What is drawn is a :class:`~kmeans_gui.app.picture.Picture` (:meth:`RunSession.picture`): a
state, or with half-steps on the update between two states, or the user's edit. An edit (the
centroids moved, added or removed while paused) waits in ``edit`` until Resume or Step; the run
then goes on from it in a new engine job, the history keeping the frames up to the edited one
and marking the first frame after it (see :mod:`~kmeans_gui.app.history`).
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal

from .centroid_edit import CentroidEdit
from .history import Frame, RunHistory
from .picture import EDITING, Picture, alternates, cost, picture_at
from .playback import Playback
from .run_parameters import RunParameters

LIVE_COST_ROWS = 250_000  # up to this many rows, an edit's cost follows the mouse (~10 ms)


class Phase(enum.Enum):
    IDLE = "idle"  # no run
    STARTING = "starting"  # asked for; the engine has sent nothing yet
    RUNNING = "running"  # playing (the engine may still be computing ahead)
    PAUSED = "paused"  # frames to show, not playing
    STOPPED = "stopped"  # stopped by the user; what was computed stays
    FAILED = "failed"  # the engine raised or died; what was computed stays
    FINISHED = "finished"  # the engine is done and the animation has shown it all


class Engine(Protocol):
    def run(self, matrix: Any, weights: Any, n_clusters: int, kwargs: dict, **callbacks) -> Any: ...


@dataclass(frozen=True)
class RunRequest:
    """One run: the parameters, the features it clusters and the initial centroids (fit
    units) when the user placed them; ``edited``: it goes on from the user's edit of another
    run's centroids (one restart: the edit is the start)."""

    params: RunParameters
    features: Any  # kmeans_gui.data.FeatureMatrix
    init: np.ndarray | None = None
    edited: bool = False

    def engine_kwargs(self) -> dict[str, Any]:
        kwargs = self.params.engine_kwargs()
        if self.init is not None:
            kwargs["init"] = self.init
        if self.edited:
            kwargs["n_init"] = 1
        return kwargs


def press_pause(model: Any) -> bool:
    """The pause button (or Space) on a run model with ``pause_action()``, ``pause()`` and
    ``resume()``: pause, resume or replay; False when there is nothing to act on."""
    action = model.pause_action()
    if action is None:
        return False
    if action == "Pause":
        model.pause()
    else:
        model.resume()
    return True


class RunSession(QObject):
    """Signals: ``phaseChanged(Phase)``; ``frameChanged(index)`` for the frame to draw (flat
    index into ``history``); ``historyChanged()`` when frames arrive or the shown restart
    changes; ``warned(text)``; ``failed(exception)``; ``message(text)`` for the status line;
    ``finished()`` once per run, when it has ended (finished, stopped or failed) and its
    animation is done (again after a run has gone on from an edit); ``editChanged()`` when the
    pending edit changes."""

    phaseChanged = Signal(object)
    frameChanged = Signal(int)
    historyChanged = Signal()
    warned = Signal(str)
    failed = Signal(object)
    message = Signal(str)
    finished = Signal()
    editChanged = Signal()

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.playback = Playback(self)
        self.request: RunRequest | None = None
        self.warnings: list[str] = []
        self.error: BaseException | None = None
        self._job: Any = None
        self._stopped = False
        self._finished = True  # ``finished`` has been emitted for the current run (or none)
        self._step_pending = False  # a step asked for before the engine delivered its frame
        self._phase = Phase.IDLE
        self.edit: CentroidEdit | None = None  # the user's edit, not run yet
        # The edit being run: drawn over the frame it was made on until the cursor moves on.
        self._going_on: CentroidEdit | None = None
        self._going_on_index = -1
        self._first_edit: tuple[int | None, ...] | None = None  # Frame.edit of the next state
        self._iteration_offset = 0  # iterations before the edit the engine's states go on from
        self._half_steps_wanted = False
        self._costs: dict[int, float | None] = {}  # update frames' cost, by history index
        self.playback.frameChanged.connect(self._on_cursor_moved)
        self.playback.frameChanged.connect(self.frameChanged)
        self.playback.playingChanged.connect(self._on_playing_changed)
        self.playback.ended.connect(self._on_playback_ended)

    # ------------------------------------------------------------------ facts
    @property
    def history(self) -> RunHistory:
        return self.playback.history

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def computing(self) -> bool:
        """The engine is still working on this run."""
        return self._job is not None

    @property
    def params(self) -> RunParameters | None:
        return self.request.params if self.request else None

    @property
    def half_steps(self) -> bool:
        """Half-steps are on and mean something for this run's algorithm."""
        return self.playback.half_steps

    def picture(self) -> Picture | None:
        """What to draw for the cursor: the state, the half-step or the edit shown."""
        playback = self.playback
        index = playback.index
        if not 0 <= index < len(self.history):
            return None
        shown = picture_at(self.history, index, half=playback.half, half_steps=playback.half_steps)
        if self.edit is not None:
            return shown.with_edit(self.edit)
        if self._going_on is not None and index == self._going_on_index and not playback.half:
            return shown.with_edit(self._going_on)  # until the engine's state is shown
        return shown

    def picture_cost(self, picture: Picture) -> float | None:
        """The cost of a picture: a state's inertia, or computed for an update or an edit
        (None where a point has no centroid, or for an edit of a large table while it moves)."""
        if not picture.between:
            return picture.frame.inertia
        if self.request is None:
            return None
        features, metric = self.request.features, self.request.params.metric
        if picture.kind == EDITING:  # changes with every move of the mouse: not kept
            live = len(features.X) <= LIVE_COST_ROWS
            return cost(features.X, features.weights, picture, metric) if live else None
        if picture.index not in self._costs:
            self._costs[picture.index] = cost(features.X, features.weights, picture, metric)
        return self._costs[picture.index]

    def why_not_edit(self) -> str | None:
        """Why the centroids cannot be edited now, or None when they can."""
        if self.request is not None and not len(self.history):
            return "Wait for the run's first iteration to edit its centroids."
        if self.playback.playing:
            return "Pause (Space) to move, add or remove centroids."
        return None

    def current(self) -> tuple[Frame, np.ndarray] | None:
        """The frame shown and its labels, or None before the first state."""
        index = self.playback.index
        if not 0 <= index < len(self.history):
            return None
        return self.history.frames[index], self.history.labels(index)

    def can_step(self) -> bool:
        """There is a frame after the one shown, or the engine will send one."""
        if self.request is None:
            return False
        if self.edit is not None:
            return True  # the run goes on from the edit
        _, last = self.history.restart_range(self.playback.restart)
        return self.computing or self.playback.index < last

    def can_stop(self) -> bool:
        return self.computing or (self.request is not None and not self._finished)

    def pause_action(self) -> str | None:
        """What the pause button does now: "Pause", "Resume", "Replay", or None (nothing)."""
        if self.request is None or (not len(self.history) and not self.computing):
            return None
        if self.edit is not None:
            return "Resume"  # from the edited centroids
        if self.playback.playing:
            return "Pause"
        if self.playback.at_end():
            return "Replay"
        return "Resume"

    # ------------------------------------------------------------------ intents
    def start(self, request: RunRequest, *, paused: bool = False) -> None:
        """Forget the current run and start ``request`` (shown paused at its first state)."""
        self._abandon()
        self.playback.clear()
        self.warnings = []
        self._going_on, self._first_edit = None, None
        self._iteration_offset = 0
        self._launch(request, paused=paused)
        self._set_edit(None)

    def _launch(self, request: RunRequest, *, paused: bool) -> None:
        """Start the engine job for ``request`` (on the history the playback holds)."""
        self.request = request
        self.error = None
        self._stopped = False
        self._finished = False
        self._step_pending = False
        self._costs = {}
        self._apply_half_steps()
        features = request.features
        job: Any = None

        def on_item(state: Any) -> None:
            if job is self._job:
                self._on_state(state)

        def on_done(cancelled: bool) -> None:
            if job is self._job:
                self._on_engine_done()

        def on_error(exc: Exception) -> None:
            if job is self._job:
                self._on_error(exc)

        def on_warning(text: str) -> None:
            if job is self._job:
                self.warnings.append(text)
                self.warned.emit(text)

        job = self.engine.run(
            features.X,
            features.weights,
            request.params.k,
            request.engine_kwargs(),
            on_item=on_item,
            on_done=on_done,
            on_error=on_error,
            on_warning=on_warning,
        )
        self._job = job
        if not paused:
            self.playback.play()
        self.message.emit("Going on from the edited centroids…" if request.edited else "Running…")
        self.historyChanged.emit()
        self._update_phase()

    def toggle(self) -> bool:
        """Space: pause, resume or replay; False when there is no run to act on."""
        return press_pause(self)

    def pause(self) -> None:
        self._step_pending = False
        self.playback.pause()
        self._update_phase()

    def resume(self) -> None:
        """Play on from the frame shown (from the restart's start if at its end), or from the
        edited centroids."""
        if self.request is None:
            return
        if self.edit is not None:
            self._go_on(paused=False)
            return
        self.playback.play()  # at the end: from the restart's first frame again
        self._update_phase()

    def step(self) -> None:
        """One frame on; if the engine has not sent it yet, show it as soon as it does."""
        if self.request is None:
            return
        if self.edit is not None:
            self._go_on(paused=True)
            self._step_pending = True  # to the first state after the edit, once it comes
            self._update_phase()
            return
        if not self.playback.step() and self.computing:
            self._step_pending = True
        self._update_phase()

    def stop(self) -> None:
        """Stop computing within one iteration; what was computed stays and can be scrubbed."""
        self._step_pending = False
        self.playback.pause()
        if self._job is not None:
            self._stopped = True
            self._job.cancel()  # on_done follows once the engine has let go
            self.message.emit("Stopping…")
        else:
            self._stopped = self._stopped or not self.playback.at_end()
            self._end()
        self._update_phase()

    def reset(self) -> None:
        """Forget the run: no request, no history, no edit."""
        self._abandon()
        self.playback.clear()
        self.request = None
        self.warnings = []
        self.error = None
        self._stopped = False
        self._finished = True
        self._going_on, self._first_edit = None, None
        self._set_edit(None)
        self.historyChanged.emit()
        self._update_phase()

    def seek(self, position: int) -> None:
        """Show the frame (or half-step) at ``position``; an edit not run yet is dropped."""
        self.playback.pause()
        self._set_edit(None)
        self.playback.seek(position)
        self._update_phase()

    def show_restart(self, restart: int) -> None:
        """Jump to a restart's final state (picked from the restart list)."""
        self.playback.pause()
        self._set_edit(None)
        self.playback.show_restart(restart, from_start=False)
        self.historyChanged.emit()
        self._update_phase()

    def set_speed(self, iterations_per_second: float) -> None:
        self.playback.set_speed(iterations_per_second)

    def set_half_steps(self, on: bool) -> None:
        """Show the update between two states as a frame of its own, where the run's
        algorithm alternates the two (see :mod:`~kmeans_gui.app.picture`)."""
        self._half_steps_wanted = bool(on)
        if self._apply_half_steps():
            self._set_edit(None)  # the edit belonged to the picture that was shown
            self.historyChanged.emit()
            self._update_phase()

    def set_edit(self, edit: CentroidEdit | None) -> None:
        """The user's edit of the shown centroids (before a run: the centroids placed), to go
        on from with Resume or Step; None drops it."""
        if edit is not None and self.why_not_edit():
            return
        self._set_edit(edit)
        self._update_phase()

    def edit_start(self, n_features: int) -> CentroidEdit:
        """The edit to change: the pending one, or the centroids on screen unchanged."""
        if self.edit is not None:
            return self.edit
        shown = self.picture()
        if shown is None:
            return CentroidEdit.empty(n_features)
        return CentroidEdit.of(shown.centroids)

    def _go_on(self, *, paused: bool) -> None:
        """Go on from the pending edit: keep the history up to the frame it was made on, start
        the engine from its centroids, mark its first state as the edit."""
        edit, request, shown = self.edit, self.request, self.picture()
        if edit is None or request is None or shown is None:
            return
        self._abandon()
        kept = self.history.keep_until(shown.index)
        self._iteration_offset = kept.frames[-1].iteration + 1
        self._going_on, self._going_on_index = edit, len(kept) - 1
        self._first_edit = shown.origin
        self.playback.adopt(kept)
        self._set_edit(None)
        params = dataclasses.replace(request.params, k=edit.k)
        going_on = RunRequest(params, request.features, edit.centroids.copy(), edited=True)
        self._launch(going_on, paused=paused)

    # ------------------------------------------------------------------ engine side
    def _on_state(self, state: Any) -> None:
        playback = self.playback
        if self._first_edit is not None:
            frame = playback.append(
                state, iteration_offset=self._iteration_offset, edit=self._first_edit
            )
            self._first_edit = None
            if playback.half_steps:
                # the screen shows the edit already: the cursor moves onto it, so that the
                # next step is the assignment that follows it
                playback.seek(playback.position + 1)
        else:
            frame = playback.append(state, iteration_offset=self._iteration_offset)
        if self._step_pending and playback.step():
            self._step_pending = False
        if frame.final or len(self.history) == 1:
            self.historyChanged.emit()
        self._update_phase()

    def _on_error(self, exc: Exception) -> None:
        self.error = exc
        self.failed.emit(exc)

    def _on_engine_done(self) -> None:
        self._job = None
        self._step_pending = False
        if self._stopped:
            self.message.emit("Stopped.")
        elif self.error is None and len(self.history):
            self.message.emit("Computed; playing back…" if self.playback.playing else "Computed.")
        self.playback.mark_complete()
        self.historyChanged.emit()
        if self._stopped or self.error is not None or not len(self.history):
            self._end()
        self._update_phase()

    def _on_playing_changed(self, playing: bool) -> None:
        if not playing and self.playback.complete and self.playback.at_end():
            return  # the animation has ended: _on_playback_ended says what comes next
        self._update_phase()

    def _on_playback_ended(self) -> None:
        history = self.history
        if self._finished or self._stopped or self.error is not None:
            self._update_phase()
            return
        if len(history) and history.frames[-1].n_restarts > 1:
            best = history.best_restart()
            if best is not None and best != self.playback.restart:
                # every restart has been shown as it arrived: now animate the winner again
                self.message.emit(
                    f"Replaying the best of {history.frames[-1].n_restarts} restarts (#{best + 1})…"
                )
                self.playback.show_restart(best, from_start=True)
                self.historyChanged.emit()
                return
        self.message.emit("Run complete.")
        self._end()
        self._update_phase()

    # ------------------------------------------------------------------ internals
    def _abandon(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self._step_pending = False

    def _on_cursor_moved(self, index: int) -> None:
        if index != self._going_on_index:
            self._going_on = None

    def _set_edit(self, edit: CentroidEdit | None) -> None:
        if edit is not self.edit:
            self.edit = edit
            self.editChanged.emit()

    def _apply_half_steps(self) -> bool:
        """Half-steps on when wanted and the run's algorithm has them; True if that changed."""
        params = self.params
        on = self._half_steps_wanted and params is not None and alternates(params.algorithm)
        changed = on != self.playback.half_steps
        self.playback.set_half_steps(on)
        return changed

    def _end(self) -> None:
        if not self._finished:
            self._finished = True
            self.finished.emit()

    def _derive_phase(self) -> Phase:
        if self.request is None:
            return Phase.IDLE
        if self.edit is not None and len(self.history):
            return Phase.PAUSED  # Resume goes on from the edit
        if self.error is not None:
            return Phase.FAILED
        if self._stopped:
            return Phase.STOPPED
        if not len(self.history):
            return Phase.STARTING
        if self.playback.playing:
            return Phase.RUNNING
        if self._finished and self.playback.at_end():
            return Phase.FINISHED
        return Phase.PAUSED

    def _update_phase(self) -> None:
        phase = self._derive_phase()
        if phase != self._phase:
            self._phase = phase
            self.phaseChanged.emit(phase)
