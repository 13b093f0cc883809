"""``kmeans-gui sweep``: fit every k of a range, report its scores and the k they suggest."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math

from kmeans_gui.engine.state import SweepPoint
from kmeans_gui.engine.suggestions import suggest_k

from .exit_codes import EXIT_OK
from .fitting import SCALE_ADVICE, engine_options, load_engine, load_features
from .output import json_ready
from .progress import Progress, WarningsToStderr

#: The table's columns: (header, width, the point's attribute, format).
COLUMNS = (
    ("k", 4, "k", "d"),
    ("inertia", 14, "inertia", ".6g"),
    ("silhouette", 10, "silhouette", ".4f"),
    ("calinski_h", 11, "calinski_harabasz", ".6g"),
    ("davies_b", 8, "davies_bouldin", ".4f"),
    ("gap", 7, "gap", ".4f"),
    ("gap_se", 7, "gap_se", ".4f"),
    ("iters", 5, "n_iter", "d"),
    ("s", 7, "seconds", ".2f"),
)
RULES = {"gap": "gap statistic", "silhouette": "silhouette", "elbow": "elbow"}


def run_sweep(args: argparse.Namespace) -> int:
    reporter = Progress(enabled=not args.quiet)
    _, features, _ = load_features(args, reporter)
    features.check_k(max(args.ks))
    features.check_float32_range(args.metric, advice=SCALE_ADVICE)
    engine = load_engine()
    options = engine_options(args)
    points: list[SweepPoint] = []
    with WarningsToStderr():
        stream = engine.sweep(
            features.X,
            args.ks,
            init=args.init,
            sample_weight=features.weights,
            silhouette_sample=args.silhouette_sample,
            gap_references=args.gap_references,
            **options,
        )
        for point in stream:
            points.append(point)
            if args.json:  # the table itself shows progress otherwise
                reporter.show(f"k = {point.k} done ({len(points)} of {len(args.ks)})")
                continue
            if len(points) == 1:
                gap = " and the gap statistic" if args.gap_references else ""
                print(f"silhouette{gap} on {point.sample_note}")
                print("  ".join(f"{name:>{width}}" for name, width, _, _ in COLUMNS))
            print(row(point), flush=True)
    suggested = dataclasses.asdict(suggest_k(points))
    if args.json:
        results = [
            {
                "k": p.k,
                "inertia": p.inertia,
                "silhouette": p.silhouette,
                "calinski_harabasz": p.calinski_harabasz,
                "davies_bouldin": p.davies_bouldin,
                "gap": p.gap,
                "gap_se": p.gap_se,
                "sample_size": p.sample_size,
                "n_iter": p.n_iter,
                "seconds": p.seconds,
            }
            for p in points
        ]
        document = {"results": results, "suggested_k": suggested}
        print(json.dumps(json_ready(document), allow_nan=False))
        return EXIT_OK
    picks = [f"{k} ({RULES[rule]})" for rule, k in suggested.items() if k is not None]
    print(f"suggested k: {', '.join(picks)}" if picks else "suggested k: none (too few values)")
    return EXIT_OK


def row(point: SweepPoint) -> str:
    """One line of the table; '-' where a score is undefined."""
    cells = []
    for _, width, attribute, spec in COLUMNS:
        value = getattr(point, attribute)
        text = "-" if isinstance(value, float) and not math.isfinite(value) else format(value, spec)
        cells.append(f"{text:>{width}}")
    return "  ".join(cells)
