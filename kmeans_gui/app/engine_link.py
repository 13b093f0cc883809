"""The one adapter between the engine and Qt: the engine process's replies as GUI-thread calls.

:class:`EngineLink` owns the :class:`~kmeans_gui.engine_host.EngineProcess` and delivers every
callback of every job on the GUI thread (a queued signal carries it over from the reader
thread). It shares a feature matrix with the child once, however many runs, sweeps and
projections use it. ``crashed(sentence)`` says the child died; the next job starts a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal

from kmeans_gui.engine_host import EngineProcess, Job


class EngineLink(QObject):
    """Signals: ``ready(info)`` once TensorFlow has loaded in the child (``devices``,
    ``tensorflow``), ``crashed(sentence)`` when the child dies without being asked to."""

    ready = Signal(dict)
    crashed = Signal(str)
    _delivered = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._delivered.connect(self._call, Qt.ConnectionType.QueuedConnection)
        self.process = EngineProcess(deliver=self._delivered.emit, on_crash=self.crashed.emit)
        self._shared: tuple[Any, Any, int] | None = None  # (matrix, weights, data id)
        self.info: dict[str, Any] | None = None

    @staticmethod
    def _call(function: Callable[[], None]) -> None:
        function()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the child and load TensorFlow there (``ready`` follows)."""
        if self.process.alive:
            return
        self.info = None
        self.process.submit("engine_info", on_result=self._on_info)

    def _on_info(self, info: dict[str, Any]) -> None:
        self.info = info
        self.ready.emit(info)

    def close(self) -> None:
        """Stop every job and end the child; no engine process outlives the window."""
        self.process.close()
        self._shared = None

    def process_id(self) -> int | None:
        return self.process.process_id()

    @property
    def alive(self) -> bool:
        """A child is running (False before the first job and after a crash)."""
        return self.process.alive

    # ------------------------------------------------------------------ jobs
    def share_soon(self, matrix: np.ndarray, weights: np.ndarray | None) -> None:
        """Start copying new features into shared memory now, on a worker thread, so that the
        Run that follows does not wait for the copy on the GUI thread."""
        if self._shared is None or self._shared[0] is not matrix or self._shared[1] is not weights:
            self._shared = (matrix, weights, self.process.share(matrix, weights, background=True))

    def run(
        self, matrix: np.ndarray, weights: np.ndarray | None, n_clusters: int, kwargs: dict, **cb
    ) -> Job:
        """``engine.iterate(matrix, n_clusters, **kwargs)``: ``on_item`` per IterationState."""
        return self._submit("run", matrix, weights, n_clusters, kwargs=kwargs, **cb)

    def sweep(
        self, matrix: np.ndarray, weights: np.ndarray | None, ks: list[int], kwargs: dict, **cb
    ) -> Job:
        """``engine.sweep(matrix, ks, **kwargs)``: ``on_item`` per SweepPoint."""
        return self._submit("sweep", matrix, weights, list(ks), kwargs=kwargs, **cb)

    def run_streamed(
        self, path: str, n_clusters: int, kwargs: dict, features: dict, sample: dict, **cb
    ) -> Job:
        """A streamed run on every row of the file at ``path``, read by the child itself
        (``engine_host.streamed_jobs``): ``on_item`` per state, the sample's labels in it."""
        if not self.process.alive:
            self.start()
        options = {**kwargs, "features": features, "sample": sample}
        return self.process.submit("run_streamed", path, n_clusters, kwargs=options, **cb)

    def export_streamed(self, path: str, **cb) -> Job:
        """Every row of the last streamed run's file, labelled, to ``path``: ``on_result``."""
        return self.process.submit("export_streamed", path, **cb)

    def projection(self, matrix: np.ndarray, **cb) -> Job:
        """Principal components: ``on_result({"scores", "affine", "explained"})``."""
        unweighted = self._shared is not None and self._shared[0] is matrix
        weights = self._shared[1] if unweighted else None  # the axes ignore weights
        return self._submit("projection", matrix, weights, **cb)

    def scores(
        self, matrix: np.ndarray, weights: np.ndarray | None, labels: np.ndarray, kwargs: dict, **cb
    ) -> Job:
        """``engine.score_clustering(matrix, labels, **kwargs)``: ``on_result(ClusterScores)``."""
        return self._submit("scores", matrix, weights, labels, kwargs=kwargs, **cb)

    def silhouettes(
        self, matrix: np.ndarray, weights: np.ndarray | None, labels: np.ndarray, kwargs: dict, **cb
    ) -> Job:
        """Per-row silhouettes of ``labels`` (exact, or on a seeded sample of large data):
        ``on_result({"rows", "labels", "values", "mean", "n_rows"})``."""
        return self._submit("silhouettes", matrix, weights, labels, kwargs=kwargs, **cb)

    def _submit(self, name: str, matrix: np.ndarray, weights: np.ndarray | None, *args, **cb):
        if not self.process.alive:
            self.start()  # after a crash: a new child, TensorFlow loads again
        data_id = self._data_id(matrix, weights)
        return self.process.submit(name, *args, data_id=data_id, **cb)

    def _data_id(self, matrix: np.ndarray, weights: np.ndarray | None) -> int:
        """The shared copy of (matrix, weights): made once per feature matrix."""
        shared = self._shared
        if shared is None or shared[0] is not matrix or shared[1] is not weights:
            data_id = self.process.share(matrix, weights)
            self._shared = (matrix, weights, data_id)  # holding them keeps their ids unique
            return data_id
        return shared[2]
