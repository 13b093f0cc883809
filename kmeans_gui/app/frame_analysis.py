"""The analysis of the frame shown: its cluster profiles and its silhouettes, kept up to date in
the background without ever holding the GUI thread.

Both follow the frame on screen (the finished run, a paused or scrubbed iteration), once it has
stayed on screen for :data:`SETTLE_MS` (an animation playing at speed moves on before then, so
nothing is computed for frames the user cannot read) and only while their dock is visible.
Profiles are pandas work on the window's :class:`~kmeans_gui.app.background.BackgroundJobs`
pool; silhouettes an engine job (``engine_host.jobs.silhouettes``). One computation of each
runs at a time: an answer for a frame no longer shown is dropped, and the frame shown then is
computed next, so a million rows never queue up work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QTabBar

from kmeans_gui.engine.choices import SILHOUETTE_EXACT_ROWS

from .profile_view import ProfileView
from .run_session import RunSession
from .silhouette_view import SilhouetteView, silhouette_note

SETTLE_MS = 200  # a frame shown this long is analysed


def dock_on_screen(dock: QDockWidget) -> bool:
    """The dock is shown and, when tabbed with others, its tab is the current one (a tabbed
    dock behind another tab still counts as visible to Qt)."""
    if not dock.isVisible():
        return False
    title = dock.windowTitle()
    for bar in dock.parentWidget().findChildren(QTabBar):
        if bar.isVisible() and title in (bar.tabText(i) for i in range(bar.count())):
            return bar.tabText(bar.currentIndex()) == title
    return True


def compute_profiles(features: Any, labels: np.ndarray, k: int, frame: Any) -> Any:
    """``cluster_profiles`` of the table's rows as written (pandas; on a pool thread)."""
    from kmeans_gui.data.profiles import cluster_profiles

    return cluster_profiles(features, labels, k, frame=frame)


def write_profiles(table: Any, profiles: Any, path: str) -> str:
    """The profile table, atomically, as ``cluster --profile-out`` writes it; ``profiles`` is a
    ClusterProfiles, or (features, labels, k) to compute it first."""
    from kmeans_gui.data import write_table

    if isinstance(profiles, tuple):
        profiles = compute_profiles(*profiles, table.frame)
    return str(write_table(profiles.table, path, source=table, sheet_name="profiles"))


@dataclass(frozen=True, eq=False)
class ShownClusters:
    """The clustering on screen: the frame's identity (``key``) and what analysing it needs."""

    key: tuple[Any, Any]  # (features, frame): held, so never mistaken for a later frame
    features: Any  # FeatureMatrix the run clustered
    labels: np.ndarray  # (n_used,), a copy (the history's cached labels change as it plays)
    k: int
    iteration: int
    final: bool
    metric: str
    seed: int | None
    device: str


def _same(a: ShownClusters | None, b: ShownClusters | None) -> bool:
    """Both show the same frame of the same features."""
    if a is None or b is None:
        return False
    return all(x is y for x, y in zip(a.key, b.key, strict=True))


class FrameAnalysis(QObject):
    """Profiles and silhouettes of the session's frame shown, for ``profile_view`` and
    ``silhouette_view``; ``table()`` is the table on screen, ``visible(view)`` whether a view's
    dock is visible. ``profilesShown`` and ``silhouettesShown`` fire once a view shows an
    answer (tests wait on them)."""

    profilesShown = Signal()
    silhouettesShown = Signal()

    def __init__(
        self,
        session: RunSession,
        background: Any,
        engine: Any,
        table: Callable[[], Any],
        profile_view: ProfileView,
        silhouette_view: SilhouetteView,
        visible: Callable[[Any], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.background = background
        self.engine = engine
        self.table = table
        self.profile_view = profile_view
        self.silhouette_view = silhouette_view
        self.visible = visible
        self.profiles: Any = None  # the ClusterProfiles shown
        self.silhouettes: dict[str, Any] | None = None  # the engine's answer shown
        self._shown: dict[str, ShownClusters | None] = {"profiles": None, "silhouettes": None}
        self._busy = {"profiles": False, "silhouettes": None}  # pool flag / engine job
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.refresh)
        session.frameChanged.connect(lambda _index: self._settle.start())
        session.finished.connect(self.refresh)
        session.historyChanged.connect(self._on_history_changed)

    # ------------------------------------------------------------------ what is shown
    def shown_clusters(self) -> ShownClusters | None:
        session = self.session
        current = session.current()
        if current is None or session.request is None:
            return None
        frame, labels = current
        features = session.request.features
        params = session.request.params
        return ShownClusters(
            key=(features, frame),
            features=features,
            labels=np.array(labels, copy=True),
            k=len(frame.centroids),
            iteration=frame.iteration,
            final=frame.final,
            metric=params.metric,
            seed=params.seed,
            device=params.device,
        )

    def _on_history_changed(self) -> None:
        if not len(self.session.history):  # reset, or a new run before its first state
            self._clear()

    def _clear(self) -> None:
        job = self._busy["silhouettes"]
        if job is not None:
            job.cancel()  # not started yet (queued behind the old run): a new run goes first
        self.profiles = self.silhouettes = None
        self._shown = {"profiles": None, "silhouettes": None}
        self.profile_view.show_profiles(None, "Run k-means to see what each cluster is.")
        self.silhouette_view.clear("Run k-means to see each row's silhouette.")

    def refresh(self) -> None:
        """Analyse the frame shown for the views that are visible (if not done already)."""
        shown = self.shown_clusters()
        if shown is None:
            return
        if self.visible(self.profile_view):
            self._refresh_profiles(shown)
        if self.visible(self.silhouette_view):
            self._refresh_silhouettes(shown)

    @staticmethod
    def _what(shown: ShownClusters) -> str:
        final = " (final)" if shown.final else ""
        return f"Iteration {shown.iteration}{final}, {shown.k} clusters"

    # ------------------------------------------------------------------ profiles
    def _refresh_profiles(self, shown: ShownClusters) -> None:
        table = self.table()
        if table is None or _same(self._shown["profiles"], shown) or self._busy["profiles"]:
            return
        self._busy["profiles"] = True
        self.profile_view.set_note(f"{self._what(shown)}: computing the profiles…")
        self.background.run(
            compute_profiles,
            shown.features,
            shown.labels,
            shown.k,
            table.frame,
            on_result=lambda profiles: self._on_profiles(shown, profiles),
            on_error=self._on_profiles_failed,
        )

    def _on_profiles(self, shown: ShownClusters, profiles: Any) -> None:
        self._busy["profiles"] = False
        now = self.shown_clusters()
        if _same(now, shown):
            self.profiles = profiles
            self._shown["profiles"] = shown
            rows = shown.features.n_used
            self.profile_view.show_profiles(
                profiles, f"{self._what(shown)}; {rows:,} rows, in the file's own units."
            )
            self.profilesShown.emit()
        self.refresh()  # a newer frame is shown: it is next (a stale answer is dropped)

    def _on_profiles_failed(self, exc: Exception) -> None:
        self._busy["profiles"] = False
        self.profile_view.set_note(f"Could not compute the profiles: {exc}")

    # ------------------------------------------------------------------ silhouettes
    def _refresh_silhouettes(self, shown: ShownClusters) -> None:
        if _same(self._shown["silhouettes"], shown) or self._busy["silhouettes"] is not None:
            return
        features = shown.features
        sampled = features.n_used > SILHOUETTE_EXACT_ROWS
        what = f"a sample of {SILHOUETTE_EXACT_ROWS:,} rows" if sampled else "every row"
        self.silhouette_view.set_note(f"{self._what(shown)}: computing the silhouette of {what}…")
        kwargs = {
            "metric": shown.metric,
            "seed": shown.seed,  # no seed: sample_rows' seed 0, as the Scores dock's
            "exact_rows": SILHOUETTE_EXACT_ROWS,
            "device": shown.device,
        }
        job: Any = None

        def on_result(answer: dict[str, Any]) -> None:
            now = self.shown_clusters()
            if job is self._busy["silhouettes"] and _same(now, shown):
                self._show_silhouettes(shown, answer)

        def on_error(exc: Exception) -> None:
            if job is self._busy["silhouettes"]:
                self.silhouette_view.clear(f"Could not compute the silhouettes: {exc}")

        def on_done(_cancelled: bool) -> None:
            if job is self._busy["silhouettes"]:
                self._busy["silhouettes"] = None
                self.refresh()

        job = self.engine.silhouettes(
            features.X,
            features.weights,
            shown.labels,
            kwargs,
            on_result=on_result,
            on_error=on_error,
            on_done=on_done,
        )
        self._busy["silhouettes"] = job

    def _show_silhouettes(self, shown: ShownClusters, answer: dict[str, Any]) -> None:
        self.silhouettes = answer
        self._shown["silhouettes"] = shown
        scale = shown.features.scaler.kind
        note = silhouette_note(len(answer["values"]), answer["n_rows"], shown.metric, scale)
        self.silhouette_view.show_values(
            answer["labels"],
            answer["values"],
            shown.k,
            answer["mean"],
            f"{self._what(shown)}. {note}",
        )
        self.silhouettesShown.emit()

    # ------------------------------------------------------------------ export
    def export_profiles(self, path: str, on_written: Callable[[str], None], on_error) -> bool:
        """Write the profiles of the frame shown to ``path`` in the background (computed there
        too when the profiles tab has not shown them); False when no run is shown."""
        table, shown = self.table(), self.shown_clusters()
        if table is None or shown is None:
            return False
        profiles = self.profiles if _same(self._shown["profiles"], shown) else None
        self.background.run(
            write_profiles,
            table,
            profiles or (shown.features, shown.labels, shown.k),
            str(path),
            on_result=on_written,
            on_error=on_error,
        )
        return True
