"""A sweep over k as a model: its request, its points as they arrive, whether it runs.

The sweep view draws what this holds and forwards the user's intent (sweep these ks, cancel,
pick a k); nothing is read back from the view. The engine is the same as for
:class:`~kmeans_gui.app.run_session.RunSession`, with ``sweep(matrix, weights, ks, kwargs,
**callbacks)``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal


class SweepSession(QObject):
    """Signals: ``started(n_ks)``, ``pointAdded(point)``, ``finished(summary)`` (also after a
    cancel or an error), ``failed(exception)``, ``warned(text)``."""

    started = Signal(int)
    pointAdded = Signal(object)
    finished = Signal(str)
    failed = Signal(object)
    warned = Signal(str)

    def __init__(self, engine: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.points: list[Any] = []  # SweepPoint, in the order computed
        self.ks: list[int] = []
        self._job: Any = None

    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self, features: Any, ks: list[int], kwargs: dict[str, Any]) -> None:
        """Sweep ``ks`` on ``features`` (a FeatureMatrix); a running sweep is cancelled first."""
        self.cancel()
        self.points = []
        self.ks = list(ks)
        job: Any = None

        def on_item(point: Any) -> None:
            if job is self._job:
                self.points.append(point)
                self.pointAdded.emit(point)

        def on_done(cancelled: bool) -> None:
            if job is self._job:
                self._job = None
                n = len(self.points)
                self.finished.emit(
                    f"cancelled after {n} values of k" if cancelled else f"done: {n} values of k"
                )

        def on_error(exc: Exception) -> None:
            if job is self._job:
                self.failed.emit(exc)

        job = self.engine.sweep(
            features.X,
            features.weights,
            self.ks,
            kwargs,
            on_item=on_item,
            on_done=on_done,
            on_error=on_error,
            on_warning=self.warned.emit,
        )
        self._job = job
        self.started.emit(len(self.ks))

    def cancel(self) -> None:
        """Stop inside the current fit; ``finished`` follows once the engine has let go."""
        if self._job is not None:
            self._job.cancel()

    def clear(self) -> None:
        """New data: the points belong to the old features."""
        if self._job is not None:
            job, self._job = self._job, None
            job.cancel()
        self.points = []
        self.ks = []
