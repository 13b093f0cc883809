"""``kmeans-gui predict MODEL.json FILE``: assign every row of a table to a saved model's
nearest centroid, with the model's own scaling and metric, in float64.

No TensorFlow: the assignment is a blocked float64 NumPy pass (``engine.distances``), which
at a million rows takes a fraction of the two seconds TensorFlow needs just to import.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from kmeans_gui.data import (
    DataError,
    check_export_path,
    labelled_frame,
    load_table,
    model_features,
    plan_write,
    read_model,
    write_all,
)
from kmeans_gui.data.errors import counted
from kmeans_gui.engine.distances import nearest

from .exit_codes import EXIT_OK
from .output import json_ready, warn
from .progress import Progress


def add_predict_parser(commands: Any, output: argparse.ArgumentParser) -> None:
    """The ``predict`` subcommand, under ``commands`` (the parser's subparsers)."""
    predict = commands.add_parser(
        "predict",
        parents=[output],
        help="assign the rows of a table to the clusters of a saved model",
        description="Assign every row of FILE to the nearest centroid of MODEL.json (written "
        "by 'kmeans-gui cluster --model-out'), with the model's scaling and metric.",
    )
    predict.add_argument("model", metavar="MODEL.json", help="a model file")
    predict.add_argument(
        "file",
        metavar="FILE",
        help="the table to label: CSV, TSV (also compressed), Parquet, Excel .xlsx or JSON, "
        "with the model's feature columns",
    )
    predict.add_argument(
        "--out",
        metavar="LABELLED.csv",
        help="write the table with two more columns: cluster (empty for rows with a missing "
        "feature, unless the model fills them with the training means) and distance (to the "
        "centroid, in the units the model was fitted in)",
    )
    predict.add_argument(
        "--overwrite-input", action="store_true", help="allow --out to replace FILE"
    )


def run_predict(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    reporter = Progress(enabled=not args.quiet)
    model_path = Path(args.model).expanduser()
    if args.out is not None:  # a bad output name fails before anything is read
        target = check_export_path(
            args.out, source=args.file, overwrite_input=args.overwrite_input
        )[0]
        if model_path.exists() and target.resolve() == model_path.resolve():
            raise DataError(f"--out names the model file {model_path.name}; choose another name.")
    model = read_model(model_path)
    table = load_table(args.file, progress=reporter.loading)
    reporter.done()
    features, notes = model_features(model, table.frame, table.path.name)
    notes = [*table.notes, *notes]
    for note in notes:
        warn(note)
    labels, distances = nearest(features.X, model.fit_centroids(), model.metric)
    sizes = np.bincount(labels, minlength=model.k)
    written = {}
    if args.out is not None:
        planned = plan_write(
            labelled_frame(table.frame, features, labels, distances),
            args.out,
            source=table,
            overwrite_input=args.overwrite_input,
            sheet_name="clusters",
        )
        written["labelled"] = str(write_all([planned])[0])
    if args.json:
        report = {
            "model": str(model_path),
            "file": str(table.path),
            "format": table.format,
            "rows": features.n_rows,
            "rows_assigned": features.n_used,
            "rows_left_out": features.n_left_out,
            "left_out_reasons": features.left_out,
            "cells_imputed": features.n_imputed,
            "k": model.k,
            "columns": list(model.features),
            "metric": model.metric,
            "scale": model.scaler.kind,
            "sizes": sizes,
            "outputs": written,
            "warnings": notes,
            "seconds": time.perf_counter() - started,
        }
        print(json.dumps(json_ready(report), allow_nan=False))
        return EXIT_OK
    left_out = f"; {features.n_left_out:,} left out" if features.n_left_out else ""
    lines = [
        f"{table.path.name}: {features.n_used:,} of {features.n_rows:,} rows assigned to the "
        f"{counted(model.k, 'cluster')} of {model_path.name}{left_out}",
        f"model: {model.algorithm}, {model.metric} metric, scaling {model.scaler.kind}, fitted "
        f"on {model.fit.source_name} ({model.fit.n_used:,} rows)",
        f"cluster sizes: {', '.join(f'{int(s):,}' for s in sizes)}",
    ]
    lines += [f"wrote {kind} to {path}" for kind, path in written.items()]
    if not written:
        lines.append("add --out LABELLED.csv to write every row with its cluster")
    print("\n".join(lines))
    return EXIT_OK
