"""What ``cluster`` prints when it is done: a summary for people, or one JSON document."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from kmeans_gui.data import LoadedTable, centroid_frame
from kmeans_gui.data.errors import counted
from kmeans_gui.engine.state import ClusterScores
from kmeans_gui.report import Comparison

from .exit_codes import EXIT_OK
from .fitting import Fit
from .output import json_ready

CENTROID_TABLE_LIMIT = 20  # print the centroids when k is at most this
CONTINGENCY_CLASS_LIMIT = 30  # print the contingency table when it has at most this many classes


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
    scores: ClusterScores | None = None,
    comparison: Comparison | None = None,
    extra: dict | None = None,
) -> int:
    """The summary on stdout (or one JSON document): the same for a streamed run, which has
    no ``scores`` and whose ``extra`` adds its own fields."""
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
        }
        if scores is not None:
            report["scores"] = {
                "silhouette": scores.silhouette,
                "calinski_harabasz": scores.calinski_harabasz,
                "davies_bouldin": scores.davies_bouldin,
            }
            if scores.silhouette_sample is not None:
                report["scores"]["silhouette_sample"] = scores.silhouette_sample
        report |= {"outputs": written, "warnings": notes, **(extra or {})}
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
    ]
    if scores is not None:
        lines.append(score_line(scores, features.n_used))
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
