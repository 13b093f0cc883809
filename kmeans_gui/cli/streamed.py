"""``kmeans-gui cluster --stream``: a table larger than memory, a chunk at a time.

The data layer reads the file in pieces (``data.table_stream``) and learns the features'
statistics in a pass (``data.streamed_features``); the engine's ``StreamedKMeans`` runs Lloyd
over the pieces with its per-row scratch in temporary files (``data.scratch_files``); the
labelled table is written piece by piece (``data.export_stream``) beside the centroids and the
model, all of them or none. ``cluster`` streams by itself, with a note, when the table would
not fit ``--memory-budget``.

Under ``--distribute multi-worker`` each worker reads only its share of the table's units
(unit u belongs to worker u mod W: Parquet row groups, or blocks of a CSV that every worker
parses), the statistics and every pass's sums are added up through the strategy, and the
chief writes the outputs, gathering the other workers' labels a unit at a time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kmeans_gui.data import DataError, check_export_path, plan_write, write_all
from kmeans_gui.data.export import centroid_frame
from kmeans_gui.data.export_stream import (
    check_streamed_path,
    labelled_columns,
    plan_streamed_write,
)
from kmeans_gui.data.scratch_files import DiskScratch
from kmeans_gui.data.streamed_features import FeatureStats, StreamedFeatures, feature_stats
from kmeans_gui.data.table_stream import (
    StreamedTable,
    estimated_memory,
    memory_budget,
    open_table_stream,
)
from kmeans_gui.engine.choices import INIT_CHOICES
from kmeans_gui.streamed_output import labelled_frames, labels_by_unit, settled_centroids

from .arguments import UsageError
from .exit_codes import EXIT_OK
from .fitting import (
    SCALE_ADVICE,
    Fit,
    check_distribute,
    engine_options,
    feature_notes,
    load_engine,
    make_strategy,
    read_init,
)
from .model_out import check_model_out, fitted_model
from .output import warn
from .progress import Progress, WarningsToStderr
from .summary import print_report

BAR = 24


def choose_streaming(args: argparse.Namespace) -> tuple[bool, str | None]:
    """(stream?, the note saying why when it was not asked for)."""
    if args.stream:
        return True, None
    if args.algorithm != "lloyd":
        return False, None
    need = estimated_memory(args.file)
    if need is not None and Path(args.file).expanduser().is_dir():
        return True, None  # a folder of Parquet files: only a streamed run reads one
    budget = args.memory_budget or memory_budget()
    if need is None or need <= budget:
        return False, None
    return True, (
        f"{Path(args.file).name} would take about {_size(need)} of memory, more than the "
        f"budget of {_size(budget)} (--memory-budget): streaming it a chunk at a time"
    )


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def run_streamed(args: argparse.Namespace, note: str | None) -> int:
    started = time.perf_counter()
    reporter = Progress(enabled=not args.quiet)
    notes: list[str] = []

    def tell(message: str) -> None:
        warn(message)
        notes.append(message)

    if note:
        tell(note)
    if args.algorithm != "lloyd":
        raise UsageError(f"--stream runs --algorithm lloyd, not {args.algorithm}")
    check_distribute(args.distribute)
    if args.distribute == "mirrored":
        raise UsageError(
            "--stream runs on one device per process; spread it over machines with "
            "--distribute multi-worker"
        )
    for flag, given in (
        ("--one-hot", args.one_hot),
        ("--profile-out", args.profile_out),
        ("--silhouette", args.silhouette),
        ("--compare-to", args.compare_to),
        ("--refine swap", args.refine != "none"),
    ):
        if given:
            raise UsageError(f"{flag} needs the table in memory, not a streamed run (--stream)")
    if args.init == "k-means++":
        tell(
            "k-means++ needs every row in memory (one pass per centre); a streamed run starts "
            "from k-means|| instead"
        )
        args.init = "k-means||"
    args.init = args.init or "k-means||"
    options = engine_options(args)  # refuses misplaced flags before any pass
    strategy, chief = make_strategy(args.distribute)
    load_engine()  # TensorFlow, quietly, before the engine modules below
    from kmeans_gui.engine.distributed import collective_for
    from kmeans_gui.engine.streamed import StreamedKMeans
    from kmeans_gui.engine.streamed_data import ChunkedRows, RowChunk

    collective = collective_for(strategy if args.distribute == "multi-worker" else None)
    table = open_table_stream(args.file, args.chunk_rows, progress=reporter.loading)
    reporter.done()
    source = table.loaded()
    checked = [
        check(path, source=source, overwrite_input=args.overwrite_input)[0]
        for path, check in (
            (args.out, check_streamed_path),
            (args.centroids_out, check_export_path),
        )
        if path is not None
    ]
    if len(checked) == 2 and checked[0].resolve() == checked[1].resolve():
        raise DataError("--out and --centroids-out name the same file; give two names.")
    check_model_out(args, source, checked)

    count, index = collective.count, collective.index
    units = None if count == 1 else (lambda u: u % count == index)
    columns = [name for group in args.columns for name in group] if args.columns else None
    stats = feature_stats(
        table,
        columns,
        missing=args.missing,
        scale=args.scale,
        weight_column=args.weight_column,
        units=units,
    )
    if count > 1:
        every = [FeatureStats.unpacked(a) for a in collective.gather(stats.packed())]
        stats = every[0]
        for other in every[1:]:
            stats.merge(other)
    features = stats.finished(args.scale)
    for message in [*table.notes, *feature_notes(features)]:
        tell(message)
    features.check_k(args.k)
    features.check_float32_range(args.metric, advice=SCALE_ADVICE)
    k = args.k
    init: Any = args.init
    if args.init not in INIT_CHOICES:
        init = read_init(args.init, features, k)

    needed = [*features.columns, *([features.weight_column] if features.weight_column else [])]

    def read() -> Iterator[RowChunk]:
        for piece in table.pieces(needed, units):
            matrix = features.piece(piece)
            if matrix.n_used:
                yield RowChunk(matrix.X, matrix.weights, piece.unit)

    rows = ChunkedRows(read, unit_starts=features.unit_starts if count > 1 else None)
    options.pop("algorithm")
    restart = {"text": ""}

    def on_state(state: Any) -> None:
        restart["text"] = (
            f"restart {state.restart + 1}/{state.n_restarts} · " if state.n_restarts > 1 else ""
        )

    def on_progress(phase: str, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        bar = "#" * round(BAR * fraction) + "." * (BAR - round(BAR * fraction))
        reporter.show(f"{restart['text']}{phase} [{bar}] {done:,} of {total:,} rows")

    with DiskScratch() as scratch:
        model = StreamedKMeans(
            k,
            init=init,
            strategy=strategy if args.distribute == "multi-worker" else None,
            scratch=scratch,
            on_progress=on_progress,
            **options,
        )
        with WarningsToStderr() as engine_warnings:
            model.fit(rows, on_state=on_state)
        reporter.done()
        notes += engine_warnings
        centroids = features.to_user_units(np.asarray(model.cluster_centers_, np.float64))
        if args.metric == "euclidean":  # as final_centroids: means as the values are written
            centroids = settled_centroids(
                table, features, model.labels_, centroids, units, collective
            )
        labels = labels_by_unit(model.labels_, features, collective, chief)
        if not chief:
            if args.out:
                for _ in labels:  # the chief gathers the labels of this worker's units
                    pass
            return EXIT_OK
        result = Fit(
            centroids=np.asarray(model.cluster_centers_, dtype=np.float64),
            labels=np.empty(0, np.int64),
            inertia=float(model.inertia_),
            n_iter=int(model.n_iter_),
            converged=bool(model.converged_),
            device=str(model.device_),
            n_relocated=int(model.n_relocated_),
            restart_inertias=[float(v) for v in model.restart_inertias_],
            seconds=time.perf_counter() - started,
        )
        if result.n_relocated:
            tell(f"{result.n_relocated} empty cluster(s) were re-seeded during the run")
        if not result.converged:
            tell(
                f"did not converge within --max-iter {args.max_iter} iterations; "
                "the result is the last state reached"
            )
        sizes = np.asarray(model.sizes_, dtype=np.int64)
        written = _write(args, table, source, features, labels, centroids, result, sizes)
    extra = {"streamed": True, "chunk_rows": args.chunk_rows, "units": table.n_units}
    return print_report(
        args, source, features, k, result, centroids, sizes, written, notes, extra=extra
    )


def _write(
    args: argparse.Namespace,
    table: StreamedTable,
    source: Any,
    features: StreamedFeatures,
    labels: Iterator[tuple[int, np.ndarray]],
    centroids: np.ndarray,
    result: Fit,
    sizes: np.ndarray,
) -> dict[str, str]:
    """--out (piece by piece), --centroids-out and --model-out: all of them or none."""
    planned: dict[str, Any] = {}
    if args.out:
        fit_centroids = features.to_fit_units(centroids)
        planned["labelled"] = plan_streamed_write(
            labelled_frames(table, features, labels, fit_centroids, args.metric),
            labelled_columns(table.columns),
            args.out,
            source=source,
            overwrite_input=args.overwrite_input,
            types=getattr(table, "arrow_types", None),
        )
    if args.centroids_out:
        planned["centroids"] = plan_write(
            centroid_frame(features, centroids, sizes, user_units=True),  # type: ignore[arg-type]
            args.centroids_out,
            source=source,
            overwrite_input=args.overwrite_input,
            sheet_name="centroids",
        )
    if args.model_out:
        from kmeans_gui.data import plan_model_write

        planned["model"] = plan_model_write(
            fitted_model(args, source, features, result, centroids, sizes),  # type: ignore[arg-type]
            args.model_out,
            source=source,
            overwrite_input=args.overwrite_input,
        )
    paths = write_all(list(planned.values()))
    return {kind: str(path) for kind, path in zip(planned, paths, strict=True)}
