"""``kmeans-gui cluster``: fit one clustering, print a summary (or JSON), write the outputs."""

from __future__ import annotations

import argparse
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
from kmeans_gui.data.export import StagedWrite
from kmeans_gui.engine.choices import INIT_CHOICES, SILHOUETTE_EXACT_ROWS
from kmeans_gui.report import centroids_and_distances, compare_with_reference

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
from .output import warn
from .progress import Progress, WarningsToStderr
from .streamed import choose_streaming, run_streamed
from .summary import print_report

OUTPUT_FLAGS = {"out": "--out", "centroids_out": "--centroids-out", "profile_out": "--profile-out"}


def run_cluster(args: argparse.Namespace) -> int:
    if args.init is not None:  # a near miss of an initialiser, not a missing centroids file
        check_init_choice(args.init)
    streamed, note = choose_streaming(args)
    if streamed:
        return run_streamed(args, note)
    args.init = args.init or "k-means++"
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
    return print_report(
        args, table, features, k, result, centroids, sizes, written, notes, scores, comparison
    )


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
