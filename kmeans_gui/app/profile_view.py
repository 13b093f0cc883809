"""What each cluster is, as a table: size, share, and per feature the mean, standard deviation
and median in the data's own units, the means coloured by how far they lie from the whole data's.

The numbers are :func:`kmeans_gui.data.profiles.cluster_profiles`' (what ``cluster
--profile-out`` writes), computed off the GUI thread by
:class:`~kmeans_gui.app.frame_analysis.FrameAnalysis`; this view only shows them. Columns sort
by their numbers (a click on a header), not by their text.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .palette import cluster_colours

#: The sort role: the cell's number (nan sorts below every number).
SORT_ROLE = Qt.ItemDataRole.UserRole
#: Standardised means at or beyond this many standard deviations get the full colour.
FULL_COLOUR_SD = 2.0
BELOW, ABOVE = (33, 102, 172), (178, 24, 43)  # ColorBrewer RdBu's ends: blue below, red above
HEAT_LEGEND = (
    "Mean cells are coloured by how far the cluster's mean lies from the mean of all rows, in "
    f"standard deviations of all rows: <span style='color:rgb{BELOW}'>■ below</span>, "
    f"<span style='color:rgb{ABOVE}'>■ above</span>, white alike (full colour at "
    f"±{FULL_COLOUR_SD:g} SD)."
)


def heat_colour(z: float) -> QColor | None:
    """The cell colour of a standardised mean ``z``: white at 0, blue below, red above."""
    if not math.isfinite(z):
        return None
    t = min(abs(z) / FULL_COLOUR_SD, 1.0)
    end = ABOVE if z > 0 else BELOW
    return QColor(*(round(255 + t * (c - 255)) for c in end))


def how_far(z: float) -> str:
    """'1.25 SD above the mean of all rows'."""
    if not math.isfinite(z):
        return "no spread to compare with"
    if abs(z) < 0.005:
        return "the same as the mean of all rows"
    return f"{abs(z):.2f} SD {'above' if z > 0 else 'below'} the mean of all rows"


def _number_text(column: str, value: float) -> str:
    if not math.isfinite(value):
        return ""
    if column == "size":
        return f"{int(value):,}"
    if column in ("share", "weight_share"):
        return f"{100 * value:.1f} %"
    return f"{value:.4g}"


class ProfileTableModel(QAbstractTableModel):
    """One row per cluster, the profile table's columns in its order (as the CSV has them)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns: list[str] = []
        self._values = np.empty((0, 0))
        self._heat: dict[int, np.ndarray] = {}  # column -> standardised means per cluster
        self._features: dict[int, str] = {}  # column -> feature of a mean column

    def set_profiles(self, profiles: Any | None) -> None:
        """Show a ``ClusterProfiles`` (None: empty)."""
        self.beginResetModel()
        if profiles is None:
            self._columns, self._values, self._heat, self._features = [], np.empty((0, 0)), {}, {}
        else:
            table = profiles.table
            self._columns = [str(c) for c in table.columns]
            self._values = table.to_numpy(dtype=np.float64)
            self._heat, self._features = {}, {}
            for name in profiles.standardised.columns:
                column = self._columns.index(f"mean({name})")
                self._heat[column] = profiles.standardised[name].to_numpy(dtype=np.float64)
                self._features[column] = str(name)
        self.endResetModel()

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._values)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        value = float(self._values[row, column])
        name = self._columns[column]
        if role == SORT_ROLE:
            return value if math.isfinite(value) else -math.inf
        if role == Qt.ItemDataRole.DisplayRole:
            return _number_text(name, value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column == 0 and role == Qt.ItemDataRole.DecorationRole:
            return QColor(*cluster_colours(len(self._values))[row][:3])
        z = self._heat[column][row] if column in self._heat else math.nan
        if role == Qt.ItemDataRole.BackgroundRole and column in self._heat:
            colour = heat_colour(z)
            return None if colour is None else QBrush(colour)
        if role == Qt.ItemDataRole.ForegroundRole and column in self._heat:
            return QBrush(QColor("white" if abs(z) > 0.6 * FULL_COLOUR_SD else "black"))
        if role == Qt.ItemDataRole.ToolTipRole:
            cluster = int(self._values[row, 0])
            if column in self._heat:
                return (
                    f"Cluster {cluster}: mean {self._features[column]} "
                    f"{_number_text(name, value) or 'none'}, {how_far(z)}."
                )
            return f"Cluster {cluster}: {name} {_number_text(name, value) or 'none'}"
        return None

    def value(self, row: int, column: str) -> float:
        """The number in ``row`` (model order: cluster ``row``) of ``column``."""
        return float(self._values[row, self._columns.index(column)])


class ProfileView(QWidget):
    """The profiles table with its note and heat-map legend. Emits ``exportRequested()``."""

    exportRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ProfileTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setToolTip(
            "Click a column to sort by it; the CSV export has the same columns"
        )
        self.note = QLabel("Run k-means to see what each cluster is.")
        self.note.setObjectName("quiet")
        self.note.setWordWrap(True)
        self.legend = QLabel(HEAT_LEGEND)
        self.legend.setObjectName("quiet")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip(
            "Write this table (one row per cluster) as `cluster --profile-out` writes it"
        )
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.exportRequested)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend)

    def show_profiles(self, profiles: Any | None, note: str) -> None:
        """Show ``profiles`` (a ClusterProfiles, None: none) under ``note`` (what they are of);
        the sort chosen stays."""
        self.model.set_profiles(profiles)
        self.note.setText(note)
        self.export_button.setEnabled(profiles is not None)
        if profiles is not None:
            self.table.resizeColumnsToContents()

    def set_note(self, note: str) -> None:
        self.note.setText(note)

    def shown_column(self, column: str) -> list[float]:
        """The numbers of ``column`` top to bottom as the table shows them (sorted)."""
        source = self.model.columns.index(column)
        return [
            self.proxy.index(row, source).data(SORT_ROLE) for row in range(self.proxy.rowCount())
        ]
