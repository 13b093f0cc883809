"""A horizontal slider with small marks at chosen values: where the user edited the run."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider, QWidget

MARK_COLOUR = QColor("#D55E00")  # vermillion, as the edit lines on the inertia curve
MARK_WIDTH = 3.0
MARK_HEIGHT = 12.0


class MarkedSlider(QSlider):
    """``set_marks(values)`` draws a short bar across the groove at each value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.marks: list[int] = []

    def set_marks(self, values: Iterable[int]) -> None:
        marks = sorted(int(v) for v in values)
        if marks != self.marks:
            self.marks = marks
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.marks or self.maximum() <= self.minimum():
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, self
        )
        handle = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self
        )
        span = groove.width() - handle.width()
        painter = QPainter(self)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(MARK_COLOUR)
        top, height = groove.center().y() - MARK_HEIGHT / 2, MARK_HEIGHT
        for value in self.marks:
            if not self.minimum() <= value <= self.maximum():
                continue
            offset = QStyle.sliderPositionFromValue(
                self.minimum(), self.maximum(), value, span, option.upsideDown
            )
            x = groove.left() + handle.width() / 2 + offset
            painter.drawRect(QRectF(x - MARK_WIDTH / 2, top, MARK_WIDTH, height))
        painter.end()
