"""``cluster --model-out``: the model file of a finished run, checked early and written with
the other outputs (all of them or none)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from kmeans_gui.data import (
    ClusterModel,
    DataError,
    FeatureMatrix,
    FitSummary,
    LoadedTable,
    build_model,
    check_model_path,
    file_sha256,
)

from .fitting import Fit


def check_model_out(args: argparse.Namespace, table: LoadedTable, others: list[Path]) -> None:
    """Refuse a --model-out that cannot be written or names another output, before the fit."""
    if args.model_out is None:
        return
    target = check_model_path(args.model_out, source=table, overwrite_input=args.overwrite_input)
    if any(target.resolve() == other.resolve() for other in others):
        raise DataError("--model-out names the same file as another output; give each its own.")


def fitted_model(
    args: argparse.Namespace,
    table: LoadedTable,
    features: FeatureMatrix,
    result: Fit,
    centroids: np.ndarray,
    sizes: np.ndarray,
) -> ClusterModel:
    """The model of this run; ``centroids`` are the reported ones (the data's own units)."""
    summary = FitSummary(
        inertia=result.inertia,
        n_iter=result.n_iter,
        converged=result.converged,
        seed=args.seed,
        device=result.device,
        n_rows=features.n_rows,
        n_used=features.n_used,
        sizes=tuple(int(s) for s in sizes),
        source_name=table.path.name,
        source_sha256=file_sha256(table.path),
        weight_column=features.weight_column,
    )
    return build_model(
        features, centroids, metric=args.metric, algorithm=args.algorithm, fit=summary
    )
