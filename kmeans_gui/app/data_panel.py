"""Data panel: what was loaded, which columns are features, how they are scaled and plotted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kmeans_gui.data.features import MISSING_POLICIES, SCALINGS

from .preferences import DataChoices

MISSING_TITLES = {"drop": "Leave those rows out", "mean": "Fill with the column mean"}
SCALE_TITLES = {
    "none": "None (raw units)",
    "standard": "Standardise (z-score)",
    "minmax": "Min–max to [0, 1]",
}
PLOT_FEATURES = "features"
PLOT_PCA = "pca"
VISIBLE_COLUMNS = 12  # feature-list rows shown before it scrolls (fewer on a short screen)


@dataclass(frozen=True)
class FeatureChoice:
    columns: tuple[str, ...]
    missing: str  # "drop" | "mean"
    scale: str  # "none" | "standard" | "minmax"
    one_hot: tuple[str, ...] = ()  # text columns ticked: one 0/1 feature per category


@dataclass(frozen=True)
class PlotChoice:
    mode: str  # PLOT_FEATURES | PLOT_PCA
    x: int  # feature indices (for PLOT_FEATURES)
    y: int


class DataPanel(QWidget):
    """Emits ``featuresChanged`` when the fit's inputs change, ``plotChanged`` for the plot only."""

    featuresChanged = Signal()
    plotChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self._visible_columns = VISIBLE_COLUMNS
        self.file_label = QLabel("No data loaded")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shape_label = QLabel("")
        self.notes_label = QLabel("")
        self.notes_label.setWordWrap(True)
        self.notes_label.setObjectName("note")
        self.left_out_label = QLabel("")
        self.left_out_label.setWordWrap(True)
        self.session_label = QLabel("")  # whether a re-opened session gave the saved result
        self.session_label.setWordWrap(True)
        self.session_label.hide()

        self.columns_list = QListWidget()
        self.columns_list.setToolTip(
            "Feature columns used for clustering. Numeric columns are chosen by default."
        )
        self.columns_list.itemChanged.connect(self._on_columns_changed)
        self._categories: dict[str, int] = {}  # text columns that can be one-hot encoded

        # "The features' spreads differ by 1,000x …" with one click to standardise
        self.spread_label = QLabel("")
        self.spread_label.setWordWrap(True)
        self.spread_label.setObjectName("spreadNote")
        self.standardise_button = QPushButton("Standardise")
        self.standardise_button.setToolTip("Scale every feature to mean 0 and standard deviation 1")
        self.standardise_button.clicked.connect(self.standardise)
        self.spread_box = QWidget()
        spread_layout = QHBoxLayout(self.spread_box)
        spread_layout.setContentsMargins(0, 0, 0, 0)
        spread_layout.addWidget(self.spread_label, 1)
        spread_layout.addWidget(self.standardise_button, 0, Qt.AlignmentFlag.AlignTop)
        self.spread_box.hide()

        self.missing_combo = QComboBox()
        for value in MISSING_POLICIES:
            self.missing_combo.addItem(MISSING_TITLES[value], value)
        self.missing_combo.setToolTip(
            "Rows with an empty or non-finite value in a chosen feature: leave them out of the "
            "fit (they come back unlabelled in an export), or fill in the column mean."
        )
        self.scale_combo = QComboBox()
        for value in SCALINGS:
            self.scale_combo.addItem(SCALE_TITLES[value], value)
        self.scale_combo.setToolTip(
            "Scaling applied for the fit; exported centroids are in the file's own units."
        )
        self.plot_combo = QComboBox()
        self.plot_combo.addItem("Feature columns", PLOT_FEATURES)
        self.plot_combo.addItem("Principal components", PLOT_PCA)
        self.plot_combo.setItemData(
            1, "The first two principal components of the features", Qt.ItemDataRole.ToolTipRole
        )
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        for combo in (self.missing_combo, self.scale_combo):
            combo.currentIndexChanged.connect(self._emit_features)
        for combo in (self.plot_combo, self.x_combo, self.y_combo):
            combo.currentIndexChanged.connect(self._emit_plot)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Missing values", self.missing_combo)
        form.addRow("Scaling", self.scale_combo)
        form.addRow("Plot", self.plot_combo)
        form.addRow("X axis", self.x_combo)
        form.addRow("Y axis", self.y_combo)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.shape_label)
        layout.addWidget(self.notes_label)
        layout.addWidget(QLabel("Feature columns"))
        layout.addWidget(self.columns_list)
        layout.addWidget(self.spread_box)
        layout.addLayout(form)
        layout.addWidget(self.left_out_label)
        layout.addWidget(self.session_label)
        layout.addStretch(1)
        self.notes_label.hide()
        for combo in self.findChildren(QComboBox):  # let the dock be narrow; text elides
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)

    # -- filling in ------------------------------------------------------------------------
    def set_table(
        self,
        name: str,
        n_rows: int,
        columns: Sequence[str],
        numeric: Sequence[str],
        notes: Sequence[str] = (),
        chosen: Sequence[str] | None = None,
        excluded: dict[str, str] | None = None,
        categories: dict[str, int] | None = None,
    ) -> None:
        """Show a newly loaded table; ``chosen`` features default to the numeric columns not
        ``excluded`` (column -> what it looks like: 'a year'). ``categories`` are the text
        columns of few distinct values (column -> count): ticking one encodes it one-hot."""
        excluded = excluded or {}
        self._categories = dict(categories or {})
        self._updating = True
        try:
            self.file_label.setText(f"<b>{name}</b>")
            self.set_session_note("")
            self.shape_label.setText(f"{n_rows:,} rows × {len(columns)} columns")
            self.notes_label.setText("\n".join(notes))
            self.notes_label.setVisible(bool(notes))
            default = [c for c in numeric if c not in excluded]
            chosen_set = set(default if chosen is None else chosen)
            self.set_spread_note(None)
            self.columns_list.clear()
            numeric_set = set(numeric)
            for column in columns:
                item = QListWidgetItem(str(column))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if column in chosen_set else Qt.CheckState.Unchecked
                )
                if column in self._categories:
                    item.setToolTip(
                        f"text column of {self._categories[column]} categories: tick it to "
                        "one-hot encode it (one 0/1 feature per category)"
                    )
                elif column not in numeric_set:
                    item.setForeground(Qt.GlobalColor.gray)
                    item.setToolTip("text column: it cannot be a feature")
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
                elif column in excluded:
                    item.setToolTip(
                        f"looks like {excluded[column]}: not a feature by default (tick it to "
                        "use it)"
                    )
                self.columns_list.addItem(item)
            self._fit_list_height()
            self._refresh_axis_combos()
        finally:
            self._updating = False

    def set_left_out(self, n_used: int, left_out_rows: Sequence[int], notes: Sequence[str]) -> None:
        """Say how many rows the fit uses, which were left out (1-based row numbers) and why."""
        if not len(left_out_rows) and not notes:
            self.left_out_label.setText(f"All {n_used:,} rows are used.")
            _set_warning(self.left_out_label, False)
            return
        text = " ".join(notes) or f"{n_used:,} rows are used."
        if len(left_out_rows):
            shown = ", ".join(str(r) for r in left_out_rows[:8])
            more = f" and {len(left_out_rows) - 8:,} more" if len(left_out_rows) > 8 else ""
            text += f" Rows left out: {shown}{more}."
        self.left_out_label.setText(text)
        _set_warning(self.left_out_label, True)

    def set_session_note(self, text: str, warning: bool = False) -> None:
        """What re-running an opened session gave ("" hides it)."""
        self.session_label.setText(text)
        _set_warning(self.session_label, warning)
        self.session_label.setVisible(bool(text))

    def uncheck_column(self, name: str) -> bool:
        """Take ``name`` out of the features (it became the weight column); True if it was in."""
        for i in range(self.columns_list.count()):
            item = self.columns_list.item(i)
            if item.text() == name and item.checkState() == Qt.CheckState.Checked:
                self._updating = True
                try:
                    item.setCheckState(Qt.CheckState.Unchecked)
                finally:
                    self._updating = False
                self._refresh_axis_combos()
                return True
        return False

    # -- reading ---------------------------------------------------------------------------
    def set_spread_note(self, text: str | None) -> None:
        """Say that the features' spreads differ widely, beside them, with a button to
        standardise (None hides it)."""
        self.spread_label.setText(text or "")
        _set_warning(self.spread_label, bool(text))
        self.spread_box.setVisible(bool(text))

    def standardise(self) -> None:
        """Choose standard (z-score) scaling: the features are prepared again."""
        self.scale_combo.setCurrentIndex(self.scale_combo.findData("standard"))

    def feature_choice(self) -> FeatureChoice:
        ticked = [
            self.columns_list.item(i).text()
            for i in range(self.columns_list.count())
            if self.columns_list.item(i).checkState() == Qt.CheckState.Checked
        ]
        return FeatureChoice(
            columns=tuple(c for c in ticked if c not in self._categories),
            missing=self.missing_combo.currentData(),
            scale=self.scale_combo.currentData(),
            one_hot=tuple(c for c in ticked if c in self._categories),
        )

    def plot_choice(self) -> PlotChoice:
        return PlotChoice(
            mode=self.plot_combo.currentData(),
            x=max(self.x_combo.currentIndex(), 0),
            y=max(self.y_combo.currentIndex(), 0),
        )

    def set_plot_choice(self, mode: str, x: str | None = None, y: str | None = None) -> None:
        self.plot_combo.setCurrentIndex(max(self.plot_combo.findData(mode), 0))
        if x is not None and self.x_combo.findText(x) >= 0:
            self.x_combo.setCurrentIndex(self.x_combo.findText(x))
        if y is not None and self.y_combo.findText(y) >= 0:
            self.y_combo.setCurrentIndex(self.y_combo.findText(y))

    def choices(self) -> DataChoices:
        """The choices that hold for any table (the columns belong to one table)."""
        return DataChoices(
            missing=self.missing_combo.currentData(),
            scale=self.scale_combo.currentData(),
            plot=self.plot_combo.currentData(),
        )

    def apply(self, choices: DataChoices) -> None:
        """Show saved choices; a value no longer offered leaves its field as is."""
        for combo, value in (
            (self.missing_combo, choices.missing),
            (self.scale_combo, choices.scale),
            (self.plot_combo, choices.plot),
        ):
            index = combo.findData(value)
            if index >= 0:
                combo.setCurrentIndex(index)

    # -- internals -------------------------------------------------------------------------
    def _refresh_axis_combos(self) -> None:
        choice = self.feature_choice()
        columns = choice.columns
        previous = (self.x_combo.currentText(), self.y_combo.currentText())
        blocked = (self.x_combo.blockSignals(True), self.y_combo.blockSignals(True))
        try:
            for combo in (self.x_combo, self.y_combo):
                combo.clear()
                combo.addItems(list(columns))
            x = columns.index(previous[0]) if previous[0] in columns else 0
            y = columns.index(previous[1]) if previous[1] in columns else min(1, len(columns) - 1)
            if x == y and len(columns) > 1:
                y = 1 if x == 0 else 0
            self.x_combo.setCurrentIndex(x)
            self.y_combo.setCurrentIndex(max(y, 0))
        finally:
            self.x_combo.blockSignals(blocked[0])
            self.y_combo.blockSignals(blocked[1])
        pca_possible = len(columns) + 2 * len(choice.one_hot) > 2  # a category gives >= 2
        self.plot_combo.model().item(1).setEnabled(pca_possible)
        if not pca_possible and self.plot_combo.currentData() == PLOT_PCA:
            self.plot_combo.setCurrentIndex(0)
        features = self.plot_combo.currentData() == PLOT_FEATURES
        self.x_combo.setEnabled(features)
        self.y_combo.setEnabled(features)

    def set_visible_columns(self, rows: int) -> None:
        """How many feature-list rows show before the list scrolls (the window sets it from the
        screen's height)."""
        self._visible_columns = rows
        self._fit_list_height()

    def _fit_list_height(self) -> None:
        """As tall as its rows, 2 to ``visible_columns`` of them (a longer list scrolls), so a
        short list leaves room for the notes and a 30-column table shows many of its columns."""
        rows = min(max(self.columns_list.count(), 2), self._visible_columns)
        row = self.columns_list.sizeHintForRow(0) if self.columns_list.count() else 18
        frame = 2 * self.columns_list.frameWidth() + 4
        self.columns_list.setFixedHeight(rows * max(row, 1) + frame)

    def _on_columns_changed(self, _item: QListWidgetItem) -> None:
        if self._updating:
            return
        self._refresh_axis_combos()
        self.featuresChanged.emit()

    def _emit_features(self) -> None:
        if not self._updating:
            self.featuresChanged.emit()

    def _emit_plot(self) -> None:
        features = self.plot_combo.currentData() == PLOT_FEATURES
        self.x_combo.setEnabled(features)
        self.y_combo.setEnabled(features)
        if not self._updating:
            self.plotChanged.emit()


def _set_warning(label: QLabel, on: bool) -> None:
    """Colour a label as a note (the style sheet's ``QLabel[warning="true"]``)."""
    label.setProperty("warning", on)
    label.style().unpolish(label)
    label.style().polish(label)
