"""The "Scores" dock: how good the finished run is, and how it holds against a column.

Top: the run's mean silhouette (exact up to 20,000 rows, on a seeded sample beyond, which it
says), Calinski–Harabasz and Davies–Bouldin, the numbers ``cluster --json`` reports. Below: a
reference column (species, diagnosis…) with the adjusted Rand index, normalised mutual
information and the contingency table of clusters × classes, each row's largest cell in bold.
The panel only shows what it is given; :mod:`~kmeans_gui.app.run_analysis` computes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .palette import cluster_colours

NO_REFERENCE = "(none)"
WAITING = "Run k-means: the scores of the finished run show here."
TIPS = {
    "silhouette": "Mean silhouette in the run's metric and scaling: from -1 to 1, higher is "
    "better (points closer to their own cluster than to the next)",
    "calinski_harabasz": "Calinski–Harabasz: between- over within-cluster dispersion, higher is "
    "better",
    "davies_bouldin": "Davies–Bouldin: mean similarity of each cluster to its closest one, lower "
    "is better (0 is best)",
}


def _number(value: float, spec: str) -> str:
    return "–" if value != value else format(value, spec)  # nan: undefined (one cluster)


class ScoresPanel(QWidget):
    """Signals ``referenceChosen(column)`` ("" for none)."""

    referenceChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.score_labels = {key: QLabel("–") for key in TIPS}
        self.score_note = QLabel(WAITING)
        self.score_note.setWordWrap(True)
        self.score_note.setObjectName("note")
        form = QFormLayout()
        for key, title in (
            ("silhouette", "Silhouette"),
            ("calinski_harabasz", "Calinski–Harabasz"),
            ("davies_bouldin", "Davies–Bouldin"),
        ):
            label = self.score_labels[key]
            label.setToolTip(TIPS[key])
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(title, label)

        self.reference_combo = QComboBox()
        self.reference_combo.setToolTip(
            "A column to hold the clusters against (text or integers: species, diagnosis…)"
        )
        self.reference_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.reference_combo.setMinimumContentsLength(10)
        self.reference_combo.currentIndexChanged.connect(self._on_reference)
        self.agreement_label = QLabel("")
        self.agreement_label.setWordWrap(True)
        self.agreement_label.setToolTip(
            "Adjusted Rand index (1: the same partition, about 0: chance) and normalised mutual "
            "information (1: the same, 0: independent), as scikit-learn computes them"
        )
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setToolTip("Rows of each cluster (rows) in each class of the column (columns)")
        reference = QFormLayout()
        reference.addRow("Compare with", self.reference_combo)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.score_note)
        layout.addLayout(reference)
        layout.addWidget(self.agreement_label)
        layout.addWidget(self.table, 1)
        self.key_label = QLabel("")  # the colour key when points are coloured by a column
        self.key_label.setWordWrap(True)
        self.key_label.setTextFormat(Qt.TextFormat.RichText)
        self.key_label.hide()
        layout.addWidget(self.key_label)
        self._updating = False
        self.set_columns([])

    # -- scores ------------------------------------------------------------------------------
    def show_scores(self, scores: Any, n_rows: int, iteration: int) -> None:
        """A ``ClusterScores`` of the run's result at ``iteration`` over ``n_rows`` rows."""
        self.score_labels["silhouette"].setText(_number(scores.silhouette, ".4f"))
        self.score_labels["calinski_harabasz"].setText(_number(scores.calinski_harabasz, ".6g"))
        self.score_labels["davies_bouldin"].setText(_number(scores.davies_bouldin, ".4f"))
        if scores.silhouette_sample is not None:
            on = (
                f"Silhouette on a seeded sample of {scores.silhouette_sample:,} of "
                f"{n_rows:,} rows (exact up to 20,000); the others over every row."
            )
        else:
            on = f"Exact, over all {n_rows:,} rows."
        self.score_note.setText(f"The result at iteration {iteration}. {on}")

    def clear_scores(self, text: str = WAITING) -> None:
        for label in self.score_labels.values():
            label.setText("–")
        self.score_note.setText(text)

    # -- the reference column ----------------------------------------------------------------
    def set_columns(self, columns: Sequence[str]) -> None:
        """The table's columns to choose a reference from (back to none)."""
        self._updating = True
        try:
            self.reference_combo.clear()
            self.reference_combo.addItem(NO_REFERENCE, "")
            for column in columns:
                self.reference_combo.addItem(str(column), str(column))
        finally:
            self._updating = False
        self.clear_comparison()

    def reference(self) -> str:
        """The column chosen ("" none)."""
        return self.reference_combo.currentData() or ""

    def choose_reference(self, column: str) -> None:
        index = self.reference_combo.findData(column)
        self.reference_combo.setCurrentIndex(max(index, 0))

    def show_comparison(self, comparison: Any) -> None:
        """A ``report.Comparison``: ARI, NMI and the contingency table."""
        missing = (
            f"; {comparison.n_missing:,} rows without a class left out"
            if comparison.n_missing
            else ""
        )
        self.agreement_label.setText(
            f"ARI {comparison.ari:.4f} · NMI {comparison.nmi:.4f} over "
            f"{comparison.n_compared:,} rows{missing}."
        )
        table = comparison.contingency
        counts = table.to_numpy()
        k, n_classes = counts.shape
        self.table.clear()
        self.table.setRowCount(k)
        self.table.setColumnCount(n_classes)
        self.table.setHorizontalHeaderLabels([str(c) for c in table.columns])
        self.table.setVerticalHeaderLabels([f"cluster {c}" for c in table.index])
        colours = cluster_colours(k)
        bold = QFont()
        bold.setBold(True)
        for row in range(k):
            best = int(counts[row].argmax()) if n_classes else -1
            header = QTableWidgetItem(f"cluster {table.index[row]}")
            r, g, b, _ = (int(v) for v in colours[row])
            header.setForeground(QBrush(QColor(r, g, b)))
            self.table.setVerticalHeaderItem(row, header)
            for column in range(n_classes):
                item = QTableWidgetItem(f"{int(counts[row, column]):,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == best and counts[row, column] > 0:
                    item.setFont(bold)
                self.table.setItem(row, column, item)

    def clear_comparison(self, text: str = "") -> None:
        self.agreement_label.setText(text)
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)

    def cells(self) -> list[list[int]]:
        """The contingency table's counts as shown (for tests and copying)."""
        return [
            [
                int(self.table.item(r, c).text().replace(",", ""))
                for c in range(self.table.columnCount())
            ]
            for r in range(self.table.rowCount())
        ]

    def set_colour_key(self, html: str) -> None:
        """The key of the column the points are coloured by ("" hides it)."""
        self.key_label.setText(html)
        self.key_label.setVisible(bool(html))

    def _on_reference(self) -> None:
        if not self._updating:
            self.referenceChosen.emit(self.reference())
