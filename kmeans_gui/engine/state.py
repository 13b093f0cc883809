"""Immutable per-iteration records that cross the worker-thread boundary as NumPy arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class IterationState:
    """One step of a clustering run, consistent in itself.

    ``labels`` are the nearest ``centroids`` for every row and ``inertia`` is the weighted sum of
    squared distances of that pairing, so a view can draw any state on its own. Centroids are in
    the caller's units (the engine's internal centring is undone). ``shift`` is the summed squared
    centroid movement since the previous state, ``n_changed`` the rows whose label changed,
    ``n_relocated`` the empty clusters repaired on the way to this state.
    """

    iteration: int
    centroids: np.ndarray  # (K, D) float64, caller's units
    labels: np.ndarray  # (N,) int32
    inertia: float
    shift: float
    sizes: np.ndarray  # (K,) int64, rows per cluster
    n_changed: int
    n_relocated: int
    seconds: float  # wall time spent computing this state
    converged: bool  # the stop rule fired (only ever True on the final state)
    final: bool  # last state of this run (converged, or max_iter reached)
    device: str  # e.g. "/CPU:0"
    algorithm: str = "lloyd"
    restart: int = 0  # which of the n_init runs this state belongs to
    n_restarts: int = 1
    n_iter: int = 0  # centroid updates so far; on a final state, scikit-learn's ``n_iter_``


@dataclass(frozen=True)
class SweepPoint:
    """The outcome of one k in a sweep over k: the elbow's inertia and the scores of the fit.

    Every score is nan where it is undefined (k == 1, or the gap statistic switched off).
    """

    k: int
    inertia: float
    silhouette: float  # mean silhouette on a seeded sample (all rows when few); nan when k == 1
    sample_size: int  # rows the silhouette and the gap statistic were computed on
    n_iter: int
    seconds: float
    calinski_harabasz: float = math.nan  # on all rows
    davies_bouldin: float = math.nan  # on all rows
    gap: float = math.nan  # Tibshirani et al.'s gap statistic, on the sample
    gap_se: float = math.nan  # its standard error, sd * sqrt(1 + 1/B)
    n_rows: int = 0  # rows the sweep clustered (of positive weight): the sample's population

    @property
    def sample_note(self) -> str:
        """ "all 150 rows" or "a seeded sample of 10,000 of 250,000 rows": what the
        silhouette and the gap were computed on."""
        if self.n_rows and self.sample_size >= self.n_rows:
            return f"all {self.n_rows:,} rows"
        of = f" of {self.n_rows:,}" if self.n_rows else ""
        return f"a seeded sample of {self.sample_size:,}{of} rows"


@dataclass(frozen=True)
class ClusterScores:
    """How well one clustering separates its rows, in the run's metric and scaling.

    ``silhouette`` is the mean silhouette (higher is better, in [-1, 1]), exact over every row
    when ``silhouette_sample`` is None, else over a seeded sample of that many rows;
    ``calinski_harabasz`` (higher is better) and ``davies_bouldin`` (lower is better) use every
    row. Each is nan when undefined (fewer than two clusters).
    """

    silhouette: float
    calinski_harabasz: float
    davies_bouldin: float
    silhouette_sample: int | None = None
