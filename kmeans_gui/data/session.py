"""Session files: a run saved as versioned JSON, to be reopened as it was and run again.

A session records where the data file is (relative to the session file when it lies beside it
or below, so a folder can be moved whole) with its SHA-256, the feature choice (columns,
missing values, scaling, weight column), every run parameter, and the result (centroids in the
data's own units, inertia, iterations). It holds no labels: reopening reloads the data and
re-runs, which with the same seed on the same device reproduces the saved result. Plain data:
the window maps its panels to and from :class:`FeatureSpec` and :class:`RunSpec`, and the
command line and tests use the same records. README.md ("Session files") documents the fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from kmeans_gui.engine.choices import (
    ALGORITHM_NAMES,
    DEVICE_CHOICES,
    INIT_CHOICES,
    METRICS,
    PARAMETERS,
)
from kmeans_gui.engine.refine_options import REFINE_ALGORITHMS, REFINE_PARAMETERS

from .features import MISSING_POLICIES, SCALINGS, FeatureMatrix
from .model_file import MODEL_FORMAT, SESSION_FORMAT
from .records import RecordReader, file_sha256, read_record, write_record

SESSION_VERSION = 1
"""The newest session format this code reads and the one it writes."""

_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class DataSource:
    """The table a session was made from: where it is (absolute) and its bytes' SHA-256."""

    path: Path
    sha256: str
    n_rows: int | None = None
    saved_at: Path | None = None  # where it was when the session was saved (read back only)


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns go into the fit and how: the arguments of ``prepare_features``."""

    columns: tuple[str, ...]
    missing: str = "drop"
    scale: str = "none"
    weight_column: str | None = None
    one_hot: tuple[str, ...] = ()  # columns expanded into one indicator feature per category

    def prepare_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``prepare_features(frame, columns, **kwargs)``."""
        kwargs: dict[str, Any] = {
            "missing": self.missing,
            "scale": self.scale,
            "weight_column": self.weight_column,
        }
        if self.one_hot:
            kwargs["one_hot"] = list(self.one_hot)
        return kwargs


@dataclass(frozen=True, eq=False)
class RunSpec:
    """Every parameter of a run, as the engine's ``KMeans``/``iterate`` take them.

    ``init`` is an initialiser's name or (k, D) initial centroids in the data's own units
    (e.g. points placed by hand); ``params`` holds the algorithm's own parameters
    (``engine.choices.PARAMETERS``: batch_size, learning_rate, optimizer, ...) and, for Lloyd,
    the refinement's (``refine``, ``refine_budget``).
    """

    k: int
    algorithm: str = "lloyd"
    init: str | np.ndarray = "k-means++"
    metric: str = "euclidean"
    tol: float = 1e-4
    max_iter: int = 300
    seed: int | None = None
    n_init: int = 1
    device: str = "auto"
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_engine_kwargs(
        cls, k: int, kwargs: Mapping[str, Any], features: FeatureMatrix | None = None
    ) -> RunSpec:
        """The spec of ``iterate(X, k, **kwargs)`` (the window's ``engine_kwargs()``).

        An array ``init`` is in fit units there; give ``features`` to store it in the data's.
        ``sample_weight`` is data, not a parameter: it is ignored (see FeatureSpec).
        """
        named = {"algorithm", "init", "metric", "tol", "max_iter", "seed", "n_init", "device"}
        values = {key: kwargs[key] for key in named if key in kwargs}
        init = values.get("init")
        if init is not None and not isinstance(init, str):
            init = np.asarray(init, dtype=np.float64)
            values["init"] = features.to_user_units(init) if features is not None else init
        params = {
            key: value
            for key, value in kwargs.items()
            if key not in named and key not in ("sample_weight", "strategy")
        }
        return cls(k=int(k), params=params, **values)

    def engine_kwargs(self, features: FeatureMatrix | None = None) -> dict[str, Any]:
        """Keyword arguments of ``KMeans(k, **kwargs)`` and ``iterate(X, k, **kwargs)``.

        Initial centroids are mapped to the fit units of ``features`` (needed for them).
        """
        init: str | np.ndarray = self.init
        if not isinstance(init, str):
            if features is None:
                raise ValueError("initial centroids need the features to map them to fit units")
            init = features.to_fit_units(init)
        return {
            "algorithm": self.algorithm,
            "init": init,
            "n_init": self.n_init,
            "tol": self.tol,
            "max_iter": self.max_iter,
            "seed": self.seed,
            "device": self.device,
            "metric": self.metric,
            **self.params,
        }


@dataclass(frozen=True, eq=False)
class RunResult:
    """What the run produced, to show before re-running and to check the re-run against."""

    centroids: np.ndarray  # (k, D) float64, the data's own units (as reported)
    inertia: float  # in fit (scaled) units
    n_iter: int
    converged: bool = True
    device: str = ""
    history: tuple[float, ...] = ()  # inertia of every state shown, in order


@dataclass(frozen=True, eq=False)
class Session:
    data: DataSource
    features: FeatureSpec
    run: RunSpec
    result: RunResult | None = None
    view: Mapping[str, Any] = field(default_factory=dict)  # the window's own choices, opaque
    software: str = ""
    location: Path | None = None  # the session file it was read from

    def with_data_path(self, path: str | os.PathLike[str]) -> Session:
        """The same session on a data file found elsewhere (after it moved)."""
        return replace(self, data=replace(self.data, path=Path(path).expanduser().absolute()))


def data_source(path: str | os.PathLike[str], n_rows: int | None = None) -> DataSource:
    """The :class:`DataSource` of a table file: its absolute path and SHA-256."""
    absolute = Path(path).expanduser().absolute()
    return DataSource(absolute, file_sha256(absolute), n_rows)


def session_record(session: Session, session_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON object of ``session`` saved at ``session_path`` (which decides relative paths)."""
    from kmeans_gui import __version__

    folder = Path(session_path).expanduser().absolute().parent
    data_path = session.data.path
    try:
        shown = data_path.relative_to(folder).as_posix()  # beside the session, or below it
    except ValueError:
        shown = str(data_path)
    run = session.run
    record: dict[str, Any] = {
        "format": SESSION_FORMAT,
        "version": SESSION_VERSION,
        "software": f"kmeans-gui {__version__}",
        "data": {
            "path": shown,
            "saved_at": str(data_path),
            "sha256": session.data.sha256,
            "rows": session.data.n_rows,
        },
        "features": {
            "columns": list(session.features.columns),
            "missing": session.features.missing,
            "scale": session.features.scale,
            "weight_column": session.features.weight_column,
            "one_hot": list(session.features.one_hot),
        },
        "run": {
            "k": run.k,
            "algorithm": run.algorithm,
            "init": run.init if isinstance(run.init, str) else np.asarray(run.init).tolist(),
            "metric": run.metric,
            "tol": run.tol,
            "max_iter": run.max_iter,
            "seed": run.seed,
            "n_init": run.n_init,
            "device": run.device,
            "params": dict(run.params),
        },
    }
    if session.result is not None:
        result = session.result
        record["result"] = {
            "centroids": np.asarray(result.centroids).tolist(),
            "inertia": result.inertia,
            "iterations": result.n_iter,
            "converged": result.converged,
            "device": result.device,
            "history": list(result.history),
        }
    if session.view:
        record["view"] = dict(session.view)
    return record


def write_session(session: Session, path: str | os.PathLike[str]) -> Path:
    """Write ``session`` to ``path`` atomically (the old file stays until the new is whole)."""
    return write_record(session_record(session, path), path)


def read_session(path: str | os.PathLike[str]) -> Session:
    """The session in ``path``, checked against the schema; :class:`DataError` says what is
    wrong. ``data.path`` is where the file should be now (see :func:`locate_data`)."""
    record, _ = read_record(
        path,
        "session",
        SESSION_VERSION,
        other_kinds={MODEL_FORMAT: "use it with 'kmeans-gui predict MODEL FILE'"},
    )
    return session_from_record(record, path)


def session_from_record(record: Mapping[str, Any], path: str | os.PathLike[str]) -> Session:
    source = Path(path).expanduser().absolute()
    read = RecordReader(source.name, "session")
    data = read.section(record, "data")
    stored = Path(read.text(data, "path", "data"))
    saved_at = read.text(data, "saved_at", "data", optional=True)
    source_info = DataSource(
        path=stored if stored.is_absolute() else source.parent / stored,
        sha256=read.text(data, "sha256", "data"),
        n_rows=read.integer(data, "rows", "data", minimum=0, optional=True),
        saved_at=Path(saved_at) if saved_at else None,
    )

    spec = read.section(record, "features")
    weight = read.text(spec, "weight_column", "features", optional=True)
    one_hot = spec.get("one_hot") or []
    features = FeatureSpec(
        columns=read.names(spec, "columns", "features"),
        missing=read.text(spec, "missing", "features", choices=MISSING_POLICIES),
        scale=read.text(spec, "scale", "features", choices=SCALINGS),
        weight_column=weight,
        one_hot=read.names(spec, "one_hot", "features") if one_hot else (),
    )
    # with one-hot columns the feature count is known only once the data are read
    d = None if features.one_hot else len(features.columns)
    run = _read_run(read, read.section(record, "run"), d)

    result = None
    section = read.section(record, "result", optional=True)
    if section is not None:
        history = section.get("history") or []
        if not isinstance(history, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in history
        ):
            read.fail("result.history", "must be a list of numbers")
        converged = "converged" not in section or read.flag(section, "converged", "result")
        result = RunResult(
            centroids=read.matrix(
                section, "centroids", "result", None, _width(section, "centroids", d)
            ),
            inertia=read.number(section, "inertia", "result", minimum=0),
            n_iter=read.integer(section, "iterations", "result", minimum=0),
            converged=converged,
            device=read.text(section, "device", "result", optional=True) or "",
            history=tuple(float(v) for v in history),
        )
    view = read.section(record, "view", optional=True) or {}
    return Session(
        data=source_info,
        features=features,
        run=run,
        result=result,
        view=view,
        software=read.text(record, "software", optional=True) or "",
        location=source,
    )


def _read_run(read: RecordReader, run: Mapping[str, Any], d: int | None) -> RunSpec:
    k = read.integer(run, "k", "run", minimum=1)
    algorithm = read.text(run, "algorithm", "run", choices=ALGORITHM_NAMES)
    init: str | np.ndarray
    if isinstance(read.value(run, "init", "run"), str):
        init = read.text(run, "init", "run", choices=INIT_CHOICES)
    else:
        init = read.matrix(run, "init", "run", k, _width(run, "init", d))
    params = read.section(run, "params", "run", optional=True) or {}
    refining = REFINE_PARAMETERS if algorithm in REFINE_ALGORITHMS else ()
    unknown = sorted(set(params) - set(PARAMETERS[algorithm]) - set(refining))
    if unknown:
        read.fail(f"run.params.{unknown[0]}", f"is not a parameter of the {algorithm} algorithm")
    return RunSpec(
        k=k,
        algorithm=algorithm,
        init=init,
        metric=read.text(run, "metric", "run", choices=METRICS[algorithm]),
        tol=read.number(run, "tol", "run", minimum=0),
        max_iter=read.integer(run, "max_iter", "run", minimum=1),
        seed=read.integer(run, "seed", "run", minimum=0, optional=True),
        n_init=read.integer(run, "n_init", "run", minimum=1),
        device=read.text(run, "device", "run", choices=DEVICE_CHOICES),
        params=params,
    )


def _width(obj: Mapping[str, Any], key: str, d: int | None) -> int:
    """The row length a matrix field must have: ``d``, or (unknown) its first row's."""
    if d is not None:
        return d
    rows = obj.get(key)
    first = rows[0] if isinstance(rows, list) and rows else None
    return len(first) if isinstance(first, list) and first else 1


@dataclass(frozen=True)
class DataLocation:
    """Where a session's data file was found (None: not found) and a sentence if it moved."""

    path: Path | None
    note: str = ""


def locate_data(session: Session) -> DataLocation:
    """Find the session's data file: where the session says (relative paths first), then
    where it was when saved, then by name beside the session file. ``note`` tells the user
    when the file was not where the session put it, or could not be found at all."""
    expected = session.data.path
    if expected.is_file():
        return DataLocation(expected)
    name = expected.name
    saved, beside = session.data.saved_at, None
    if session.location is not None:
        beside = session.location.parent / name
    for candidate, where in (
        (saved, "where it was when the session was saved"),
        (beside, "beside the session file"),
    ):
        if candidate is not None and candidate != expected and candidate.is_file():
            return DataLocation(
                candidate, f"The data file {name} is not at {expected}; using {candidate}, {where}."
            )
    return DataLocation(
        None,
        f"The data file {name} is not at {expected} any more; it has moved or been deleted: "
        "choose where it is now.",
    )


def data_changed(session: Session, path: str | os.PathLike[str] | None = None) -> str:
    """A sentence if the data file (``path``, default the session's) differs from the one the
    session was saved with (its SHA-256), else ""."""
    target = Path(path) if path is not None else session.data.path
    if file_sha256(target) == session.data.sha256:
        return ""
    return (
        f"{target.name} has changed since the session was saved (its contents differ); "
        "the run may not reproduce the saved result."
    )


def is_session_file(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` looks like a session file (a JSON object whose ``format`` says so),
    without reading more than its first few KiB: how ``kmeans-gui FILE`` tells a session from a
    JSON table."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    compact = "".join(head.split())  # whitespace-free: '"format":"kmeans-guisession"'
    key = '"format":"' + "".join(SESSION_FORMAT.split()) + '"'
    return compact.startswith("{") and key in compact
