"""Exports from the window: labelled data and centroids through the data layer (in a
background job, atomically, as the command line writes them), and the plot as PNG or SVG.

The run exported is the run session's frame on screen; the table is the window's. File
dialogs start in the folder last used for exports (or for tables, never inside the package).
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


class Exporter:
    """File > Export… for the main window (``window``: its session, table, preferences,
    background jobs, scatter view, ``show_error`` and ``exported`` signal)."""

    def __init__(self, window) -> None:
        self.window = window

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
                    plot = self.window.scatter.plotItem
                    exporter = pg.exporters.ImageExporter(plot)
                    exporter.parameters()["width"] = int(plot.width() * 2)
                    exporter.export(path)
            except OSError as exc:
                reason = exc.strerror or str(exc)
        if reason or not target.is_file():
            self.window.show_error(
                f"Could not write the plot to {path}" + (f": {reason}." if reason else ".")
            )
            return
        self.on_exported(path)

    def _write_svg(self, path: str) -> None:
        view = self.window.scatter
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
