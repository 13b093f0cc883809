"""A table too large to show: the window plots a sample, runs stream every row of the file.

When ``jobs.load`` returns a ``SampledTable`` (``data.sample_table``), :class:`BigTableMode`
takes over three things, each through a small hook: the run session's engine (runs go to the
engine child's ``run_streamed`` job, which reads the file itself and sends, per state, the
labels of the sample's rows, so the sample animates as any table does), a banner on the plot
that says it shows a sample and of how many rows, and File > Export labelled data (every row
of the file, labelled by the child from its last finished run).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel


class StreamedRuns:
    """The run session's engine while a big table is open (``RunSession``'s ``Engine``)."""

    def __init__(self, mode: BigTableMode) -> None:
        self.mode = mode

    def run(self, matrix: Any, weights: Any, n_clusters: int, kwargs: dict, **callbacks) -> Any:
        """The run the session asks for, on the whole file: its features as chosen for the
        sample, the sample's rows to report, its units for the centroids."""
        window, table = self.mode.window, self.mode.table
        features = window.session.request.features
        spec = {
            "columns": list(features.columns),
            "missing": features.missing,
            "scale": features.scaler.kind,
            "weight_column": features.weight_column,
        }
        sample = {
            "positions": table.positions[features.row_mask],
            "offset": features.scaler.offset,
            "scale": features.scaler.scale,
        }
        return window.engine.run_streamed(
            str(table.path), n_clusters, kwargs, spec, sample, **callbacks
        )


class BigTableMode(QObject):
    """Attached to the main window; ``show(table)`` on every table the window opens."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.table: Any = None
        self.runs = StreamedRuns(self)
        self.banner = QLabel("", window.scatter)
        self.banner.setObjectName("sampleBanner")
        self.banner.hide()
        window.scatter.installEventFilter(self)

    @property
    def active(self) -> bool:
        return self.table is not None

    def show(self, table: Any) -> None:
        """Take over for a sampled table, step back for any other."""
        from kmeans_gui.data.sample_table import SampledTable  # pandas: loaded with the table

        sampled = isinstance(table, SampledTable)
        self.table = table if sampled else None
        self.window.session.engine = self.runs if sampled else self.window.engine
        if sampled:
            self.banner.setText(
                f"Showing a random sample of {len(table.frame):,} of {table.total_rows:,} rows "
                "· runs and exports use every row"
            )
            self.banner.setToolTip(
                "The file is too large to draw whole: runs stream all of it through the engine, "
                "and the sample's points take the labels of those runs."
            )
            self._place()
        self.banner.setVisible(sampled)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.active:
            self._place()
        return False

    def _place(self) -> None:
        self.banner.adjustSize()
        scatter = self.window.scatter
        self.banner.move(12, max(8, scatter.height() - self.banner.height() - 12))

    def export_labelled(self, path: str) -> None:
        """Every row of the file with its cluster and distance, written by the engine's
        process from its last finished run."""
        window = self.window
        session = window.session
        if session.computing or not len(session.history) or not session.history.frames[-1].final:
            window.show_error("let the run finish first: the export labels every row of the file")
            return
        window.statusBar().showMessage(f"Exporting every row of {self.table.path.name}…")
        window.engine.export_streamed(
            path, on_result=window.exporter.on_exported, on_error=window._on_job_failed
        )
