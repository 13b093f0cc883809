"""Run controls: Run, Pause/Resume, Step, Stop, Reset, animation speed, history slider, restarts."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from .marked_slider import MarkedSlider
from .playback import MAX_SPEED

BUTTON_MIN_WIDTH = 56
RESTART_COMBO_CHARS = 14  # "#3: 19382.7 ★" fits

SPEEDS = (1, 2, 5, 10, 20, 30, 60, MAX_SPEED)  # iterations per second; MAX_SPEED = unthrottled


def speed_text(speed: float) -> str:
    return "max" if speed == MAX_SPEED else f"{speed:g}/s"


class RunControls(QWidget):
    """Buttons and sliders; it forwards intent as signals and is told what state to show."""

    runClicked = Signal()
    pauseClicked = Signal()  # pause, resume or replay: the button says which
    stepClicked = Signal()
    stopClicked = Signal()
    resetClicked = Signal()
    speedChanged = Signal(float)
    seekRequested = Signal(int)  # flat frame index
    restartPicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Start a new run with the current settings (Space)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause or resume the animation (Space)")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Show one more iteration (Right arrow)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop computing; the iterations so far stay scrubbable")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Stop and forget the run")
        self.run_button.setDefault(True)
        for button in self._buttons():
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space/Right go to the shortcuts
            button.setMinimumWidth(BUTTON_MIN_WIDTH)  # may shrink below the style's 80 px

        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setMinimumWidth(60)
        self.speed_slider.setMaximumWidth(110)
        self.speed_slider.setToolTip("Animation speed in iterations per second")
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(38)

        self.history_slider = MarkedSlider()
        self.history_slider.setRange(0, 0)
        self.history_slider.setEnabled(False)
        self.history_slider.setToolTip(
            "Scrub through the iterations of the last run (a mark: where you edited the centroids)"
        )
        self.history_label = QLabel("no run yet")
        self.history_label.setMinimumWidth(120)
        self.restart_label = QLabel("Restart")
        self.restart_combo = QComboBox()
        self.restart_combo.setToolTip(
            "Each restart's final inertia; ★ marks the best (lowest), which is shown. "
            "Pick another to replay it."
        )
        # Sized by a minimum number of characters, not by its longest item: the items grow
        # with the inertias and would otherwise widen the bar and squeeze the docks.
        self.restart_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.restart_combo.setMinimumContentsLength(RESTART_COMBO_CHARS)
        self.restart_combo.view().setTextElideMode(Qt.TextElideMode.ElideRight)

        top = QHBoxLayout()
        for button in self._buttons():
            top.addWidget(button)
        top.addSpacing(12)
        top.addWidget(QLabel("Speed"))
        top.addWidget(self.speed_slider)
        top.addWidget(self.speed_label)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("History"))
        bottom.addWidget(self.history_slider, 1)
        bottom.addWidget(self.history_label)
        bottom.addWidget(self.restart_label)
        bottom.addWidget(self.restart_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addLayout(top)
        layout.addLayout(bottom)

        self.run_button.clicked.connect(self.runClicked)
        self.pause_button.clicked.connect(self.pauseClicked)
        self.step_button.clicked.connect(self.stepClicked)
        self.stop_button.clicked.connect(self.stopClicked)
        self.reset_button.clicked.connect(self.resetClicked)
        self.speed_slider.valueChanged.connect(self._on_speed)
        self.history_slider.valueChanged.connect(self._on_slider)
        self.restart_combo.activated.connect(
            lambda i: self.restartPicked.emit(int(self.restart_combo.itemData(i)))
        )
        self._slider_updating = False
        self.set_speed(10)
        self.set_restarts({}, None)
        self.set_state(None, can_step=False, can_stop=False)

    def _buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.run_button,
            self.pause_button,
            self.step_button,
            self.stop_button,
            self.reset_button,
        )

    # -- told by the window ----------------------------------------------------------------
    def set_speed(self, speed: float) -> None:
        index = SPEEDS.index(speed) if speed in SPEEDS else SPEEDS.index(10)
        self.speed_slider.setValue(index)
        self._on_speed(index)

    def speed(self) -> float:
        return float(SPEEDS[self.speed_slider.value()])

    def set_runnable(self, runnable: bool, why_not: str = "") -> None:
        """Run needs features to cluster; ``why_not`` becomes its tooltip."""
        self.run_button.setEnabled(runnable)
        self.run_button.setToolTip(
            "Start a new run with the current settings (Space)" if runnable else why_not
        )

    def set_state(self, pause_action: str | None, *, can_step: bool, can_stop: bool) -> None:
        """What the run allows now: the pause button's action ("Pause", "Resume", "Replay"; None
        disables it), Step (another frame exists or is coming), Stop (something to stop)."""
        self.pause_button.setEnabled(pause_action is not None)
        self.pause_button.setText(pause_action or "Pause")
        self.step_button.setEnabled(can_step)
        self.stop_button.setEnabled(can_stop)

    def set_history(self, first: int, last: int, current: int, text: str) -> None:
        """Slider range (flat frame indices of the shown restart) and position."""
        self._slider_updating = True
        try:
            self.history_slider.setEnabled(last > first)
            self.history_slider.setRange(first, max(last, first))
            if current >= first:
                self.history_slider.setValue(current)
        finally:
            self._slider_updating = False
        self.history_label.setText(text)

    def set_marks(self, positions: list[int]) -> None:
        """Slider positions of the frames that follow an edit of the centroids."""
        self.history_slider.set_marks(positions)

    def set_restarts(
        self, finals: Mapping[int, float], current: int | None, total: int = 1
    ) -> None:
        """List restarts with their final inertia; hidden for a single run."""
        visible = total > 1
        self.restart_label.setVisible(visible)
        self.restart_combo.setVisible(visible)
        if not visible:
            return
        best = min(finals, key=finals.__getitem__) if finals else None
        self.restart_combo.blockSignals(True)
        self.restart_combo.clear()
        for r in range(total):
            if r in finals:
                mark = " ★" if r == best else ""
                text = f"#{r + 1}: {finals[r]:.6g}{mark}"
            else:
                text = f"#{r + 1}: running…" if r == len(finals) else f"#{r + 1}: waiting"
            self.restart_combo.addItem(text, r)
        if current is not None:
            self.restart_combo.setCurrentIndex(current)
        self.restart_combo.blockSignals(False)

    # -- internals -------------------------------------------------------------------------
    def _on_speed(self, index: int) -> None:
        speed = SPEEDS[index]
        self.speed_label.setText(speed_text(speed))
        self.speedChanged.emit(float(speed))

    def _on_slider(self, value: int) -> None:
        if not self._slider_updating:
            self.seekRequested.emit(value)
