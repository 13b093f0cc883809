"""Which pictures an animation of a run shows, in what order (plain NumPy, no Qt).

Every engine state j pairs centroids C_j with the labels L_j they produce (the assignment),
and C_{j+1} is the mean of L_j's clusters (the update). One frame per state shows the pairs
(C_j, L_j). Half-steps show each Lloyd iteration as two frames, derived from the same states
without running anything twice: the assignment (C_j, L_j: points recolour, centroids stay),
then the update (C_{j+1}, L_j: centroids move to their members' means, colours stay).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kmeans_gui.engine.distances import assigned_distances

ASSIGNMENT = "assignment"
UPDATE = "update"
STATE = "state"


@dataclass(frozen=True)
class FrameStep:
    """One picture: the centroids of state ``centroids`` with the labels of state ``labels``
    (indices into the run's states)."""

    centroids: int
    labels: int
    phase: str = STATE  # STATE, ASSIGNMENT or UPDATE

    @property
    def is_state(self) -> bool:
        """The pair is an engine state as it was sent (its inertia is the state's own)."""
        return self.centroids == self.labels


def frame_steps(first: int, last: int, half_steps: bool = False) -> list[FrameStep]:
    """The frames for states ``first`` to ``last`` (both included, one restart's states).

    Without half-steps one frame per state; with them the assignment of every state and,
    between two states, the update: 2 x (last - first) + 1 frames.
    """
    if last < first:
        return []
    if not half_steps:
        return [FrameStep(j, j) for j in range(first, last + 1)]
    steps: list[FrameStep] = []
    for j in range(first, last + 1):
        steps.append(FrameStep(j, j, ASSIGNMENT))
        if j < last:
            steps.append(FrameStep(j + 1, j, UPDATE))
    return steps


def pairing_inertia(
    X: np.ndarray,
    weights: np.ndarray | None,
    centroids: np.ndarray,
    labels: np.ndarray,
    metric: str = "euclidean",
    algorithm: str = "lloyd",
) -> float:
    """The cost of pairing rows with centroids that are not their nearest (an update frame),
    as the engine reports ``inertia``: the weighted sum of squared distances (euclidean) or of
    1 - cos (cosine); for k-medoids of plain distances (euclidean, manhattan, cosine)."""
    distances = assigned_distances(X, centroids, labels, metric)
    squared = metric == "euclidean" and algorithm != "kmedoids"
    cost = distances * distances if squared else distances
    return float(cost.sum() if weights is None else np.dot(weights, cost))
