"""Point size, opacity and jitter for dense data, in the plot's toolbar.

Tied values (integer scores, rounded readings) draw as solid bars and overlapping clusters
blend into one colour; smaller, fainter or jittered points show the structure again. These only
change the picture (the view's :class:`PointStyle`), never the data or the fit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QWidget,
)

from .scatter_view import PointStyle

MAX_SIZE = 15


class PointControls(QWidget):
    """Emits ``styleChanged(PointStyle)``."""

    styleChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size_spin = QSpinBox(minimum=0, maximum=MAX_SIZE, value=0)
        self.size_spin.setSpecialValueText("auto")
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip(
            "Point size in pixels; auto: smaller as the points get denser (1 px at a million)"
        )
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(5, 100)
        self.opacity_slider.setValue(100)
        self.opacity_slider.setMaximumWidth(90)
        self.opacity_slider.setToolTip("Point opacity: lower it to see overlapping clusters")
        self.jitter_box = QCheckBox("Jitter")
        self.jitter_box.setToolTip(
            "Spread points that share a value (integer or rounded columns) a little apart, so "
            "ties do not draw as solid bars; the data and the fit are unchanged"
        )
        self.size_spin.setFixedWidth(self.size_spin.sizeHint().width())
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("Points"))
        layout.addWidget(self.size_spin)
        layout.addWidget(QLabel("Opacity"))
        layout.addWidget(self.opacity_slider)
        layout.addWidget(self.jitter_box)
        self.size_spin.valueChanged.connect(self._emit)
        self.opacity_slider.valueChanged.connect(self._emit)
        self.jitter_box.toggled.connect(self._emit)

    def style(self) -> PointStyle:
        return PointStyle(
            size=float(self.size_spin.value()),
            opacity=self.opacity_slider.value() / 100.0,
            jitter=self.jitter_box.isChecked(),
        )

    def set_style(self, style: PointStyle) -> None:
        self.size_spin.setValue(round(min(max(style.size, 0), MAX_SIZE)))
        self.opacity_slider.setValue(round(100 * min(max(style.opacity, 0.05), 1.0)))
        self.jitter_box.setChecked(style.jitter)
        self._emit()

    def _emit(self) -> None:
        self.styleChanged.emit(self.style())
