"""Plays received iterations back at the chosen speed; the history slider scrubs the same list.

The worker may run far ahead of the animation (a small run finishes in milliseconds); states go
into a :class:`RunHistory` as they arrive and a QTimer moves a cursor through them. The cursor
stays inside one restart at a time (the one being shown), so the slider's range is that restart's
iterations.

With half-steps on (:meth:`Playback.set_half_steps`), the cursor stops twice per iteration: on
a state (``half`` False) and between it and the next, on the update that leads there (``half``
True; see :mod:`~kmeans_gui.app.picture`). Positions then count half-steps: ``2 * index + half``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from .history import Frame, RunHistory

if TYPE_CHECKING:
    from kmeans_gui.engine.state import IterationState

MAX_SPEED = 0  # iterations per second meaning "as fast as frames can be drawn"
MAX_SPEED_INTERVAL_MS = 15  # even at max speed, leave the event loop time to breathe


class Playback(QObject):
    """A cursor over a growing :class:`RunHistory`, advanced by a timer.

    Signals: ``frameChanged(index)`` whenever the shown frame changes (flat index into the
    history); ``rangeChanged(first, last)`` when the current restart's frames grow or the
    restart changes; ``playingChanged(bool)``; ``ended()`` once the stream is complete and the
    cursor has reached the final frame of the shown restart.
    """

    frameChanged = Signal(int)
    rangeChanged = Signal(int, int)
    playingChanged = Signal(bool)
    ended = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = RunHistory()
        self.index = -1
        self.restart = 0
        self.complete = False  # the worker has delivered its last state
        self.half = False  # showing the update from frame ``index`` to the next
        self._half_steps = False
        self._follow_stream = True  # move on to the next restart as it arrives
        self._playing = False
        self._ended_emitted = False
        self._speed = 10.0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._apply_speed()

    # -- stream side -----------------------------------------------------------------------
    def clear(self) -> None:
        self._timer.stop()
        self.history = RunHistory()
        self.index = -1
        self.restart = 0
        self.complete = False
        self.half = False
        self._follow_stream = True
        self._ended_emitted = False
        self._set_playing(False)
        self.rangeChanged.emit(0, -1)

    def adopt(self, history: RunHistory) -> None:
        """Go on with ``history`` (what an edit kept), shown at its last frame, paused; the
        stream that continues it is appended next."""
        self._timer.stop()
        self.history = history
        self.restart = 0
        self.complete = False
        self._follow_stream = True
        self._ended_emitted = False
        self._set_playing(False)
        self.rangeChanged.emit(*history.restart_range(0))
        self._show(len(history) - 1)

    def append(self, state: IterationState, **placing: object) -> Frame:
        """Add a state; ``placing`` goes to :meth:`RunHistory.append` (after an edit)."""
        frame = self.history.append(state, **placing)
        if frame.restart == self.restart:
            self.rangeChanged.emit(*self.history.restart_range(self.restart))
        if self.index < 0:
            self._show(0)
        return frame

    def mark_complete(self) -> None:
        """The stream has ended (finished, stopped or failed): nothing more will be appended."""
        self.complete = True
        self._maybe_end()

    # -- controls --------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, iterations_per_second: float) -> None:
        """Frames per second; :data:`MAX_SPEED` (0) draws frames as fast as they can be drawn."""
        self._speed = float(iterations_per_second)
        self._apply_speed()

    def play(self) -> None:
        first, last = self.history.restart_range(self.restart)
        if self.complete and self.index >= last >= first:
            self._ended_emitted = False
            self._show(first)  # at the end: play again from the start
        self._set_playing(True)
        self._timer.start()

    def pause(self) -> None:
        self._set_playing(False)
        self._timer.stop()

    def step(self) -> bool:
        """Show the next frame (or half-step) of the current restart; False when there is
        none yet."""
        self.pause()
        return self._advance()

    @property
    def half_steps(self) -> bool:
        return self._half_steps

    def set_half_steps(self, on: bool) -> None:
        """Stop on every update between two states too (positions count half-steps)."""
        on = bool(on)
        if on == self._half_steps:
            return
        self._half_steps = on
        self.half = False
        self.rangeChanged.emit(*self.history.restart_range(self.restart))
        if self.index >= 0:
            self._show(self.index)

    @property
    def position(self) -> int:
        """Where the cursor is, in the slider's units (frames, or half-steps)."""
        return 2 * self.index + self.half if self._half_steps else self.index

    def position_range(self) -> tuple[int, int]:
        """First and last position of the shown restart (empty -> (0, -1))."""
        first, last = self.history.restart_range(self.restart)
        if last < first or not self._half_steps:
            return first, last
        return 2 * first, 2 * last  # no update after the last state

    def seek(self, position: int) -> None:
        """Show the frame (or half-step) at ``position``, clamped to the current restart, e.g.
        from the slider."""
        first, last = self.position_range()
        if last < first:
            return
        position = min(max(position, first), last)
        if self._half_steps:
            self._show(position // 2, half=bool(position % 2))
        else:
            self._show(position)

    def show_restart(self, restart: int, *, from_start: bool) -> None:
        """Switch to another restart's frames: replay it, or jump to its final state."""
        first, last = self.history.restart_range(restart)
        if last < first:
            return
        self.restart = restart
        self._follow_stream = False
        self._ended_emitted = False
        self.rangeChanged.emit(first, last)
        self._show(first if from_start else last)
        if from_start:
            self.play()

    def at_end(self) -> bool:
        first, last = self.history.restart_range(self.restart)
        return self.complete and last >= first and self.index >= last and not self.half

    # -- internals -------------------------------------------------------------------------
    def _apply_speed(self) -> None:
        interval = MAX_SPEED_INTERVAL_MS if self._speed <= 0 else round(1000.0 / self._speed)
        self._timer.setInterval(max(interval, 1))

    def _set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playingChanged.emit(playing)

    def _tick(self) -> None:
        if not self._advance():
            if self.at_end():
                self.pause()
            self._maybe_end()

    def _advance(self) -> bool:
        frames = self.history.frames
        nxt = self.index + 1
        if nxt >= len(frames):
            return False
        if self._half_steps and frames[nxt].restart == self.restart and not self.half:
            self._show(self.index, half=True)  # the update that leads to the next state
            return True
        if frames[nxt].restart != self.restart:
            if not self._follow_stream or not frames[self.index].final:
                return False
            self.restart = frames[nxt].restart  # the stream moved on to the next restart
            self.rangeChanged.emit(*self.history.restart_range(self.restart))
        self._show(nxt)
        return True

    def _show(self, index: int, *, half: bool = False) -> None:
        self.index = index
        self.half = half
        self.frameChanged.emit(index)
        self._maybe_end()

    def _maybe_end(self) -> None:
        if self._ended_emitted or not self.complete:
            return
        frames = self.history.frames
        if not frames:
            self._ended_emitted = True
            self.pause()
            self.ended.emit()
            return
        last_restart = frames[-1].restart
        done = self.at_end() and (not self._follow_stream or self.restart == last_restart)
        if done:
            self._ended_emitted = True
            self.pause()
            self.ended.emit()
