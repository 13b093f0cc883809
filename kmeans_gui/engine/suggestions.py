"""Which k a sweep suggests, three ways: the gap statistic's 1-SE rule, the best silhouette, and
the elbow of the inertia curve by the Kneedle method. NumPy only (a window can mark them
without TensorFlow).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .state import SweepPoint


@dataclass(frozen=True)
class SuggestedK:
    """The k each rule picks; None where a rule has too few (finite) values to pick one."""

    gap: int | None
    silhouette: int | None
    elbow: int | None


def suggest_k(points: Sequence[SweepPoint]) -> SuggestedK:
    """The suggestions from a sweep's points (any order)."""
    ordered = sorted(points, key=lambda p: p.k)
    ks = [p.k for p in ordered]
    return SuggestedK(
        gap=gap_choice(ks, [p.gap for p in ordered], [p.gap_se for p in ordered]),
        silhouette=best_silhouette(ks, [p.silhouette for p in ordered]),
        elbow=kneedle_elbow(ks, [p.inertia for p in ordered]),
    )


def gap_choice(ks: Sequence[int], gap: Sequence[float], gap_se: Sequence[float]) -> int | None:
    """Tibshirani, Walther and Hastie's rule: the smallest k with gap(k) >= gap(k') - s(k'),
    k' the next k tried; the largest k when none qualifies (R's ``maxSE``, "Tibs2001SEmax")."""
    kept = [(k, g, s) for k, g, s in zip(ks, gap, gap_se, strict=True) if math.isfinite(g)]
    if not kept:
        return None
    for (k, g, _), (_, g_next, s_next) in itertools.pairwise(kept):
        if g >= g_next - s_next:
            return int(k)
    return int(kept[-1][0])


def best_silhouette(ks: Sequence[int], values: Sequence[float]) -> int | None:
    """The k of the highest mean silhouette (the smallest such k on ties)."""
    kept = [(v, -k) for k, v in zip(ks, values, strict=True) if math.isfinite(v)]
    return -max(kept)[1] if kept else None


def kneedle_elbow(
    ks: Sequence[int], values: Sequence[float], sensitivity: float = 1.0
) -> int | None:
    """The knee of a decreasing, convex curve (inertia against k) by Kneedle (Satopää et al.
    2011), offline, as the ``kneed`` package computes it with ``curve="convex",
    direction="decreasing"`` and no smoothing.

    Both axes are scaled to [0, 1] and the curve is flipped to rise; the knee is the first
    local maximum of (flipped curve - x) after which the difference falls below that maximum
    minus ``sensitivity`` times the mean step in x before a local minimum or another maximum
    comes. None for fewer than three points, a curve that does not fall, or no such maximum.
    Like any elbow rule it favours the first big drop: start the range at k = 2 when the step
    from one cluster to two dominates the curve.
    """
    x = np.asarray(ks, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    if x.size < 3 or not np.isfinite(y).all() or y[0] <= y[-1] or np.ptp(x) == 0:
        return None
    x_norm = (x - x.min()) / np.ptp(x)
    y_norm = (y - y.min()) / np.ptp(y)
    difference = (1.0 - y_norm) - x_norm
    index = np.arange(x.size)
    before = difference[np.maximum(index - 1, 0)]
    after = difference[np.minimum(index + 1, x.size - 1)]
    maxima = set(index[(difference >= before) & (difference >= after)].tolist())
    minima = set(index[(difference <= before) & (difference <= after)].tolist())
    if not maxima:
        return None
    step = sensitivity * float(np.abs(np.diff(x_norm)).mean())
    threshold, knee, detecting = 0.0, 0, True
    for i in range(min(maxima), x.size - 1):
        if i in maxima:
            threshold, knee, detecting = difference[i] - step, i, True
        if i in minima:  # after a local minimum, wait for the next maximum
            threshold, detecting = 0.0, False
        if detecting and difference[i + 1] < threshold:
            return int(ks[knee])
    return None
