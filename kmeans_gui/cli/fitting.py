"""The steps ``cluster`` and ``sweep`` share: load the table and its features, gather the
engine's options from the flags, set up ``--distribute``, and fit with progress."""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from kmeans_gui.data import (
    DataError,
    FeatureMatrix,
    LoadedTable,
    check_column,
    column_as_float,
    load_table,
    prepare_features,
)
from kmeans_gui.engine.choices import PARAMETERS
from kmeans_gui.engine.refine_options import REFINE_ALGORITHMS
from kmeans_gui.tf_startup import import_engine, native_stderr_filtered, quiet_requested

from .arguments import UsageError
from .output import warn
from .progress import Progress

SCALE_ADVICE = "rerun with --scale standard (or --scale minmax) to cluster them"
SPREAD_ADVICE = "rerun with --scale standard to weigh them alike"


def load_features(
    args: argparse.Namespace, reporter: Progress
) -> tuple[LoadedTable, FeatureMatrix, list[str]]:
    """Load FILE and build the feature matrix; returns the warnings shown along the way.

    A ``--compare-to`` column is checked as soon as the table is read, before any other work.
    """
    notes: list[str] = []
    table = load_table(args.file, progress=reporter.loading)
    reporter.done()
    if getattr(args, "compare_to", None) is not None:
        check_column(table.frame, args.compare_to)
    columns = _flattened(args.columns)
    features = prepare_features(
        table.frame,
        columns,
        missing=args.missing,
        scale=args.scale,
        weight_column=args.weight_column,
        one_hot=_flattened(args.one_hot) or (),
    )
    notes += [*table.notes, *feature_notes(features)]
    for note in notes:
        warn(note)
    return table, features, notes


def feature_notes(features: Any) -> list[str]:
    """What the user should know about the features (a ``FeatureMatrix`` or a streamed run's
    ``StreamedFeatures``): rows left out, cells filled, columns not chosen, unlike spreads."""
    them = "it" if len(features.excluded) == 1 else "them"
    notes = [
        features.exclusion_note(f"name {them} in --columns to use {them}"),
        features.spread_note(SPREAD_ADVICE),
    ]
    return [*features.notes(), *(note for note in notes if note is not None)]


def _flattened(groups: list[list[str]] | None) -> list[str] | None:
    """Names from a repeatable comma-list option (--columns a,b --columns c), or None."""
    return [name for group in groups for name in group] if groups else None


def engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments every engine call shares, algorithm parameters only when given."""
    options: dict[str, Any] = {
        "algorithm": args.algorithm,
        "metric": args.metric,
        "n_init": args.n_init,
        "tol": args.tol,
        "max_iter": args.max_iter,
        "seed": args.seed,
        "device": args.device,
    }
    for name in ("oversampling", "init_rounds"):
        if getattr(args, name, None) is not None:
            if args.init != "k-means||":
                raise UsageError(f"--{name.replace('_', '-')} is for --init k-means||")
            options[name] = getattr(args, name)
    for name in ("batch_size", "learning_rate", "optimizer", "max_candidates"):
        if getattr(args, name) is not None:
            if name not in PARAMETERS[args.algorithm]:
                users = [a for a, params in PARAMETERS.items() if name in params]
                raise UsageError(
                    f"--{name.replace('_', '-')} is for --algorithm {' or '.join(users)}, "
                    f"not {args.algorithm}"
                )
            options[name] = getattr(args, name)
    if args.refine != "none":
        if args.algorithm not in REFINE_ALGORITHMS:
            raise UsageError(
                f"--refine {args.refine} is for --algorithm lloyd, not {args.algorithm}"
            )
        options["refine"] = args.refine
        if args.refine_budget is not None:
            options["refine_budget"] = args.refine_budget
    elif args.refine_budget is not None:
        raise UsageError("--refine-budget is for --refine swap")
    return options


def check_distribute(kind: str, algorithm: str = "lloyd", refine: str = "none") -> None:
    """Refuse, before loading any file, what ``--distribute`` cannot do."""
    if kind != "none" and algorithm != "lloyd":
        raise UsageError(f"--distribute is for --algorithm lloyd, not {algorithm}")
    if kind != "none" and refine != "none":
        raise UsageError(f"--refine {refine} runs on one device; leave out --distribute")
    if kind == "multi-worker" and not os.environ.get("TF_CONFIG"):
        raise DataError(
            "--distribute multi-worker needs TF_CONFIG in the environment (the workers' "
            "host:port list and this process's task), as tf.distribute documents it."
        )


def make_strategy(kind: str) -> tuple[Any, bool]:
    """The tf.distribute strategy for ``--distribute`` and whether this process is the chief.

    Created before anything else touches TensorFlow: a multi-worker strategy must configure
    the runtime's collectives before the runtime starts. ``check_distribute`` has passed.
    """
    if kind == "none":
        return None, True
    with native_stderr_filtered(quiet_requested()):
        import tensorflow as tf

        if kind == "mirrored":
            return tf.distribute.MirroredStrategy(), True
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    resolver = strategy.cluster_resolver
    chief = resolver.task_type == "chief" or (
        resolver.task_type == "worker"
        and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict()
    )
    return strategy, chief


def load_engine() -> ModuleType:
    """The engine, imported on first use: TensorFlow takes seconds to load (quietly)."""
    return import_engine()


@dataclass
class Fit:
    centroids: np.ndarray  # (K, D) in the units of features.X
    labels: np.ndarray  # (n_used,)
    inertia: float
    n_iter: int
    converged: bool
    device: str
    n_relocated: int
    restart_inertias: list[float]
    seconds: float
    n_swaps: int = 0  # swaps the refinement kept (--refine swap), in the restart kept
    n_trials: int = 0  # swap trials it ran


def progress_line(state: Any) -> str:
    """What the progress line says of an engine state."""
    restart = f" (restart {state.restart + 1}/{state.n_restarts})" if state.n_restarts > 1 else ""
    if state.phase == "swap":
        step = f"swap {state.n_swaps} kept (trial {state.n_trials})"
    else:
        step = f"iteration {state.iteration}"
    return f"{step}{restart}: inertia {state.inertia:.6g}, {state.n_changed:,} labels changed"


def fit(
    engine: ModuleType,
    features: FeatureMatrix,
    k: int,
    init: str | np.ndarray,
    options: dict[str, Any],
    reporter: Progress,
) -> Fit:
    """Fit ``engine.KMeans``, showing every iteration as progress; keeps the best restart."""
    relocated: dict[int, int] = {}  # empty clusters repaired, per restart

    def on_state(state: Any) -> None:
        relocated[state.restart] = relocated.get(state.restart, 0) + state.n_relocated
        reporter.show(progress_line(state))

    started = time.perf_counter()
    model = engine.KMeans(k, init=init, **options)
    model.fit(features.X, features.weights, on_state=on_state)
    reporter.done()
    inertias = [float(v) for v in model.restart_inertias_]
    return Fit(
        centroids=np.asarray(model.cluster_centers_, dtype=np.float64),
        labels=np.asarray(model.labels_),
        inertia=float(model.inertia_),
        n_iter=int(model.n_iter_),
        converged=bool(model.converged_),
        device=str(model.device_),
        n_relocated=relocated.get(int(np.argmin(inertias)), 0),  # the restart fit() kept
        restart_inertias=inertias,
        seconds=time.perf_counter() - started,
        n_swaps=int(getattr(model, "n_swaps_", 0)),
        n_trials=int(getattr(model, "n_trials_", 0)),
    )


def distinct_points(features: FeatureMatrix, stop_at: int, metric: str) -> int:
    """Distinct rows of the feature matrix as the engine counts them, up to about ``stop_at``.

    Like the engine: rows of weight 0 do not count, and rows are compared in float32 after
    centring (or scaling to unit length for the cosine metric), so rows that differ only below
    float32 resolution are one point.
    """
    X = features.X
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        rows = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    else:
        rows = X - X.mean(axis=0)
    if features.weights is not None:
        rows = rows[features.weights > 0]
    rows = rows.astype(np.float32) + np.float32(0.0)  # -0.0 and 0.0 are one value
    prefix = min(rows.shape[0], max(1024, 8 * stop_at))  # usually decides it on a prefix
    found = int(np.unique(rows[:prefix], axis=0).shape[0])
    if found >= stop_at or prefix == rows.shape[0]:
        return found
    return int(np.unique(rows, axis=0).shape[0])


def read_init(path_text: str, features: FeatureMatrix, k: int) -> np.ndarray:
    """Initial centroids from a table file, in the units of ``features.X``."""
    table = load_table(path_text)
    name = table.path.name
    frame = table.frame
    columns = list(features.columns)
    if not table.has_header and frame.shape[1] == len(columns):
        frame = frame.set_axis(columns, axis=1)  # headerless: the columns in feature order
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise DataError(
            f"The initial-centroids file {name} has no "
            f"{'column' if len(absent) == 1 else 'columns'} {', '.join(map(repr, absent))}; "
            f"its header must name the feature columns ({', '.join(columns)})."
        )
    if len(frame) != k:
        raise DataError(
            f"The initial-centroids file {name} has {len(frame)} row(s) but k is {k}; "
            "give one row per cluster."
        )
    try:
        values = np.column_stack([column_as_float(frame, c) for c in columns])
    except DataError as exc:
        text = str(exc)
        raise DataError(
            f"In the initial-centroids file {name}, {text[0].lower()}{text[1:]}"
        ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"The initial-centroids file {name} has a missing or non-finite value in column "
            f"'{columns[col]}' on row {row + 1}."
        )
    return features.to_fit_units(values)
