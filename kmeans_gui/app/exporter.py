"""Exports from the window: labelled data and centroids through the data layer (in a
background job, atomically, as the command line writes them), and the plot as PNG or SVG.

The run exported is the run session's frame on screen; the table is the window's. File
dialogs start in the folder last used for exports (or for tables, never inside the package).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog

from . import jobs
from .animation_dialog import AnimationExporter
from .history import Frame
from .plot_export import RunTitle, write_plot


class Exporter:
    """File > Export… for the main window (``window``: its session, table, preferences,
    background jobs, scatter view, ``show_error`` and ``exported`` signal)."""

    def __init__(self, window) -> None:
        self.window = window
        self.animation = AnimationExporter(window, self.on_exported)

    # ------------------------------------------------------------------ export
    def _current_result(self) -> tuple[np.ndarray, Frame] | None:
        current = self.window.session.current()
        if current is None:
            self.window.show_error("run k-means first: there are no clusters to export yet")
            return None
        frame, labels = current
        return labels, frame

    def _save_path(self, title: str, default_name: str, filters: str) -> str | None:
        preferences = self.window.preferences
        folder = preferences.folder("exports")
        path, _ = QFileDialog.getSaveFileName(
            self.window, title, str(Path(folder) / default_name), filters
        )
        if path:
            preferences.set_folder("exports", path)
        return path or None

    @staticmethod
    def _export_filter() -> str:
        from kmeans_gui.data import SAVE_FILTER  # pandas is loaded by now (a table is open)

        return SAVE_FILTER

    def _stem(self) -> str:
        path = self.window.table_path
        return Path(path).stem if path else "clusters"

    def export_labelled_dialog(self) -> None:
        if self._current_result() is None:
            return
        path = self._save_path(
            "Export labelled data",
            f"{self._stem()}_labelled.csv",
            self._export_filter(),
        )
        if path:
            self.export_labelled(path)

    def export_labelled(self, path: str) -> None:
        """Write every row of the table with its cluster and distance (rows left out: empty)."""
        result = self._current_result()
        if result is None:
            return
        big = getattr(self.window, "big_table", None)
        if big is not None and big.active:  # a sampled table: the engine labels every row
            big.export_labelled(path)
            return
        labels, frame = result
        algorithm, metric = self._run_method()
        self.window.statusBar().showMessage(f"Exporting {Path(path).name}…")
        self.window.background.run(
            jobs.export_labelled,
            self.window.table,
            self.window.session.request.features,
            np.asarray(labels, dtype=np.int64),
            frame.centroids,
            algorithm,
            metric,
            path,
            on_result=self.on_exported,
            on_error=self.window.show_exception,
        )

    def export_centroids_dialog(self) -> None:
        if self._current_result() is None:
            return
        path = self._save_path(
            "Export centroids", f"{self._stem()}_centroids.csv", self._export_filter()
        )
        if path:
            self.export_centroids(path)

    def export_centroids(self, path: str) -> None:
        result = self._current_result()
        if result is None:
            return
        labels, frame = result
        algorithm, metric = self._run_method()
        self.window.background.run(
            jobs.export_centroids,
            self.window.table,
            self.window.session.request.features,
            np.asarray(labels, dtype=np.int64),
            frame.centroids,
            frame.sizes,
            algorithm,
            metric,
            path,
            on_result=self.on_exported,
            on_error=self.window.show_exception,
        )

    def export_profiles_dialog(self) -> None:
        if self._current_result() is None:
            return
        path = self._save_path(
            "Export cluster profiles", f"{self._stem()}_profiles.csv", self._export_filter()
        )
        if path:
            self.export_profiles(path)

    def export_profiles(self, path: str) -> None:
        """The profiles of the frame shown (one row per cluster), as ``cluster --profile-out``."""
        analysis = self.window.frame_analysis
        if not analysis.export_profiles(path, self.on_exported, self.window.show_exception):
            self.window.show_error("run k-means first: there are no clusters to export yet")

    def _run_method(self) -> tuple[str, str]:
        """(algorithm, metric) of the run being exported."""
        params = self.window.session.params
        return (params.algorithm, params.metric) if params else ("lloyd", "euclidean")

    def on_exported(self, path: str) -> None:
        self.window.statusBar().showMessage(f"Wrote {path}", 8000)
        self.window.exported.emit(path)

    def export_plot_dialog(self) -> None:
        path = self._save_path(
            "Export plot", f"{self._stem()}_plot.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.export_plot(path)

    def export_animation_dialog(self) -> None:
        self.animation.dialog()

    def plot_title(self) -> str:
        """The title line of an exported plot: file, k, algorithm, initialiser, iteration,
        inertia of the frame on screen."""
        path = self.window.table_path
        name = Path(path).name if path else "clusters"
        params = self.window.session.params
        current = self.window.session.current()
        if params is None or current is None:
            return RunTitle(name).line()
        frame, _ = current
        title = RunTitle(name, len(frame.centroids), params.algorithm, params.init, params.metric)
        return title.line(frame.iteration, frame.inertia, restart=(frame.restart, frame.n_restarts))

    def export_plot(self, path: str) -> None:
        """The scatter with its legend under a title line, as PNG (twice the screen resolution)
        or SVG, by extension (:func:`~kmeans_gui.app.plot_export.write_plot`)."""
        target = Path(path)
        reason = ""
        if not target.parent.is_dir():
            reason = f"the folder {target.parent} does not exist"
        else:
            try:
                write_plot(self.window.scatter, self.plot_title(), path)
            except OSError as exc:
                reason = exc.strerror or str(exc)
        if reason or not target.is_file():
            self.window.show_error(
                f"Could not write the plot to {path}" + (f": {reason}." if reason else ".")
            )
            return
        self.on_exported(path)
