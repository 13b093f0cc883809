"""What ``cluster`` prints when it is done: a summary for people, or one JSON document."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from kmeans_gui.data import LoadedTable, centroid_frame
from kmeans_gui.data.errors import counted

from .exit_codes import EXIT_OK
from .fitting import Fit
from .output import json_ready

CENTROID_TABLE_LIMIT = 20  # print the centroids when k is at most this


def print_report(
    args: argparse.Namespace,
    table: LoadedTable,
    features: Any,  # FeatureMatrix, or a streamed run's StreamedFeatures
    k: int,
    result: Fit,
    centroids: np.ndarray,
    sizes: np.ndarray,
    written: dict[str, str],
    notes: list[str],
    extra: dict | None = None,
) -> int:
    """The summary on stdout (or one JSON document): the same for a streamed run, whose
    ``extra`` adds its own fields."""
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
            "outputs": written,
            "warnings": notes,
            **(extra or {}),
        }
        print(json.dumps(json_ready(report), allow_nan=False))
        return EXIT_OK

    used = f"{features.n_used:,} of {features.n_rows:,} rows used"
    if features.n_left_out:
        used += f", {features.n_left_out:,} left out"
    state = "converged" if result.converged else "did NOT converge"
    restarts = f", best of {args.n_init} restarts" if args.n_init > 1 else ""
    units = f" (in {args.scale}-scaled units)" if args.scale != "none" else ""
    lines = [
        f"{table.path.name}: {used}; {counted(len(features.columns), 'feature')} "
        f"({', '.join(features.columns)}); k = {k}",
        f"{state} after {counted(result.n_iter, 'iteration')}{restarts}; "
        f"inertia {result.inertia:.10g}{units}",
        f"device {result.device}, {result.seconds:.2f} s",
        f"cluster sizes: {', '.join(f'{int(s):,}' for s in sizes)}",
    ]
    if k <= CENTROID_TABLE_LIMIT:
        frame = centroid_frame(features, centroids, sizes, user_units=True)
        # 10 significant digits: GPS coordinates to the centimetre
        lines += ["centroids:", frame.to_string(index=False, float_format=lambda v: f"{v:.10g}")]
    for kind, path_text in written.items():
        lines.append(f"wrote {kind} to {path_text}")
    print("\n".join(lines))
    return EXIT_OK
