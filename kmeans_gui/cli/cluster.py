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
    labelled_frame,
    plan_model_write,
    plan_write,
    write_all,
)
from kmeans_gui.data.export import StagedWrite
from kmeans_gui.engine.choices import INIT_CHOICES
from kmeans_gui.report import centroids_and_distances

from .arguments import UsageError, init_hint, init_match
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


def run_cluster(args: argparse.Namespace) -> int:
    typo = (  # a near miss of an initialiser, not a missing centroids file
        args.init is not None
        and args.init not in INIT_CHOICES
        and not Path(args.init).expanduser().exists()
        and init_match(args.init) is not None
    )
    if typo:
        raise UsageError(
            f"argument --init: '{args.init}' is neither an initialiser nor a file"
            f"{init_hint(args.init)}"
        )
    streamed, note = choose_streaming(args)
    if streamed:
        return run_streamed(args, note)
    args.init = args.init or "k-means++"
    check_distribute(args.distribute, args.algorithm)
    reporter = Progress(enabled=not args.quiet)
    table, features, notes = load_features(args, reporter)
    features.check_k(args.k)
    features.check_float32_range(args.metric, advice=SCALE_ADVICE)
    outputs = [p for p in (args.out, args.centroids_out) if p is not None]
    checked = [
        check_export_path(p, source=table, overwrite_input=args.overwrite_input)[0] for p in outputs
    ]
    if len(checked) == 2 and checked[0].resolve() == checked[1].resolve():
        raise DataError("--out and --centroids-out name the same file; give two names.")
    check_model_out(args, table, checked)
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
    written = write_outputs(args, table, features, result, centroids, distances, sizes)
    return print_report(args, table, features, k, result, centroids, sizes, written, notes)


def write_outputs(
    args: argparse.Namespace,
    table: LoadedTable,
    features: FeatureMatrix,
    result: Fit,
    centroids: np.ndarray,
    distances: np.ndarray,
    sizes: np.ndarray,
) -> dict[str, str]:
    """Write --out, --centroids-out and --model-out together: all appear, or none changes."""
    planned: dict[str, StagedWrite] = {}
    if args.out:
        planned["labelled"] = plan_write(
            labelled_frame(table.frame, features, result.labels, distances),
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
    if args.model_out:
        planned["model"] = plan_model_write(
            fitted_model(args, table, features, result, centroids, sizes),
            args.model_out,
            source=table,
            overwrite_input=args.overwrite_input,
        )
    paths = write_all(list(planned.values()))
    return {kind: str(path) for kind, path in zip(planned, paths, strict=True)}
