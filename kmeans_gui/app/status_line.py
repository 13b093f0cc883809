"""A status bar whose messages never run into its permanent fields.

QStatusBar paints a temporary message across its whole width, under the permanent fields
("…contains a cor" over "iteration 5 ✓"). Here the message is a label that takes the room the
fields leave, elided with "…" when it does not fit, the whole sentence in its tooltip.
``showMessage``/``clearMessage``/``currentMessage`` keep QStatusBar's meaning.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget


class ElidedLabel(QLabel):
    """One line of text, cut with "…" to the width it is given (the full text as tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text if text else "")
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        shown = metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, max(self.width(), 0))
        super().setText(shown)


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = ElidedLabel(self)
        self.addWidget(self.line, 1)
        self._clear = QTimer(self, singleShot=True)
        self._clear.timeout.connect(self.clearMessage)

    def showMessage(self, text: str, timeout: int = 0) -> None:
        self.line.set_full_text(text)
        if timeout > 0:
            self._clear.start(timeout)
        else:
            self._clear.stop()

    def clearMessage(self) -> None:
        self._clear.stop()
        self.line.set_full_text("")

    def currentMessage(self) -> str:
        return self.line.full_text()
