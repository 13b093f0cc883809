"""Model files: a fitted clustering saved as versioned JSON, and new rows read in its terms.

A model holds everything needed to assign new rows exactly as the fit saw them: the feature
names in order, the missing-value policy (with the training means it fills in), the scaling
(fit units = (value - offset) / scale, per feature), the metric, the algorithm, the centroids in
the data's own units, the one-hot categories if any, and a summary of the fit and of the file it
came from. README.md ("Model files") documents every field. Reading checks the whole schema by
hand (see :mod:`.records`); a model of a newer format version is refused, not guessed at.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmeans_gui import __version__
from kmeans_gui.engine.choices import ALGORITHM_NAMES, METRICS

from .errors import DataError
from .export import Source, check_export_path
from .features import SCALINGS, FeatureMatrix, Scaler, column_as_float
from .records import PlannedRecord, RecordReader, read_record, write_record

MODEL_FORMAT = "kmeans-gui model"
MODEL_VERSION = 1
"""The newest model format this code reads and the one it writes."""

SESSION_FORMAT = "kmeans-gui session"

REASON_MISSING = "a missing or non-finite feature value"
REASON_NO_DIRECTION = "all-zero features (no direction for the cosine metric)"
REASON_UNSEEN = "a category the model was not fitted on"


def one_hot_feature(column: str, category: str) -> str:
    """The feature name of ``column``'s one-hot indicator for ``category``: 'colour=red'."""
    return f"{column}={category}"


@dataclass(frozen=True)
class FitSummary:
    """What the fit was: for the reader's information, predict does not need it."""

    inertia: float  # weighted sum of squared distances, in fit (scaled) units
    n_iter: int
    converged: bool
    seed: int | None
    device: str
    n_rows: int  # rows of the source table
    n_used: int  # rows that went into the fit
    sizes: tuple[int, ...]  # rows per cluster
    source_name: str  # the source file's name (no folder)
    source_sha256: str
    weight_column: str | None = None


@dataclass(frozen=True, eq=False)
class ClusterModel:
    """A fitted clustering, ready to assign rows of a table with the same columns."""

    features: tuple[str, ...]
    centroids: np.ndarray  # (k, D) float64, the data's own units
    scaler: Scaler
    metric: str
    algorithm: str
    fit: FitSummary
    missing: str = "drop"
    fill_values: np.ndarray | None = None  # (D,) user units, with missing == "mean"
    one_hot: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    created: str = ""  # ISO 8601 UTC
    software: str = ""

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])

    def fit_centroids(self) -> np.ndarray:
        """The centroids in the units the metric is measured in (the scaled ones)."""
        return self.scaler.to_fit_units(self.centroids)

    def input_columns(self) -> list[str]:
        """The table columns the model reads: numeric features and one-hot source columns."""
        dummies = self.indicators()
        columns: list[str] = []
        for name in self.features:
            column = dummies[name][0] if name in dummies else name
            if column not in columns:
                columns.append(column)
        return columns

    def indicators(self) -> dict[str, tuple[str, str]]:
        """Each one-hot feature's (column, category)."""
        return {
            one_hot_feature(column, category): (column, category)
            for column, categories in self.one_hot.items()
            for category in categories
        }


def build_model(
    features: FeatureMatrix,
    centroids: np.ndarray,
    *,
    metric: str,
    algorithm: str,
    fit: FitSummary,
    one_hot: Mapping[str, Sequence[str]] | None = None,
) -> ClusterModel:
    """The model of a fit of ``features``; ``centroids`` (k, D) are in the data's own units
    (as :func:`final_centroids` reports them). ``one_hot`` maps each one-hot encoded column to
    its categories, whose indicators are features named by :func:`one_hot_feature`."""
    model = ClusterModel(
        features=tuple(features.columns),
        centroids=np.array(centroids, dtype=np.float64),
        scaler=features.scaler,
        metric=metric,
        algorithm=algorithm,
        fit=fit,
        missing=features.missing,
        fill_values=features.fill_values if features.missing == "mean" else None,
        one_hot={str(c): tuple(map(str, cats)) for c, cats in (one_hot or {}).items()},
        created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        software=f"kmeans-gui {__version__}",
    )
    return model_from_record(model_record(model), "the new model")  # one check for both ways


def model_record(model: ClusterModel) -> dict[str, Any]:
    """The model as the JSON object a model file holds (plain Python values)."""
    missing: dict[str, Any] = {"policy": model.missing}
    if model.fill_values is not None:
        missing["fill"] = model.fill_values.tolist()
    record: dict[str, Any] = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "created": model.created,
        "software": model.software,
        "features": list(model.features),
    }
    if model.one_hot:
        record["one_hot"] = {column: list(cats) for column, cats in model.one_hot.items()}
    fit = model.fit
    record |= {
        "missing": missing,
        "scaling": {
            "kind": model.scaler.kind,
            "offset": model.scaler.offset.tolist(),
            "scale": model.scaler.scale.tolist(),
        },
        "metric": model.metric,
        "algorithm": model.algorithm,
        "centroids": model.centroids.tolist(),
        "fit": {
            "k": model.k,
            "inertia": fit.inertia,
            "iterations": fit.n_iter,
            "converged": fit.converged,
            "seed": fit.seed,
            "device": fit.device,
            "rows": fit.n_rows,
            "rows_used": fit.n_used,
            "sizes": list(fit.sizes),
            "weight_column": fit.weight_column,
            "source": {"name": fit.source_name, "sha256": fit.source_sha256},
        },
    }
    return record


def model_from_record(record: Mapping[str, Any], name: str) -> ClusterModel:
    """Check ``record`` against the schema and build the model; :class:`DataError` says what
    is wrong (``name`` is the file's name, for the message)."""
    read = RecordReader(name, "model")
    features = read.names(record, "features")
    d = len(features)
    one_hot = _read_one_hot(read, record, features)

    missing = read.section(record, "missing")
    policy = read.text(missing, "policy", "missing", choices=("drop", "mean"))
    fill = read.vector(missing, "fill", "missing", d) if policy == "mean" else None

    scaling = read.section(record, "scaling")
    kind = read.text(scaling, "kind", "scaling", choices=SCALINGS)
    offset = read.vector(scaling, "offset", "scaling", d)
    scale = read.vector(scaling, "scale", "scaling", d)
    if (scale <= 0).any():
        read.fail("scaling.scale", "must hold positive numbers only")

    algorithm = read.text(record, "algorithm", choices=ALGORITHM_NAMES)
    metric = read.text(record, "metric", choices=METRICS[algorithm])
    centroids = read.matrix(record, "centroids", "", None, d)
    k = centroids.shape[0]

    summary = read.section(record, "fit")
    if read.integer(summary, "k", "fit", minimum=1) != k:
        read.fail("fit.k", f"is {summary['k']} but there are {k} centroids")
    sizes = read.value(summary, "sizes", "fit")
    if not (
        isinstance(sizes, list)
        and len(sizes) == k
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes)
    ):
        read.fail("fit.sizes", f"must be a list of {k} whole numbers of at least 0")
    source = read.section(summary, "source", "fit")
    fit = FitSummary(
        inertia=read.number(summary, "inertia", "fit", minimum=0),
        n_iter=read.integer(summary, "iterations", "fit", minimum=0),
        converged=read.flag(summary, "converged", "fit"),
        seed=read.integer(summary, "seed", "fit", minimum=0, optional=True),
        device=read.text(summary, "device", "fit"),
        n_rows=read.integer(summary, "rows", "fit", minimum=0),
        n_used=read.integer(summary, "rows_used", "fit", minimum=0),
        sizes=tuple(sizes),
        source_name=read.text(source, "name", "fit.source"),
        source_sha256=read.text(source, "sha256", "fit.source"),
        weight_column=read.text(summary, "weight_column", "fit", optional=True),
    )
    return ClusterModel(
        features=features,
        centroids=centroids,
        scaler=Scaler(kind, offset, scale),
        metric=metric,
        algorithm=algorithm,
        fit=fit,
        missing=policy,
        fill_values=fill,
        one_hot=one_hot,
        created=read.text(record, "created", optional=True) or "",
        software=read.text(record, "software", optional=True) or "",
    )


def _read_one_hot(
    read: RecordReader, record: Mapping[str, Any], features: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    section = read.section(record, "one_hot", optional=True) or {}
    one_hot = {}
    for column in section:
        categories = read.names(section, column, "one_hot")
        for category in categories:
            if one_hot_feature(column, category) not in features:
                read.fail(
                    f"one_hot.{column}",
                    f"lists '{category}' but there is no feature "
                    f"'{one_hot_feature(column, category)}'",
                )
        if column in features:
            read.fail(f"one_hot.{column}", "is also a numeric feature")
        one_hot[column] = categories
    return one_hot


def write_model(model: ClusterModel, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` to ``path`` atomically and return the path."""
    check_model_path(path)
    return write_record(model_record(model), path)


def read_model(path: str | os.PathLike[str]) -> ClusterModel:
    """The model in ``path``, checked; :class:`DataError` names what is wrong."""
    record, _ = read_record(
        path,
        "model",
        MODEL_VERSION,
        other_kinds={SESSION_FORMAT: "open it in the window with 'kmeans-gui SESSION'"},
    )
    return model_from_record(record, Path(path).name)


def check_model_path(
    path: str | os.PathLike[str], *, source: Source = None, overwrite_input: bool = False
) -> Path:
    """``path`` if a model can be written there (a .json name in a writable folder, not the
    input file); else :class:`DataError`. Call it before the fit so a bad name fails fast."""
    target = Path(path).expanduser()
    if target.suffix.lower() != ".json" and not target.is_dir():
        raise DataError(f"End the model file's name with .json (not '{target.name}').")
    return check_export_path(target, source=source, overwrite_input=overwrite_input)[0]


def plan_model_write(
    model: ClusterModel,
    path: str | os.PathLike[str],
    *,
    source: Source = None,
    overwrite_input: bool = False,
) -> PlannedRecord:
    """Check ``path`` (see :func:`check_model_path`) and prepare the write for
    :func:`write_all`, beside the table exports."""
    target = check_model_path(path, source=source, overwrite_input=overwrite_input)
    return PlannedRecord.of(model_record(model), target)


def model_features(
    model: ClusterModel, frame: pd.DataFrame, name: str
) -> tuple[FeatureMatrix, list[str]]:
    """The rows of ``frame`` in the model's fit units, and sentences about rows left out.

    A row with a missing or non-finite feature is left out (it gets an empty cluster) under
    the "drop" policy and filled with the training means under "mean"; with the cosine metric
    a row whose scaled features are all zero has no direction and is left out too. A one-hot
    cell holding a category the model was not fitted on is left out as well. Raises
    :class:`DataError` for a column the model needs that ``frame`` lacks, or for text or
    dates in a numeric feature column (``name`` is the table's file name, for messages).
    """
    absent = [c for c in model.input_columns() if c not in frame.columns]
    if absent:
        raise DataError(
            f"{name} has no {'column' if len(absent) == 1 else 'columns'} "
            f"{', '.join(repr(c) for c in absent)}, which the model needs "
            f"(its features: {', '.join(model.features)})."
        )
    n, d = len(frame), len(model.features)
    values = np.empty((n, d), dtype=np.float64)
    unseen = np.zeros(n, dtype=bool)
    dummies = model.indicators()
    texts: dict[str, pd.Series] = {}
    for j, feature in enumerate(model.features):
        if feature in dummies:
            column, category = dummies[feature]
            if column not in texts:
                texts[column] = frame[column].astype("string")
                known = texts[column].isin(model.one_hot[column]).to_numpy(dtype=bool)
                unseen |= texts[column].notna().to_numpy(dtype=bool) & ~known
            equal = (texts[column] == category).astype("Float64")
            values[:, j] = equal.to_numpy(dtype=np.float64, na_value=np.nan)
            continue
        try:
            values[:, j] = column_as_float(
                frame, feature, role="feature column", advice="the model needs numbers there"
            )
        except DataError as exc:
            text = str(exc)
            raise DataError(f"In {name}, {text[0].lower()}{text[1:]}") from None
    finite = np.isfinite(values)
    missing_counts = {f: int(n - finite[:, j].sum()) for j, f in enumerate(model.features)}
    n_imputed = 0
    if model.missing == "mean" and model.fill_values is not None:
        n_imputed = int((~finite).sum())
        values = np.where(finite, values, model.fill_values)
        usable = np.ones(n, dtype=bool)
    else:
        usable = finite.all(axis=1)
    left_out: dict[str, int] = {}
    if (count := int(n - usable.sum())) > 0:
        left_out[REASON_MISSING] = count
    if (count := int((usable & unseen).sum())) > 0:
        left_out[REASON_UNSEEN] = count
        usable &= ~unseen
    X = model.scaler.to_fit_units(values[usable])
    if model.metric == "cosine":
        zero = ~(np.abs(X) > 0).any(axis=1)
        if zero.any():
            left_out[REASON_NO_DIRECTION] = int(zero.sum())
            positions = np.flatnonzero(usable)
            usable[positions[zero]] = False
            X = X[~zero]
    features = FeatureMatrix(
        X=np.ascontiguousarray(X),
        row_mask=usable,
        columns=model.features,
        scaler=model.scaler,
        missing=model.missing,
        missing_counts=missing_counts,
        left_out=left_out,
        n_imputed=n_imputed,
        fill_values=model.fill_values,
    )
    return features, _notes(features)


def _notes(features: FeatureMatrix) -> list[str]:
    notes = []
    if features.n_left_out:
        parts = [f"{count:,} with {reason}" for reason, count in features.left_out.items()]
        notes.append(
            f"{features.n_left_out:,} of {features.n_rows:,} rows get an empty cluster: "
            f"{'; '.join(parts)}{_per_column(features)}."
        )
    if features.n_imputed:
        notes.append(
            f"{features.n_imputed:,} missing or non-finite cells were filled with the training "
            f"means{_per_column(features)}."
        )
    return notes


def _per_column(features: FeatureMatrix) -> str:
    counts = [f"'{c}' {n:,}" for c, n in features.missing_counts.items() if n]
    return f" (missing cells per column: {', '.join(counts)})" if counts else ""
