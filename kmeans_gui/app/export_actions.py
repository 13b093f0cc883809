"""Exports from the window: labelled data and centroids through the data layer (in a worker,
atomically, as the command line writes them), and the plot as PNG or SVG.

A mixin of :class:`~kmeans_gui.app.window.MainWindow`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # makes pg.exporters.ImageExporter available
from PySide6.QtCore import QRect
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog

from . import jobs
from .history import Frame


class ExportActions:
    """File > Export… for the main window."""

    # ------------------------------------------------------------------ export
    def _current_result(self) -> tuple[np.ndarray, Frame] | None:
        index = self.playback.index
        if self.run_prepared is None or not 0 <= index < len(self.playback.history):
            self.show_error("run k-means first: there are no clusters to export yet")
            return None
        return self.playback.history.labels(index), self.playback.history.frames[index]

    def _save_path(self, title: str, default_name: str, filters: str) -> str | None:
        folder = self.settings.last_folder()
        path, _ = QFileDialog.getSaveFileName(
            self, title, str(Path(folder) / default_name), filters
        )
        if path:
            self.settings.set_last_folder(str(Path(path).parent))
        return path or None

    @staticmethod
    def _export_filter() -> str:
        from kmeans_gui.data import SAVE_FILTER  # pandas is loaded by now (a table is open)

        return SAVE_FILTER

    def _stem(self) -> str:
        return Path(self.table_path).stem if self.table_path else "clusters"

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
        labels, frame = result
        algorithm, metric = self._run_method()
        self.statusBar().showMessage(f"Exporting {Path(path).name}…")
        self.pool.run_call(
            jobs.export_labelled,
            self.table,
            self.run_prepared.features,
            np.asarray(labels, dtype=np.int64),
            frame.centroids,
            algorithm,
            metric,
            path,
            on_result=self._on_exported,
            on_error=self._on_worker_error,
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
        self.pool.run_call(
            jobs.export_centroids,
            self.table,
            self.run_prepared.features,
            np.asarray(labels, dtype=np.int64),
            frame.centroids,
            frame.sizes,
            algorithm,
            metric,
            path,
            on_result=self._on_exported,
            on_error=self._on_worker_error,
        )

    def _run_method(self) -> tuple[str, str]:
        """(algorithm, metric) of the run being exported."""
        params = self.run_params
        return (params.algorithm, params.metric) if params else ("lloyd", "euclidean")

    def _on_exported(self, path: str) -> None:
        self.statusBar().showMessage(f"Wrote {path}", 8000)
        self.exported.emit(path)

    def export_plot_dialog(self) -> None:
        path = self._save_path(
            "Export plot", f"{self._stem()}_plot.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.export_plot(path)

    def export_plot(self, path: str) -> None:
        """The scatter canvas as PNG (twice the screen resolution) or SVG, by extension.

        SVG goes through Qt's own QSvgGenerator (pyqtgraph's SVGExporter cannot parse the
        closing "Z" that Qt 6.12 writes into paths), with the markers drawn as shapes
        (:meth:`ScatterView.vector_export`).
        """
        target = Path(path)
        reason = ""
        if not target.parent.is_dir():
            reason = f"the folder {target.parent} does not exist"
        else:
            try:
                if path.lower().endswith(".svg"):
                    self._write_svg(path)
                else:
                    exporter = pg.exporters.ImageExporter(self.scatter.plotItem)
                    exporter.parameters()["width"] = int(self.scatter.plotItem.width() * 2)
                    exporter.export(path)
            except OSError as exc:
                reason = exc.strerror or str(exc)
        if reason or not target.is_file():
            self.show_error(
                f"Could not write the plot to {path}" + (f": {reason}." if reason else ".")
            )
            return
        self._on_exported(path)

    def _write_svg(self, path: str) -> None:
        view = self.scatter
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(view.size())
        generator.setViewBox(QRect(0, 0, view.width(), view.height()))
        generator.setTitle(f"kmeans-gui: {self._stem()}")
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError(0, "the file cannot be opened for writing")
        try:
            with view.vector_export():
                view.render(painter)
        finally:
            painter.end()
