"""Data-layer work the window hands to worker threads: load, prepare features, export.

Each function is plain Python on ``kmeans_gui.data`` (imported lazily, so pandas loads off the
GUI thread too), run by :class:`~kmeans_gui.app.background.BackgroundJobs` so a million-row
file never freezes the window. Errors are the data layer's ``DataError`` sentences, shown in
a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PreparedFeatures:
    """Features for a fit plus what the data panel reports about left-out rows."""

    features: Any  # kmeans_gui.data FeatureMatrix
    left_out_rows: np.ndarray  # 1-based row numbers of the table that are not in the fit


@dataclass(frozen=True)
class SessionFileFound:
    """``load`` was given a session file, not a table: the window opens it as a session."""

    path: str


def load(path: str, progress: Callable[[float, str], None] | None = None) -> Any:
    """The table at ``path`` (a LoadedTable; a SampledTable of a file too large to show), or
    SessionFileFound for a session file."""
    from kmeans_gui.data import load_table
    from kmeans_gui.data.sample_table import load_sample, should_sample
    from kmeans_gui.data.session import is_session_file

    if is_session_file(path):
        return SessionFileFound(path)
    if should_sample(path):
        return load_sample(path, progress=progress)
    return load_table(path, progress=progress)


@dataclass(frozen=True)
class ScreenTable:
    """A loaded table and what the data panel needs to know of its columns, worked out on the
    worker thread with the load (at a million rows, counting a text column's values or judging
    whether integers look like years took the GUI thread hundreds of milliseconds)."""

    table: Any  # kmeans_gui.data LoadedTable (or SampledTable)
    numeric: list[str]
    excluded: dict[str, str]  # numeric columns not ticked by default: 'a year'…
    categories: dict[str, int]  # text columns one-hot can encode, and their value counts


def load_for_screen(
    path: str, progress: Callable[[float, str], None] | None = None
) -> ScreenTable | SessionFileFound:
    """``load``, and the column advice for the data panel (``feature_advice``)."""
    from . import feature_advice

    table = load(path, progress)
    if isinstance(table, SessionFileFound):
        return table
    numeric = numeric_columns(table.frame)
    return ScreenTable(
        table,
        numeric,
        feature_advice.default_exclusions(table.frame, numeric),
        feature_advice.category_columns(table.frame, numeric),
    )


def numeric_columns(frame: Any) -> list[str]:
    from kmeans_gui.data import numeric_columns as numeric

    return [str(c) for c in numeric(frame)]


def prepare(
    frame: Any,
    columns: list[str],
    missing: str,
    scale: str,
    weight_column: str | None,
    one_hot: tuple[str, ...] = (),
) -> PreparedFeatures:
    from kmeans_gui.data import prepare_features

    features = prepare_features(
        frame,
        columns,
        missing=missing,
        scale=scale,
        weight_column=weight_column,
        one_hot=one_hot,
    )
    left_out = np.flatnonzero(~np.asarray(features.row_mask, dtype=bool)) + 1
    # computed here, off the GUI thread: Run checks the ranges, the plot's bounds come from
    # them, the data panel's spread note from the spreads
    features.column_ranges  # noqa: B018
    features.column_spreads  # noqa: B018
    return PreparedFeatures(features=features, left_out_rows=left_out)


def export_labelled(
    table: Any,
    features: Any,
    labels: np.ndarray,
    centroids: np.ndarray,
    algorithm: str,
    metric: str,
    path: str,
) -> str:
    """Every row of the table plus ``cluster`` and ``distance`` (to its centroid, fit units),
    the distances the CLI writes."""
    from kmeans_gui.data import export_labelled as write
    from kmeans_gui.report import centroids_and_distances

    _, distances = centroids_and_distances(
        features, labels, centroids, algorithm=algorithm, metric=metric, frame=table.frame
    )
    return str(write(table, features, labels, distances, path))


def export_centroids(
    table: Any,
    features: Any,
    labels: np.ndarray,
    centroids: np.ndarray,
    sizes: np.ndarray,
    algorithm: str,
    metric: str,
    path: str,
) -> str:
    """One row per cluster with its size and the centroid in the file's own units, as the CLI
    writes it (a k-medoids centre is its table row exactly as written)."""
    from kmeans_gui.data import export_centroids as write
    from kmeans_gui.data import final_centroids

    user = final_centroids(
        features, labels, centroids, algorithm=algorithm, metric=metric, frame=table.frame
    )
    return str(write(features, user, sizes, path, source=table, user_units=True))


@dataclass(frozen=True)
class FinishedRun:
    """What File > Export model and Save session need of the run on screen."""

    features: Any  # FeatureMatrix the run clustered
    labels: np.ndarray  # (n_used,) of the frame shown
    centroids: np.ndarray  # (k, D) engine centroids of that frame, fit units
    sizes: np.ndarray
    inertia: float
    n_iter: int
    converged: bool
    device: str
    algorithm: str
    metric: str
    seed: int | None
    history: tuple[float, ...] = ()  # inertia of every frame of the restart shown


def reported_centroids(table: Any, run: FinishedRun) -> np.ndarray:
    """The run's centroids as files report them: the data's own units, medoids as written."""
    from kmeans_gui.data import final_centroids

    return final_centroids(
        run.features,
        run.labels,
        run.centroids,
        algorithm=run.algorithm,
        metric=run.metric,
        frame=table.frame,
    )


def export_model(table: Any, run: FinishedRun, path: str) -> str:
    """The run as a model file (kmeans_gui.data.model_file), as ``cluster --model-out`` writes."""
    from kmeans_gui.data import FitSummary, build_model, file_sha256, write_model

    centroids = reported_centroids(table, run)
    summary = FitSummary(
        inertia=run.inertia,
        n_iter=run.n_iter,
        converged=run.converged,
        seed=run.seed,
        device=run.device,
        n_rows=run.features.n_rows,
        n_used=run.features.n_used,
        sizes=tuple(int(s) for s in run.sizes),
        source_name=table.path.name,
        source_sha256=file_sha256(table.path),
        weight_column=run.features.weight_column,
    )
    model = build_model(
        run.features, centroids, metric=run.metric, algorithm=run.algorithm, fit=summary
    )
    return str(write_model(model, path))


def save_session(
    table: Any, feature_spec: Any, run_spec: Any, run: FinishedRun | None, view: dict, path: str
) -> str:
    """The session file: data file (path and SHA-256), choices, run parameters and result."""
    from kmeans_gui import __version__
    from kmeans_gui.data.session import RunResult, Session, data_source, write_session

    result = None
    if run is not None:
        result = RunResult(
            centroids=reported_centroids(table, run),
            inertia=run.inertia,
            n_iter=run.n_iter,
            converged=run.converged,
            device=run.device,
            history=run.history,
        )
    session = Session(
        data=data_source(table.path, n_rows=len(table.frame)),
        features=feature_spec,
        run=run_spec,
        result=result,
        view=view,
        software=f"kmeans-gui {__version__}",
    )
    return str(write_session(session, path))


@dataclass(frozen=True)
class OpenedSession:
    session: Any  # kmeans_gui.data.session.Session
    data_path: str | None  # None: the data file was not found
    note: str  # it moved (found elsewhere), or could not be found
    changed: str  # a sentence when the data file's contents differ from the saved ones


def open_session(path: str) -> OpenedSession:
    """Read a session file and find its data (hashing it: off the GUI thread)."""
    from kmeans_gui.data.session import data_changed, locate_data, read_session

    session = read_session(path)
    location = locate_data(session)
    if location.path is None:
        return OpenedSession(session, None, location.note, "")
    return OpenedSession(
        session, str(location.path), location.note, data_changed(session, location.path)
    )


def session_data_changed(session: Any, data_path: str) -> str:
    from kmeans_gui.data.session import data_changed

    return data_changed(session, data_path)
