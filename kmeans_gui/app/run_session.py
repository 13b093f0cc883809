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
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal

from .history import Frame, RunHistory
from .playback import Playback
from .run_parameters import RunParameters


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
    units) when the user placed them."""

    params: RunParameters
    features: Any  # kmeans_gui.data.FeatureMatrix
    init: np.ndarray | None = None

    def engine_kwargs(self) -> dict[str, Any]:
        kwargs = self.params.engine_kwargs()
        if self.init is not None:
            kwargs["init"] = self.init
        return kwargs


class RunSession(QObject):
    """Signals: ``phaseChanged(Phase)``; ``frameChanged(index)`` for the frame to draw (flat
    index into ``history``); ``historyChanged()`` when frames arrive or the shown restart
    changes; ``warned(text)``; ``failed(exception)``; ``message(text)`` for the status line;
    ``finished()`` once per run, when it has ended (finished, stopped or failed) and its
    animation is done."""

    phaseChanged = Signal(object)
    frameChanged = Signal(int)
    historyChanged = Signal()
    warned = Signal(str)
    failed = Signal(object)
    message = Signal(str)
    finished = Signal()

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
        _, last = self.history.restart_range(self.playback.restart)
        return self.computing or self.playback.index < last

    def can_stop(self) -> bool:
        return self.computing or (self.request is not None and not self._finished)

    def pause_action(self) -> str | None:
        """What the pause button does now: "Pause", "Resume", "Replay", or None (nothing)."""
        if self.request is None or (not len(self.history) and not self.computing):
            return None
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
        self.request = request
        self.warnings = []
        self.error = None
        self._stopped = False
        self._finished = False
        self._step_pending = False
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
        self.message.emit("Running…")
        self.historyChanged.emit()
        self._update_phase()

    def toggle(self) -> bool:
        """Space: pause, resume or replay; False when there is no run to act on."""
        action = self.pause_action()
        if action is None:
            return False
        if action == "Pause":
            self.pause()
        else:
            self.resume()
        return True

    def pause(self) -> None:
        self._step_pending = False
        self.playback.pause()
        self._update_phase()

    def resume(self) -> None:
        """Play on from the frame shown (from the restart's start if at its end)."""
        if self.request is None:
            return
        self.playback.play()  # at the end: from the restart's first frame again
        self._update_phase()

    def step(self) -> None:
        """One frame on; if the engine has not sent it yet, show it as soon as it does."""
        if self.request is None:
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
        """Forget the run: no request, no history."""
        self._abandon()
        self.playback.clear()
        self.request = None
        self.warnings = []
        self.error = None
        self._stopped = False
        self._finished = True
        self.historyChanged.emit()
        self._update_phase()

    def seek(self, index: int) -> None:
        self.playback.pause()
        self.playback.seek(index)
        self._update_phase()

    def show_restart(self, restart: int) -> None:
        """Jump to a restart's final state (picked from the restart list)."""
        self.playback.pause()
        self.playback.show_restart(restart, from_start=False)
        self.historyChanged.emit()
        self._update_phase()

    def set_speed(self, iterations_per_second: float) -> None:
        self.playback.set_speed(iterations_per_second)

    # ------------------------------------------------------------------ engine side
    def _on_state(self, state: Any) -> None:
        frame = self.playback.append(state)
        if self._step_pending and self.playback.step():
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

    def _end(self) -> None:
        if not self._finished:
            self._finished = True
            self.finished.emit()

    def _derive_phase(self) -> Phase:
        if self.request is None:
            return Phase.IDLE
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
