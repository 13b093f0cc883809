"""The data on screen as a model: the table loaded, its prepared features and the plot's space.

Loading, preparing and placing feature columns (in user units: a million rows' worth) run on
the background pool, principal components in the engine process; all of them can be overtaken
(the user opens another file, ticks another column, picks other axes before the last result
arrived). The model numbers each request and drops late answers, so the window only ever hears
about the newest table, features and plot, through signals, and holds none of this itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from kmeans_gui.engine_host.protocol import error_text

from . import jobs
from .background import BackgroundJobs
from .data_panel import PLOT_FEATURES
from .plot_space import PlotSpace
from .samples import Sample, sample_for


@dataclass(frozen=True)
class LoadRequest:
    """A table to open: at launch (the user's restored k wins over a sample's), with a saved
    session's feature choice (``spec``), and ``then()`` to call once its points are drawn."""

    path: str
    at_launch: bool = False
    spec: Any = None  # kmeans_gui.data.FeatureSpec
    then: Callable[[], None] | None = None


class DataSession(QObject):
    """Signals: ``tableLoaded(request)`` once ``table`` holds the new table,
    ``featuresPrepared()`` once ``prepared`` holds its features, ``pointsPlaced()`` once
    ``plot`` places them; ``progress(fraction, text)`` while loading; ``sessionFileFound(path)``
    when the file was a saved session; ``loadFailed(exc)``, ``prepareFailed(sentence)`` and
    ``plotFailed(exc)`` (principal components) when they could not be done."""

    tableLoaded = Signal(object)
    progress = Signal(float, str)
    sessionFileFound = Signal(str)
    loadFailed = Signal(object)
    featuresPrepared = Signal()
    prepareFailed = Signal(str)
    pointsPlaced = Signal()
    plotFailed = Signal(object)
    projecting = Signal()  # principal components asked of the engine

    def __init__(self, background: BackgroundJobs, engine: Any, parent: QObject | None = None):
        super().__init__(parent)
        self._background, self._engine = background, engine
        self.table: Any = None  # kmeans_gui.data.LoadedTable
        self.path: str | None = None
        self.sample: Sample | None = None
        self.numeric: list[str] = []
        self.excluded: dict[str, str] = {}  # numeric columns not ticked by default: 'a year'…
        self.categories: dict[str, int] = {}  # text columns that can be one-hot encoded
        self.prepared: jobs.PreparedFeatures | None = None
        self.plot: PlotSpace | None = None
        self._generation = 0  # bumps on every load and prepare: late results are dropped
        self._plot_generation = 0
        self._then: Callable[[], None] | None = None
        self._closed = False

    # ------------------------------------------------------------------ loading
    def load(self, request: LoadRequest) -> None:
        """Load in the background; the current table stays until the new one has loaded."""
        self._generation += 1
        generation = self._generation
        self._then = None
        self._background.run(
            jobs.load_for_screen,
            request.path,
            on_result=lambda loaded: self._on_loaded(generation, request, loaded),
            on_error=lambda exc: self._on_load_failed(generation, exc),
            on_progress=self.progress.emit,
        )

    def _current(self, generation: int) -> bool:
        return generation == self._generation and not self._closed

    def _on_load_failed(self, generation: int, exc: Exception) -> None:
        if self._current(generation):
            self.loadFailed.emit(exc)

    def _on_loaded(self, generation: int, request: LoadRequest, loaded: Any) -> None:
        if not self._current(generation):
            return
        if isinstance(loaded, jobs.SessionFileFound):
            self.sessionFileFound.emit(request.path)
            return
        self.table, self.path = loaded.table, request.path
        self.prepared, self.plot = None, None
        self.sample = sample_for(request.path)
        self.numeric, self.excluded = loaded.numeric, loaded.excluded
        self.categories = loaded.categories
        self.tableLoaded.emit(request)
        self._then = request.then  # after the window has asked for the features and plot

    # ------------------------------------------------------------------ features
    def prepare(
        self,
        columns: list[str] | None,
        missing: str,
        scale: str,
        weight: str | None,
        one_hot: tuple[str, ...] = (),
    ) -> None:
        """The feature matrix for a choice of columns (and ``one_hot`` text columns),
        missing-value rule, scale and weights."""
        if self.table is None:
            return
        self._generation += 1
        generation = self._generation
        self._background.run(
            jobs.prepare,
            self.table.frame,
            columns,
            missing,
            scale,
            weight,
            tuple(one_hot),
            on_result=lambda prepared: self._on_prepared(generation, prepared),
            on_error=lambda exc: self._on_prepare_failed(generation, exc),
        )

    def _on_prepare_failed(self, generation: int, exc: Exception) -> None:
        if self._current(generation):
            self.prepared, self.plot = None, None
            self.prepareFailed.emit(error_text(exc))

    def _on_prepared(self, generation: int, prepared: jobs.PreparedFeatures) -> None:
        if self._current(generation):
            self.prepared = prepared
            self.featuresPrepared.emit()

    # ------------------------------------------------------------------ plot
    def place(self, choice: Any) -> None:
        """Place the points for a ``PlotChoice``: two feature columns (in the file's units, on
        the background pool) or principal components (computed by the engine, on the features
        as the fit sees them)."""
        if self.prepared is None:
            return
        self._plot_generation += 1
        generation = self._plot_generation
        features = self.prepared.features
        if choice.mode == PLOT_FEATURES or features.X.shape[1] < 3:
            self._background.run(
                PlotSpace.of_features,
                features,
                choice.x,
                choice.y,
                on_result=lambda space: self._on_placed(generation, features, space),
                on_error=self.plotFailed.emit,
            )
            return
        self.projecting.emit()
        self._engine.projection(
            features.X,
            on_result=lambda result: self._on_projection(generation, features, result),
            on_error=self.plotFailed.emit,
        )

    def _plot_current(self, generation: int, features: Any) -> bool:
        """The plot asked for last, of the features on screen (not overtaken meanwhile)."""
        prepared = self.prepared
        return (
            generation == self._plot_generation
            and not self._closed
            and prepared is not None
            and prepared.features is features
        )

    def _on_placed(self, generation: int, features: Any, space: PlotSpace) -> None:
        if self._plot_current(generation, features):
            self._set_plot(space)

    def _on_projection(self, generation: int, features: Any, result: dict) -> None:
        if not self._plot_current(generation, features):
            return
        self._set_plot(
            PlotSpace.of_components(
                features, result["scores"], result["affine"], result["explained"]
            )
        )

    def _set_plot(self, space: PlotSpace) -> None:
        self.plot = space
        self.pointsPlaced.emit()
        then, self._then = self._then, None
        if then is not None:
            then()

    def close(self) -> None:
        """The window is closing: results still on their way are dropped."""
        self._closed = True
