"""Immutable per-iteration records that cross the worker-thread boundary as NumPy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class IterationState:
    """One step of a clustering run, consistent in itself.

    ``labels`` are the nearest ``centroids`` for every row and ``inertia`` is the weighted sum of
    squared distances of that pairing, so a view can draw any state on its own. Centroids are in
    the caller's units (the engine's internal centring is undone). ``shift`` is the summed squared
    centroid movement since the previous state, ``n_changed`` the rows whose label changed,
    ``n_relocated`` the empty clusters repaired on the way to this state. ``phase`` is "swap"
    on a state that a swap trial of the refinement produced (``refine="swap"``: a centroid
    moved elsewhere and two Lloyd passes followed), "lloyd" otherwise; ``n_swaps`` and
    ``n_trials`` count the swaps accepted and the trials run so far in this restart.
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
    phase: str = "lloyd"  # "swap": produced by an accepted swap trial of the refinement
    n_swaps: int = 0  # swaps accepted so far in this restart
    n_trials: int = 0  # swap trials run so far in this restart


@dataclass(frozen=True)
class SweepPoint:
    """The outcome of one k in a sweep over k (elbow and silhouette)."""

    k: int
    inertia: float
    silhouette: float  # mean silhouette on a seeded sample; nan when k == 1
    sample_size: int  # rows the silhouette was computed on
    n_iter: int
    seconds: float
