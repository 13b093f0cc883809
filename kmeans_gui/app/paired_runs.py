"""Two runs on the same data, played in lockstep: the model behind the side-by-side view.

Comparing k-means++ with random starts, Lloyd with gradient descent, k = 4 with k = 5 or two
seeds means watching both runs at the same iteration. :class:`PairedRuns` holds two
:class:`~kmeans_gui.app.run_session.RunSession` on one engine and moves both cursors with one
clock: position t shows each run's t-th frame (or half-step) of its shown restart. A run that
has converged holds its last frame while the other goes on; a run whose engine has not sent
frame t yet holds the pair back until it does, so the two never drift apart. The sessions'
own playbacks never play. With restarts, each run is shown from the restart it streams and,
once its engine is done, from its best restart.

The adjusted Rand index of the two frames on screen (:meth:`PairedRuns.agreement`) says how
alike the two partitions are, whatever the clusters' numbers.

Signals: ``positionChanged(t)``, ``phaseChanged(Phase)``, ``historyChanged()`` (frames came,
a run ended), ``message(text)``, ``failed(exception)``, ``finished()`` once both runs have
ended and the animation has shown them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from kmeans_gui.engine.agreement import adjusted_rand_index

from .picture import alternates
from .playback import MAX_SPEED_INTERVAL_MS
from .run_session import Phase, RunRequest, RunSession, press_pause


class PairedRuns(QObject):
    positionChanged = Signal(int)
    phaseChanged = Signal(object)
    historyChanged = Signal()
    message = Signal(str)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, engine: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sessions = (RunSession(engine, self), RunSession(engine, self))
        self.position = -1
        self._playing = False
        self._step_pending = False
        self._ended = True
        self._phase = Phase.IDLE
        self._speed = 10.0
        self._half_steps_wanted = False
        self._agreement_key: tuple | None = None
        self._agreement: float | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self.set_speed(self._speed)
        for session in self.sessions:
            session.historyChanged.connect(self._on_history)
            session.playback.rangeChanged.connect(self._on_frames)
            session.failed.connect(self.failed)
            session.warned.connect(self.message)

    # ------------------------------------------------------------------ facts
    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def half_steps(self) -> bool:
        return self.sessions[0].playback.half_steps

    @property
    def started(self) -> bool:
        return all(s.request is not None for s in self.sessions)

    @property
    def computing(self) -> bool:
        return any(s.computing for s in self.sessions)

    def lengths(self) -> tuple[int, int]:
        """Positions each run can show now (in its shown restart)."""
        out = []
        for session in self.sessions:
            first, last = session.playback.position_range()
            out.append(max(last - first + 1, 0))
        return out[0], out[1]

    def last_position(self) -> int:
        return max(self.lengths()) - 1

    def complete(self) -> bool:
        """Both engines are done: no frame will come that is not there now."""
        return self.started and not self.computing

    def at_end(self) -> bool:
        return self.complete() and self.position >= self.last_position()

    def pause_action(self) -> str | None:
        """What the pause button does: "Pause", "Resume", "Replay", or None."""
        if not self.started or (self.last_position() < 0 and not self.computing):
            return None
        if self._playing:
            return "Pause"
        return "Replay" if self.at_end() else "Resume"

    def can_step(self) -> bool:
        return self.started and (self.computing or self.position < self.last_position())

    def can_stop(self) -> bool:
        return self.computing or (self.started and not self._ended)

    def agreement(self) -> float | None:
        """Adjusted Rand index of the two partitions on screen (None before both have one)."""
        pictures = [s.picture() for s in self.sessions]
        if any(p is None or p.labels is None for p in pictures):
            return None
        a, b = pictures
        key = (id(a.frame), a.kind, id(b.frame), b.kind)
        if key != self._agreement_key:
            self._agreement_key = key
            self._agreement = adjusted_rand_index(a.labels, b.labels)
        return self._agreement

    # ------------------------------------------------------------------ intents
    def start(self, a: RunRequest, b: RunRequest, *, paused: bool = False) -> None:
        """Start both runs (on the same features) and play them from their first frames (or
        show the first frames, paused)."""
        self._stop_clock()
        self.position = -1
        self._ended = False
        self._step_pending = False
        self._agreement_key = None
        for session, request in zip(self.sessions, (a, b), strict=True):
            session.start(request, paused=True)
        self._apply_half_steps()
        self.message.emit("Running both…")
        if not paused:
            self.resume()
        self._update_phase()

    def resume(self) -> None:
        """Play both on from the position shown (from the start again at the end)."""
        if not self.started:
            return
        if self.at_end():
            self._ended = False
            self._show(0)  # replay
        self._playing = True
        self._timer.start()
        self._update_phase()

    def pause(self) -> None:
        self._step_pending = False
        self._stop_clock()
        self._update_phase()

    def toggle(self) -> bool:
        """Space: pause, resume or replay; False when there is nothing to act on."""
        return press_pause(self)

    def step(self) -> None:
        """One position on for both; if a run has not sent its frame yet, as soon as it does."""
        self._stop_clock()
        if not self._advance() and self.computing:
            self._step_pending = True
        self._update_phase()

    def seek(self, position: int) -> None:
        self.pause()
        last = self.last_position()
        if last >= 0:
            self._show(min(max(position, 0), last))
        self._update_phase()

    def stop(self) -> None:
        """Stop both engines; what they computed stays and can be scrubbed."""
        self.pause()
        for session in self.sessions:
            if session.computing:
                session.stop()
        if not self.computing:
            self._end()
        self._update_phase()

    def reset(self) -> None:
        self._stop_clock()
        self.position = -1
        self._agreement_key = None
        for session in self.sessions:
            session.reset()
        self._ended = True
        self.historyChanged.emit()
        self._update_phase()

    def set_speed(self, iterations_per_second: float) -> None:
        self._speed = float(iterations_per_second)
        interval = MAX_SPEED_INTERVAL_MS if self._speed <= 0 else round(1000.0 / self._speed)
        self._timer.setInterval(max(interval, 1))

    def set_half_steps(self, on: bool) -> None:
        """Both runs in half-steps when both algorithms have them (else the same position
        would be two different iterations); the pair stays at the iteration it shows."""
        self._half_steps_wanted = bool(on)
        self._apply_half_steps()

    # ------------------------------------------------------------------ internals
    def _stop_clock(self) -> None:
        self._playing = False
        self._timer.stop()

    def _tick(self) -> None:
        if not self._advance():
            if self.at_end():
                self._stop_clock()
                self._end()
            self._update_phase()

    def _advance(self) -> bool:
        """Show the next position if every run that is still computing has sent it."""
        target = self.position + 1
        for session, length in zip(self.sessions, self.lengths(), strict=True):
            if target >= length and session.computing:
                return False  # wait for it: lockstep
        if target > self.last_position():
            return False
        self._show(target)
        return True

    def _show(self, position: int) -> None:
        self.position = position
        for session, length in zip(self.sessions, self.lengths(), strict=True):
            if length:
                first, _ = session.playback.position_range()
                session.playback.seek(first + min(position, length - 1))
        self.positionChanged.emit(position)
        if self.at_end() and not self._playing:
            self._end()

    def _apply_half_steps(self) -> None:
        params = [s.params for s in self.sessions]
        alternating = all(p is not None and alternates(p.algorithm) for p in params)
        on = self._half_steps_wanted and alternating
        was = self.half_steps
        for session in self.sessions:
            session.set_half_steps(on)
        if on != was and self.position >= 0:
            position = self.position * 2 if on else self.position // 2
            self._show(min(position, self.last_position()))

    def _on_frames(self, *_range: int) -> None:
        """A run's frames grew: show the first ones, or take a step that was waiting."""
        if self.position < 0 and self.last_position() >= 0:
            self._show(0)
        if self._step_pending and self._advance():
            self._step_pending = False
        self._update_phase()

    def _on_history(self) -> None:
        """A run began or ended: a finished run is shown from its best restart."""
        for session in self.sessions:
            history = session.history
            if session.computing or not len(history) or history.frames[-1].n_restarts < 2:
                continue
            best = history.best_restart()
            if best is not None and best != session.playback.restart:
                session.playback.show_restart(best, from_start=False)
        if self.position >= 0:
            self._show(min(self.position, max(self.last_position(), 0)))
        self._on_frames()
        if not self.computing and any(s.phase is Phase.STOPPED for s in self.sessions):
            self._end()  # stopped: what was computed stays, the pair is over
        self.historyChanged.emit()

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            stopped = any(s.phase is Phase.STOPPED for s in self.sessions)
            self.message.emit("Stopped." if stopped else "Both runs complete.")
            self.finished.emit()

    def _derive_phase(self) -> Phase:
        if not self.started:
            return Phase.IDLE
        if any(s.error is not None for s in self.sessions):
            return Phase.FAILED
        if any(s.phase is Phase.STOPPED for s in self.sessions):
            return Phase.STOPPED
        if self.last_position() < 0:
            return Phase.STARTING
        if self._playing:
            return Phase.RUNNING
        if self._ended and self.at_end():
            return Phase.FINISHED
        return Phase.PAUSED

    def _update_phase(self) -> None:
        phase = self._derive_phase()
        if phase != self._phase:
            self._phase = phase
            self.phaseChanged.emit(phase)
