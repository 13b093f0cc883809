"""``kmeans-gui sweep``: fit every k of a range and report inertia and silhouette."""

from __future__ import annotations

import argparse
import json
import math

from .exit_codes import EXIT_OK
from .fitting import SCALE_ADVICE, engine_options, load_engine, load_features
from .output import json_ready
from .progress import Progress, WarningsToStderr


def run_sweep(args: argparse.Namespace) -> int:
    reporter = Progress(enabled=not args.quiet)
    _, features, _ = load_features(args, reporter)
    features.check_k(max(args.ks))
    features.check_float32_range(args.metric, advice=SCALE_ADVICE)
    engine = load_engine()
    options = engine_options(args)
    points = []
    header = f"{'k':>4}  {'inertia':>14}  {'silhouette':>10}  {'sample':>7}  {'iters':>5}  {'s':>7}"
    with WarningsToStderr():
        stream = engine.sweep(
            features.X,
            args.ks,
            init=args.init,
            sample_weight=features.weights,
            silhouette_sample=args.silhouette_sample,
            **options,
        )
        for point in stream:
            points.append(point)
            if args.json:  # the table itself shows progress otherwise
                reporter.show(f"k = {point.k} done ({len(points)} of {len(args.ks)})")
            else:
                if len(points) == 1:
                    print(header)
                print(
                    f"{point.k:>4}  {point.inertia:>14.6g}  {_silhouette(point.silhouette):>10}  "
                    f"{point.sample_size:>7}  {point.n_iter:>5}  {point.seconds:>7.2f}",
                    flush=True,
                )
    if args.json:
        rows = [
            {
                "k": p.k,
                "inertia": p.inertia,
                "silhouette": p.silhouette,
                "sample_size": p.sample_size,
                "n_iter": p.n_iter,
                "seconds": p.seconds,
            }
            for p in points
        ]
        print(json.dumps(json_ready(rows), allow_nan=False))
    return EXIT_OK


def _silhouette(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "-"
