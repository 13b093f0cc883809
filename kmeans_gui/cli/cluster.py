"""``kmeans-gui cluster``: fit one clustering, print a summary (or JSON), write the outputs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from kmeans_gui.data import (
    DataError,
    FeatureMatrix,
    LoadedTable,
    centroid_frame,
    check_export_path,
    cluster_profiles,
    labelled_frame,
    plan_model_write,
    plan_write,
    reference_labels,
    write_all,
)
from kmeans_gui.data.errors import counted
from kmeans_gui.data.export import StagedWrite
from kmeans_gui.engine.choices import INIT_CHOICES, SILHOUETTE_EXACT_ROWS
from kmeans_gui.engine.state import ClusterScores
from kmeans_gui.report import Comparison, centroids_and_distances, compare_with_reference

from .arguments import check_init_choice
from .exit_codes import EXIT_OK
from .fitting import (
    SCALE_ADVICE,
    Fit,
    check_distribute,
    distinct_points,
    engine_options,
    fit,
    load_engine,
    load_features,
    make_strategy,
    read_init,
)
from .model_out import check_model_out, fitted_model
from .output import json_ready, warn
from .progress import Progress, WarningsToStderr

CENTROID_TABLE_LIMIT = 20  # print the centroids when k is at most this
CONTINGENCY_CLASS_LIMIT = 30  # print the contingency table when it has at most this many classes
OUTPUT_FLAGS = {"out": "--out", "centroids_out": "--centroids-out", "profile_out": "--profile-out"}


def run_cluster(args: argparse.Namespace) -> int:
    check_init_choice(args.init)  # a near miss of an initialiser, not a missing centroids file
    check_distribute(args.distribute, args.algorithm, args.refine)
    reporter = Progress(enabled=not args.quiet)
    table, features, notes = load_features(args, reporter)
    features.check_k(args.k)
    features.check_float32_range(args.metric, advice=SCALE_ADVICE)
    checked = check_outputs(args, table)
    check_model_out(args, table, checked)
    reference = (
        reference_labels(table.frame, features, args.compare_to) if args.compare_to else None
    )
    k = args.k
    init: str | np.ndarray = args.init
    if args.init not in INIT_CHOICES:
        init = read_init(args.init, features, k)
    distinct = distinct_points(features, k, args.metric)
    if distinct < k:
        if not isinstance(init, str):  # the user gave k centroids: lowering k would drop some
            raise DataError(
                f"The data have only {distinct} distinct point(s), fewer than the {k} initial "
                f"centroids in {Path(args.init).name}; give at most {distinct} centroids."
            )
        message = (
            f"only {distinct} distinct points, fewer than k = {k}; clustering with k = {distinct}"
        )
        warn(message)
        notes.append(message)
        k = distinct
    strategy, chief = make_strategy(args.distribute)
    engine = load_engine()
    options = engine_options(args)
    if strategy is not None:
        options["strategy"] = strategy
    with WarningsToStderr() as engine_warnings:
        result = fit(engine, features, k, init, options, reporter)
    if not chief:  # another worker of a multi-worker run: the chief reports and writes
        return EXIT_OK
    notes += engine_warnings
    if result.n_relocated:
        message = f"{result.n_relocated} empty cluster(s) were re-seeded during the run"
        warn(message)
        notes.append(message)
    if not result.converged:
        message = (
            f"did not converge within --max-iter {args.max_iter} iterations; "
            "the result is the last state reached"
        )
        warn(message)
        notes.append(message)

    centroids, distances = centroids_and_distances(
        features,
        result.labels,
        result.centroids,
        algorithm=args.algorithm,
        metric=args.metric,
        frame=table.frame,
    )
    sizes = np.bincount(result.labels, minlength=k)
    silhouettes = None
    if args.silhouette:
        if features.n_used > SILHOUETTE_EXACT_ROWS:
            reporter.status(f"silhouette of each of the {features.n_used:,} rows ...")
        silhouettes = engine.silhouette_samples(
            features.X, result.labels, features.weights, args.metric, args.device
        )
        reporter.done()
    scores = engine.score_clustering(
        features.X,
        result.labels,
        sample_weight=features.weights,
        metric=args.metric,
        device=args.device,
        seed=args.seed,
        silhouettes=silhouettes,
    )
    comparison = None if reference is None else compare_with_reference(reference, result.labels, k)
    written = write_outputs(args, table, features, result, centroids, distances, sizes, silhouettes)
    score_report = {
        "silhouette": scores.silhouette,
        "calinski_harabasz": scores.calinski_harabasz,
        "davies_bouldin": scores.davies_bouldin,
    }
    if scores.silhouette_sample is not None:
        score_report["silhouette_sample"] = scores.silhouette_sample
    if args.json:
        report = {
            "file": str(table.path),
            "format": table.format,
            "rows": features.n_rows,
            "rows_used": features.n_used,
            "rows_left_out": features.n_left_out,
            "left_out_reasons": features.left_out,
            "cells_imputed": features.n_imputed,
            "columns": list(features.columns),
            "weight_column": features.weight_column,
            "k": k,
            "k_requested": args.k,
            "scale": args.scale,
            "missing": args.missing,
            "init": args.init,
            "algorithm": args.algorithm,
            "metric": args.metric,
            "n_init": args.n_init,
            "seed": args.seed,
            "refine": args.refine,
            "n_swaps": result.n_swaps,
            "n_trials": result.n_trials,
            "n_iter": result.n_iter,
            "converged": result.converged,
            "inertia": result.inertia,
            "restart_inertias": result.restart_inertias,
            "n_relocated": result.n_relocated,
            "device": result.device,
            "seconds": result.seconds,
            "load_seconds": table.seconds,
            "centroids": centroids,
            "sizes": sizes,
            "scores": score_report,
            "outputs": written,
            "warnings": notes,
        }
        if comparison is not None:
            report["compare"] = comparison.as_dict()
        print(json.dumps(json_ready(report), allow_nan=False))
        return EXIT_OK

    used = f"{features.n_used:,} of {features.n_rows:,} rows used"
    if features.n_left_out:
        used += f", {features.n_left_out:,} left out"
    state = "converged" if result.converged else "did NOT converge"
    restarts = f", best of {args.n_init} restarts" if args.n_init > 1 else ""
    units = f" (in {args.scale}-scaled units)" if args.scale != "none" else ""
    refined = ""
    if args.refine != "none":
        refined = f", {counted(result.n_swaps, 'swap')} kept of {result.n_trials:,} trials"
    lines = [
        f"{table.path.name}: {used}; {counted(len(features.columns), 'feature')} "
        f"({', '.join(features.columns)}); k = {k}",
        f"{state} after {counted(result.n_iter, 'iteration')}{restarts}{refined}; "
        f"inertia {result.inertia:.10g}{units}",
        f"device {result.device}, {result.seconds:.2f} s",
        f"cluster sizes: {', '.join(f'{int(s):,}' for s in sizes)}",
        score_line(scores, features.n_used),
    ]
    if k <= CENTROID_TABLE_LIMIT:
        frame = centroid_frame(features, centroids, sizes, user_units=True)
        # 10 significant digits: GPS coordinates to the centimetre
        lines += ["centroids:", frame.to_string(index=False, float_format=lambda v: f"{v:.10g}")]
    if comparison is not None:
        lines += comparison_lines(comparison)
    for kind, path_text in written.items():
        lines.append(f"wrote {kind} to {path_text}")
    print("\n".join(lines))
    return EXIT_OK


def check_outputs(args: argparse.Namespace, table: LoadedTable) -> list[Path]:
    """Refuse, before any work, an output that cannot be written or two outputs of one name;
    the table outputs' paths (``check_model_out`` holds --model-out against them)."""
    seen: dict[Path, str] = {}
    for attribute, flag in OUTPUT_FLAGS.items():
        path = getattr(args, attribute)
        if path is None:
            continue
        target = check_export_path(path, source=table, overwrite_input=args.overwrite_input)[0]
        other = seen.setdefault(target.resolve(), flag)
        if other != flag:
            raise DataError(f"{other} and {flag} name the same file; give each its own name.")
    return list(seen)


def score_line(scores: ClusterScores, n_rows: int) -> str:
    """'scores: silhouette 0.5528 (...), Calinski-Harabasz 561.6, Davies-Bouldin 0.6619'."""
    if scores.silhouette_sample is not None:
        on = f" (on a seeded sample of {scores.silhouette_sample:,} of {n_rows:,} rows)"
    else:
        on = ""
    return (
        f"scores: silhouette {_number(scores.silhouette, '.4f')}{on}, "
        f"Calinski-Harabasz {_number(scores.calinski_harabasz, '.6g')}, "
        f"Davies-Bouldin {_number(scores.davies_bouldin, '.4f')}"
    )


def comparison_lines(comparison: Comparison) -> list[str]:
    """ARI and NMI on one line, then the contingency table (when it is small enough to read)."""
    missing = (
        f", {comparison.n_missing:,} rows without a value left out" if comparison.n_missing else ""
    )
    lines = [
        f"compared with '{comparison.column}' on {comparison.n_compared:,} rows{missing}: "
        f"adjusted Rand index {comparison.ari:.4f}, normalised mutual information "
        f"{comparison.nmi:.4f}"
    ]
    table = comparison.contingency
    if table.shape[1] <= CONTINGENCY_CLASS_LIMIT and table.shape[0] <= CENTROID_TABLE_LIMIT:
        lines += [
            f"rows of each cluster (down) in each class of '{comparison.column}' (across):",
            table.reset_index().to_string(index=False),
        ]
    else:
        lines.append(f"(the {table.shape[0]} x {table.shape[1]} contingency table is in --json)")
    return lines


def _number(value: float, spec: str) -> str:
    return format(value, spec) if np.isfinite(value) else "-"


def write_outputs(
    args: argparse.Namespace,
    table: LoadedTable,
    features: FeatureMatrix,
    result: Fit,
    centroids: np.ndarray,
    distances: np.ndarray,
    sizes: np.ndarray,
    silhouettes: np.ndarray | None = None,
) -> dict[str, str]:
    """Write --out, --centroids-out, --profile-out and --model-out together: all appear,
    or none changes."""
    planned: dict[str, StagedWrite] = {}
    if args.out:
        planned["labelled"] = plan_write(
            labelled_frame(table.frame, features, result.labels, distances, silhouettes),
            args.out,
            source=table,
            overwrite_input=args.overwrite_input,
            sheet_name="clusters",
        )
    if args.centroids_out:
        planned["centroids"] = plan_write(
            centroid_frame(features, centroids, sizes, user_units=True),
            args.centroids_out,
            source=table,
            overwrite_input=args.overwrite_input,
            sheet_name="centroids",
        )
    if args.profile_out:
        profiles = cluster_profiles(features, result.labels, len(sizes), frame=table.frame)
        planned["profile"] = plan_write(
            profiles.table,
            args.profile_out,
            source=table,
            overwrite_input=args.overwrite_input,
            sheet_name="profiles",
        )
    if args.model_out:
        planned["model"] = plan_model_write(
            fitted_model(args, table, features, result, centroids, sizes),
            args.model_out,
            source=table,
            overwrite_input=args.overwrite_input,
        )
    paths = write_all(list(planned.values()))
    return {kind: str(path) for kind, path in zip(planned, paths, strict=True)}
