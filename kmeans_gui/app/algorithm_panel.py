"""Algorithm panel: k, algorithm and its parameters, initialiser, stop rule, restarts, device.

Everything here becomes keyword arguments of ``engine.iterate`` (see CONTRACT.md); the panel
knows names and sensible ranges, never how an algorithm works.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

ALGORITHMS = (
    ("Lloyd (batch means)", "lloyd"),
    ("Gradient descent (TensorFlow autodiff)", "gradient"),
    ("Mini-batch (Sculley)", "minibatch"),
    ("k-medoids", "kmedoids"),
)
METRICS = {
    "lloyd": ("euclidean", "cosine"),
    "gradient": ("euclidean", "cosine"),
    "minibatch": ("euclidean", "cosine"),
    "kmedoids": ("euclidean", "manhattan", "cosine"),
}
INITS = (
    ("k-means++", "k-means++"),
    ("Random rows", "random"),
    ("Uniform in the bounding box", "uniform"),
    ("Click to place on the plot", "place"),
)
OPTIMIZERS = (("SGD", "sgd"), ("Adam", "adam"))
PLACE = "place"
SEED_RANDOM = -1


@dataclass(frozen=True)
class RunParameters:
    """What the user asked for; ``engine_kwargs()`` turns it into ``iterate`` keywords."""

    k: int
    algorithm: str
    init: str  # one of the engine's names, or PLACE (the window supplies the array)
    metric: str
    tol: float
    max_iter: int
    seed: int | None
    n_init: int
    device: str
    weight_column: str | None
    algorithm_params: dict[str, Any] = field(default_factory=dict)

    def engine_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "algorithm": self.algorithm,
            "n_init": self.n_init,
            "tol": self.tol,
            "max_iter": self.max_iter,
            "seed": self.seed,
            "device": self.device,
            "metric": self.metric,
        }
        if self.init != PLACE:
            kwargs["init"] = self.init
        kwargs.update(self.algorithm_params)
        return kwargs


class AlgorithmPanel(QWidget):
    """Emits ``initModeChanged(bool)`` when "click to place" is picked or left."""

    initModeChanged = Signal(bool)
    parametersChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.k_spin = QSpinBox(minimum=1, maximum=500, value=4)
        self.k_spin.setToolTip("Number of clusters k")
        self.algorithm_combo = QComboBox()
        for text, value in ALGORITHMS:
            self.algorithm_combo.addItem(text, value)
        self.algorithm_combo.setToolTip(
            "Lloyd: assign to the nearest centroid, move each centroid to its members' mean.\n"
            "Gradient descent: an optimiser step on the quantisation error (Bottou & Bengio).\n"
            "Mini-batch: per-centre learning rates on random batches, for very large data.\n"
            "k-medoids: centres are actual data points."
        )
        self.metric_combo = QComboBox()
        self.init_combo = QComboBox()
        for text, value in INITS:
            self.init_combo.addItem(text, value)
        self.tol_edit = QLineEdit("1e-4")
        validator = QDoubleValidator(0.0, 1e6, 12)
        validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
        self.tol_edit.setValidator(validator)
        self.tol_edit.setToolTip(
            "Converged when the summed squared centroid shift is at most tol × the mean "
            "feature variance (as scikit-learn), or when no point changes cluster."
        )
        self.max_iter_spin = QSpinBox(minimum=1, maximum=100_000, value=300)
        self.seed_spin = QSpinBox(minimum=SEED_RANDOM, maximum=2**31 - 1, value=0)
        self.seed_spin.setSpecialValueText("random")
        self.seed_spin.setToolTip("Same seed, same run, bit for bit. Lowest value = random.")
        self.n_init_spin = QSpinBox(minimum=1, maximum=100, value=1)
        self.n_init_spin.setToolTip(
            "Restarts with different seeds; the one with the lowest inertia wins."
        )
        self.device_combo = QComboBox()
        for text, value in (("Auto", "auto"), ("CPU", "cpu"), ("GPU", "gpu")):
            self.device_combo.addItem(text, value)
        self.device_combo.setToolTip("Loading TensorFlow to see which devices exist…")
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
        self.optimizer_combo = QComboBox()
        for text, value in OPTIMIZERS:
            self.optimizer_combo.addItem(text, value)
        self.batch_spin = QSpinBox(minimum=8, maximum=1_000_000, value=1024, singleStep=256)
        self.batch_spin.setToolTip("Rows per mini-batch step")
        self.candidates_spin = QSpinBox(minimum=2, maximum=1_000_000, value=4000, singleStep=500)
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
        form.addRow("Max iterations", self.max_iter_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Restarts", self.n_init_spin)
        form.addRow("Weights", self.weight_combo)
        form.addRow("Device", self.device_combo)
        self._form = form
        self.place_hint = QLabel("")
        self.place_hint.setWordWrap(True)
        self.place_hint.setStyleSheet("color: #0072B2;")
        form.addRow(self.place_hint)
        self.place_hint.hide()
        self.run_note = QLabel("")  # what the engine warned about in the last run
        self.run_note.setWordWrap(True)
        self.run_note.setStyleSheet("color: #8a5a00;")
        form.addRow(self.run_note)
        self.run_note.hide()

        self.algorithm_combo.currentIndexChanged.connect(self._on_algorithm_changed)
        self.init_combo.currentIndexChanged.connect(self._on_init_changed)
        for signal in (
            self.k_spin.valueChanged,
            self.metric_combo.currentIndexChanged,
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
        ):
            signal.connect(self.parametersChanged)
        self._on_algorithm_changed()
        for combo in self.findChildren(QComboBox):  # let the dock be narrow; text elides
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)

    # -- reading ---------------------------------------------------------------------------
    def parameters(self) -> RunParameters:
        algorithm = self.algorithm_combo.currentData()
        params: dict[str, Any] = {}
        if algorithm == "gradient":
            params = {"optimizer": self.optimizer_combo.currentData()}
            if self.learning_rate_spin.value() > 0:  # 0 shows "auto": the engine's default
                params["learning_rate"] = self.learning_rate_spin.value()
        elif algorithm == "minibatch":
            params = {"batch_size": self.batch_spin.value()}
        elif algorithm == "kmedoids":
            params = {"max_candidates": self.candidates_spin.value()}
        try:
            tol = float(self.tol_edit.text().replace(",", "."))
        except ValueError:
            tol = 1e-4
        seed = self.seed_spin.value()
        return RunParameters(
            k=self.k_spin.value(),
            algorithm=algorithm,
            init=self.init_combo.currentData(),
            metric=self.metric_combo.currentData() or "euclidean",
            tol=tol,
            max_iter=self.max_iter_spin.value(),
            seed=None if seed == SEED_RANDOM else seed,
            n_init=self.n_init_spin.value(),
            device=self.device_combo.currentData(),
            weight_column=self.weight_combo.currentData(),
            algorithm_params=params,
        )

    @property
    def place_mode(self) -> bool:
        return self.init_combo.currentData() == PLACE

    # -- filling in ------------------------------------------------------------------------
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

    def set_place_hint(self, text: str) -> None:
        self.place_hint.setText(text)
        self.place_hint.setVisible(bool(text))

    def set_run_note(self, text: str) -> None:
        self.run_note.setText(text)
        self.run_note.setVisible(bool(text))

    def restore(self, values: dict[str, Any]) -> None:
        """Apply saved settings (unknown or stale values are ignored)."""

        def pick(combo: QComboBox, value: Any) -> None:
            index = combo.findData(value)
            if index >= 0 and combo.model().item(index).isEnabled():
                combo.setCurrentIndex(index)

        try:
            if "algorithm" in values:
                pick(self.algorithm_combo, values["algorithm"])
            if "metric" in values:
                pick(self.metric_combo, values["metric"])
            if values.get("init") in {v for _, v in INITS} - {PLACE}:
                pick(self.init_combo, values["init"])
            if "optimizer" in values:
                pick(self.optimizer_combo, values["optimizer"])
            if "device" in values:
                pick(self.device_combo, values["device"])
            for spin, key in (
                (self.k_spin, "k"),
                (self.max_iter_spin, "max_iter"),
                (self.seed_spin, "seed"),
                (self.n_init_spin, "n_init"),
                (self.batch_spin, "batch_size"),
                (self.candidates_spin, "max_candidates"),
            ):
                if key in values:
                    spin.setValue(int(values[key]))
            if "learning_rate" in values:
                self.learning_rate_spin.setValue(float(values["learning_rate"]))
            if "tol" in values:
                self.tol_edit.setText(f"{float(values['tol']):g}")
        except (TypeError, ValueError):
            pass  # a hand-edited or older settings file: keep the defaults

    def snapshot(self) -> dict[str, Any]:
        """The values worth remembering between launches."""
        p = self.parameters()
        return {
            "k": p.k,
            "algorithm": p.algorithm,
            "metric": p.metric,
            "init": p.init,
            "tol": p.tol,
            "max_iter": p.max_iter,
            "seed": self.seed_spin.value(),
            "n_init": p.n_init,
            "device": p.device,
            "learning_rate": self.learning_rate_spin.value(),
            "optimizer": self.optimizer_combo.currentData(),
            "batch_size": self.batch_spin.value(),
            "max_candidates": self.candidates_spin.value(),
        }

    # -- internals -------------------------------------------------------------------------
    def _set_row_visible(self, widget: QWidget, visible: bool) -> None:
        self._form.setRowVisible(widget, visible)

    def _on_algorithm_changed(self) -> None:
        algorithm = self.algorithm_combo.currentData()
        self._set_row_visible(self.learning_rate_spin, algorithm == "gradient")
        self._set_row_visible(self.optimizer_combo, algorithm == "gradient")
        self._set_row_visible(self.batch_spin, algorithm == "minibatch")
        self._set_row_visible(self.candidates_spin, algorithm == "kmedoids")
        previous = self.metric_combo.currentData()
        self.metric_combo.blockSignals(True)
        self.metric_combo.clear()
        for metric in METRICS[algorithm]:
            self.metric_combo.addItem(metric.capitalize(), metric)
        index = self.metric_combo.findData(previous)
        self.metric_combo.setCurrentIndex(max(index, 0))
        self.metric_combo.blockSignals(False)
        self.parametersChanged.emit()

    def _on_init_changed(self) -> None:
        self.initModeChanged.emit(self.place_mode)
        self.parametersChanged.emit()
