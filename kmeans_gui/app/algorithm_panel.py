"""Algorithm panel: k, algorithm and its parameters, initialiser, stop rule, restarts, the
refinement (swap trials after Lloyd), device.

What it offers comes from the engine's own lists (``kmeans_gui.engine.choices``); what it
shows is one :class:`~kmeans_gui.app.preferences.AlgorithmChoices` record (``choices()`` /
``apply()``), from which ``parameters()`` builds the run's :class:`RunParameters`. The window
asks through these and the signals; it never reaches for a widget.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from kmeans_gui.engine.choices import (
    ALGORITHM_NAMES,
    ALGORITHM_TITLES,
    DEVICE_CHOICES,
    INIT_CHOICES,
    METRICS,
    OPTIMIZERS,
)
from kmeans_gui.engine.refine_options import (
    BASE_PATIENCE,
    REFINE_ALGORITHMS,
    REFINE_CHOICES,
    REFINE_TITLES,
)

from .preferences import AlgorithmChoices, from_dict
from .run_parameters import PLACE, REFINE_BUDGET_UNITS, RunParameters, refine_budget

INIT_TITLES = {
    "k-means++": "k-means++",
    "k-means||": "k-means|| (few passes)",
    "random": "Random rows",
    "uniform": "Uniform in the bounding box",
    PLACE: "Click to place on the plot",
}
DEVICE_TITLES = {"auto": "Auto", "cpu": "CPU", "gpu": "GPU"}
OPTIMIZER_TITLES = {"sgd": "SGD", "adam": "Adam"}
SEED_RANDOM = -1  # the seed box's lowest value, shown as "random"
MAX_K = 500


class AlgorithmPanel(QWidget):
    """Signals: ``parametersChanged()`` on any edit, ``kChanged(k)``, ``initModeChanged(place)``
    when "click to place" is picked or left, ``weightChanged(column or None)``."""

    parametersChanged = Signal()
    kChanged = Signal(int)
    initModeChanged = Signal(bool)
    weightChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = AlgorithmChoices()
        self.k_spin = QSpinBox(minimum=1, maximum=MAX_K, value=defaults.k)
        self.k_spin.setToolTip("Number of clusters k")
        self.algorithm_combo = self._combo(
            {name: ALGORITHM_TITLES[name].long for name in ALGORITHM_NAMES},
            "\n".join(ALGORITHM_TITLES[name].description for name in ALGORITHM_NAMES),
        )
        self.metric_combo = QComboBox()
        self.init_combo = self._combo({name: INIT_TITLES[name] for name in (*INIT_CHOICES, PLACE)})
        self.tol_edit = QLineEdit(f"{defaults.tol:g}")
        self.tol_edit.setToolTip(
            "Converged when the summed squared centroid shift is at most tol × the mean "
            "feature variance (as scikit-learn), or when no point changes cluster."
        )
        self.tol_note = QLabel("")
        self.tol_note.setObjectName("fieldError")
        self.tol_note.setWordWrap(True)
        self.max_iter_spin = QSpinBox(minimum=1, maximum=100_000, value=defaults.max_iter)
        self.seed_spin = QSpinBox(minimum=SEED_RANDOM, maximum=2**31 - 1, value=0)
        self.seed_spin.setSpecialValueText("random")
        self.seed_spin.setToolTip("Same seed, same run, bit for bit. Lowest value = random.")
        self.n_init_spin = QSpinBox(minimum=1, maximum=100, value=defaults.n_init)
        self.n_init_spin.setToolTip(
            "Restarts with different seeds; the one with the lowest inertia wins."
        )
        self.refine_combo = self._combo(
            {name: REFINE_TITLES[name] for name in REFINE_CHOICES},
            "Lloyd stops in a local optimum: two centroids may share one group of points while "
            "another sits between two groups. Swap trials move a centroid elsewhere, run two "
            "Lloyd passes and keep the move if the inertia fell; each kept swap is a frame.",
        )
        self.refine_budget_spin = QSpinBox(minimum=0, maximum=100_000, value=0, singleStep=50)
        self.refine_budget_spin.setSpecialValueText(f"auto ({BASE_PATIENCE} + k fail in a row)")
        self.refine_budget_spin.setToolTip(
            "How long swap trials go on after Lloyd converges (most are rejected and not "
            f"shown): a number of trials or of seconds; auto stops once {BASE_PATIENCE} + k "
            "trials in a row have not lowered the inertia"
        )
        self.refine_unit_combo = self._combo(
            {unit: unit for unit in REFINE_BUDGET_UNITS},
            "Trials repeat exactly with the seed; seconds depend on the machine",
        )
        self.refine_budget_row = QWidget()
        budget_layout = QHBoxLayout(self.refine_budget_row)
        budget_layout.setContentsMargins(0, 0, 0, 0)
        budget_layout.addWidget(self.refine_budget_spin, 1)
        budget_layout.addWidget(self.refine_unit_combo)
        self.device_combo = self._combo(
            {name: DEVICE_TITLES[name] for name in DEVICE_CHOICES},
            "Loading TensorFlow to see which devices exist…",
        )
        self.weight_combo = QComboBox()
        self.weight_combo.addItem("(none)", None)
        self.weight_combo.setToolTip(
            "A column of non-negative weights (sample_weight): a row of weight 3 counts as "
            "three identical rows."
        )
        self.learning_rate_spin = QDoubleSpinBox(
            decimals=4, minimum=0.0, maximum=10.0, singleStep=0.05, value=0.0
        )
        self.learning_rate_spin.setSpecialValueText("auto")
        self.learning_rate_spin.setToolTip(
            "Optimiser step size; auto = the engine's default (0.5 for SGD, 0.05 for Adam), "
            "which is independent of the data's units"
        )
        self.optimizer_combo = self._combo({name: OPTIMIZER_TITLES[name] for name in OPTIMIZERS})
        self.batch_spin = QSpinBox(
            minimum=8, maximum=1_000_000, value=defaults.batch_size, singleStep=256
        )
        self.batch_spin.setToolTip("Rows per mini-batch step")
        self.candidates_spin = QSpinBox(
            minimum=2, maximum=1_000_000, value=defaults.max_candidates, singleStep=500
        )
        self.candidates_spin.setToolTip(
            "k-medoids: the most members per cluster tried as its medoid (a seeded sample "
            "beyond that keeps a million-point run possible)"
        )

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Clusters k", self.k_spin)
        form.addRow("Algorithm", self.algorithm_combo)
        form.addRow("Learning rate", self.learning_rate_spin)
        form.addRow("Optimiser", self.optimizer_combo)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Medoid candidates", self.candidates_spin)
        form.addRow("Metric", self.metric_combo)
        form.addRow("Initialiser", self.init_combo)
        form.addRow("Tolerance", self.tol_edit)
        form.addRow(self.tol_note)
        form.addRow("Max iterations", self.max_iter_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Restarts", self.n_init_spin)
        form.addRow("Refine", self.refine_combo)
        form.addRow("Swap budget", self.refine_budget_row)
        form.addRow("Weights", self.weight_combo)
        form.addRow("Device", self.device_combo)
        self._form = form
        self.place_hint = QLabel("")
        self.place_hint.setObjectName("hint")
        self.place_hint.setWordWrap(True)
        form.addRow(self.place_hint)
        self.run_note = QLabel("")  # what the engine warned about in the last run
        self.run_note.setObjectName("note")
        self.run_note.setWordWrap(True)
        form.addRow(self.run_note)
        for label in (self.tol_note, self.place_hint, self.run_note):
            label.hide()

        self.algorithm_combo.currentIndexChanged.connect(self._on_algorithm_changed)
        self.init_combo.currentIndexChanged.connect(
            lambda _: self.initModeChanged.emit(self.place_mode)
        )
        self.k_spin.valueChanged.connect(self.kChanged)
        self.weight_combo.currentIndexChanged.connect(
            lambda _: self.weightChanged.emit(self.weight_column())
        )
        self.tol_edit.textChanged.connect(self._check_tol)
        self.refine_combo.currentIndexChanged.connect(lambda _: self._show_refine_rows())
        for signal in (
            self.k_spin.valueChanged,
            self.metric_combo.currentIndexChanged,
            self.init_combo.currentIndexChanged,
            self.tol_edit.editingFinished,
            self.max_iter_spin.valueChanged,
            self.seed_spin.valueChanged,
            self.n_init_spin.valueChanged,
            self.device_combo.currentIndexChanged,
            self.weight_combo.currentIndexChanged,
            self.learning_rate_spin.valueChanged,
            self.optimizer_combo.currentIndexChanged,
            self.batch_spin.valueChanged,
            self.candidates_spin.valueChanged,
            self.refine_combo.currentIndexChanged,
            self.refine_budget_spin.valueChanged,
            self.refine_unit_combo.currentIndexChanged,
        ):
            signal.connect(self.parametersChanged)
        self._on_algorithm_changed()
        for combo in self.findChildren(QComboBox):  # let the dock be narrow; text elides
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)

    @staticmethod
    def _combo(items: dict[str, str], tooltip: str = "") -> QComboBox:
        combo = QComboBox()
        for value, text in items.items():
            combo.addItem(text, value)
        if tooltip:
            combo.setToolTip(tooltip)
        return combo

    # -- reading ---------------------------------------------------------------------------
    def k(self) -> int:
        return self.k_spin.value()

    def weight_column(self) -> str | None:
        return self.weight_combo.currentData()

    @property
    def place_mode(self) -> bool:
        return self.init_combo.currentData() == PLACE

    def problem(self) -> str | None:
        """Why the current values cannot be run (shown beside the field), or None."""
        return self._tol_problem(self.tol_edit.text())

    def choices(self) -> AlgorithmChoices:
        """Everything shown, the settings of the algorithms not chosen included."""
        seed = self.seed_spin.value()
        rate = self.learning_rate_spin.value()
        tol = _parse_tol(self.tol_edit.text())
        return AlgorithmChoices(
            k=self.k_spin.value(),
            algorithm=self.algorithm_combo.currentData(),
            metric=self.metric_combo.currentData() or METRICS["lloyd"][0],
            init=self.init_combo.currentData(),
            tol=AlgorithmChoices.tol if tol is None else tol,
            max_iter=self.max_iter_spin.value(),
            seed=None if seed == SEED_RANDOM else seed,
            n_init=self.n_init_spin.value(),
            device=self.device_combo.currentData(),
            learning_rate=rate if rate > 0 else None,  # 0 shows "auto": the engine's default
            optimizer=self.optimizer_combo.currentData(),
            batch_size=self.batch_spin.value(),
            max_candidates=self.candidates_spin.value(),
            refine=self.refine_combo.currentData(),
            refine_budget=self.refine_budget_spin.value(),
            refine_budget_unit=self.refine_unit_combo.currentData(),
        )

    def parameters(self) -> RunParameters:
        """The run these choices ask for (only the chosen algorithm's own parameters)."""
        c = self.choices()
        params: dict[str, Any] = {}
        if c.algorithm == "gradient":
            params = {"optimizer": c.optimizer}
            if c.learning_rate is not None:
                params["learning_rate"] = c.learning_rate
        elif c.algorithm == "minibatch":
            params = {"batch_size": c.batch_size}
        elif c.algorithm == "kmedoids":
            params = {"max_candidates": c.max_candidates}
        return RunParameters(
            k=c.k,
            algorithm=c.algorithm,
            init=c.init,
            metric=c.metric,
            tol=c.tol,
            max_iter=c.max_iter,
            seed=c.seed,
            n_init=c.n_init,
            device=c.device,
            weight_column=self.weight_column(),
            algorithm_params=params,
            refine=c.refine if c.algorithm in REFINE_ALGORITHMS else "none",
            refine_budget=refine_budget(c.refine_budget, c.refine_budget_unit),
        )

    # -- filling in ------------------------------------------------------------------------
    def apply(self, choices: AlgorithmChoices | dict[str, Any]) -> None:
        """Show ``choices`` (a record, or a partial mapping of its fields). A value the panel
        does not offer (a stale settings file, a disabled device) leaves that field as is."""
        if isinstance(choices, dict):
            current = dataclasses.asdict(self.choices())
            choices = from_dict(AlgorithmChoices, {**current, **choices})

        def pick(combo: QComboBox, value: Any) -> None:
            index = combo.findData(value)
            if index >= 0 and combo.model().item(index).isEnabled():
                combo.setCurrentIndex(index)

        pick(self.algorithm_combo, choices.algorithm)
        pick(self.metric_combo, choices.metric)
        if choices.init != PLACE:
            pick(self.init_combo, choices.init)
        pick(self.optimizer_combo, choices.optimizer)
        pick(self.device_combo, choices.device)
        pick(self.refine_combo, choices.refine)
        self.refine_budget_spin.setValue(choices.refine_budget)
        pick(self.refine_unit_combo, choices.refine_budget_unit)
        self.k_spin.setValue(choices.k)
        self.max_iter_spin.setValue(choices.max_iter)
        self.seed_spin.setValue(SEED_RANDOM if choices.seed is None else choices.seed)
        self.n_init_spin.setValue(choices.n_init)
        self.batch_spin.setValue(choices.batch_size)
        self.candidates_spin.setValue(choices.max_candidates)
        self.learning_rate_spin.setValue(choices.learning_rate or 0.0)
        self.tol_edit.setText(f"{choices.tol:g}")

    def set_k(self, k: int) -> None:
        self.k_spin.setValue(int(k))

    def set_weight_columns(self, columns: Sequence[str], chosen: str | None = None) -> None:
        self.weight_combo.blockSignals(True)
        self.weight_combo.clear()
        self.weight_combo.addItem("(none)", None)
        for column in columns:
            self.weight_combo.addItem(str(column), str(column))
        index = self.weight_combo.findData(chosen) if chosen is not None else 0
        self.weight_combo.setCurrentIndex(max(index, 0))
        self.weight_combo.blockSignals(False)

    def set_devices(self, devices: Sequence[str]) -> None:
        """Label the device choices with what TensorFlow found (after it has loaded)."""
        gpus = [d for d in devices if ":GPU:" in d.upper()]
        cpus = [d for d in devices if ":CPU:" in d.upper()]
        auto = gpus[0] if gpus else (cpus[0] if cpus else "?")
        labels = {
            "auto": f"Auto → {auto}",
            "cpu": f"CPU ({cpus[0]})" if cpus else "CPU",
            "gpu": f"GPU ({gpus[0]})" if gpus else "GPU (none found)",
        }
        for i in range(self.device_combo.count()):
            self.device_combo.setItemText(i, labels[self.device_combo.itemData(i)])
        self.device_combo.model().item(self.device_combo.findData("gpu")).setEnabled(bool(gpus))
        self.device_combo.setToolTip("Found: " + (", ".join(devices) or "no device"))

    def set_place_allowed(self, allowed: bool, why_not: str = "") -> None:
        """Click-to-place needs the plot to be feature columns (not principal components)."""
        item = self.init_combo.model().item(self.init_combo.findData(PLACE))
        item.setEnabled(allowed)
        item.setToolTip("" if allowed else why_not)
        if not allowed and self.place_mode:
            self.init_combo.setCurrentIndex(0)

    def set_weights_shown(self, shown: bool) -> None:
        """Hide the weight column choice where the weights are another panel's (run B)."""
        self._form.setRowVisible(self.weight_combo, shown)

    def choose_place(self) -> None:
        """Show "Click to place" as the initialiser: the user has placed centroids on the plot."""
        index = self.init_combo.findData(PLACE)
        if self.init_combo.model().item(index).isEnabled():
            self.init_combo.setCurrentIndex(index)

    def set_place_hint(self, text: str) -> None:
        self.place_hint.setText(text)
        self.place_hint.setVisible(bool(text))

    def set_run_note(self, text: str) -> None:
        self.run_note.setText(text)
        self.run_note.setVisible(bool(text))

    # -- internals -------------------------------------------------------------------------
    def _on_algorithm_changed(self) -> None:
        algorithm = self.algorithm_combo.currentData()
        self._form.setRowVisible(self.learning_rate_spin, algorithm == "gradient")
        self._form.setRowVisible(self.optimizer_combo, algorithm == "gradient")
        self._form.setRowVisible(self.batch_spin, algorithm == "minibatch")
        self._form.setRowVisible(self.candidates_spin, algorithm == "kmedoids")
        self._show_refine_rows()
        previous = self.metric_combo.currentData()
        self.metric_combo.blockSignals(True)
        self.metric_combo.clear()
        for metric in METRICS[algorithm]:
            self.metric_combo.addItem(metric.capitalize(), metric)
        index = self.metric_combo.findData(previous)
        self.metric_combo.setCurrentIndex(max(index, 0))
        self.metric_combo.blockSignals(False)
        self.parametersChanged.emit()

    def _show_refine_rows(self) -> None:
        refinable = self.algorithm_combo.currentData() in REFINE_ALGORITHMS
        self._form.setRowVisible(self.refine_combo, refinable)
        swapping = refinable and self.refine_combo.currentData() == "swap"
        self._form.setRowVisible(self.refine_budget_row, swapping)

    @staticmethod
    def _tol_problem(text: str) -> str | None:
        if _parse_tol(text) is not None:
            return None
        if not text.strip():
            return "Tolerance is empty: give a number of at least 0, such as 1e-4."
        return f"Tolerance must be a number of at least 0, such as 1e-4, not '{text.strip()}'."

    def _check_tol(self, text: str) -> None:
        problem = self._tol_problem(text)
        self.tol_note.setText(problem or "")
        self.tol_note.setVisible(problem is not None)
        self.tol_edit.setProperty("invalid", problem is not None)
        self.tol_edit.style().unpolish(self.tol_edit)
        self.tol_edit.style().polish(self.tol_edit)


def _parse_tol(text: str) -> float | None:
    """A tolerance as typed (a decimal comma is fine), or None if it is not one."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None
