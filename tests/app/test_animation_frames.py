"""Half-step frames derived from the engine's states (no Qt): the order, and their inertia."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kmeans_gui.app.animation_frames import (
    ASSIGNMENT,
    UPDATE,
    FrameStep,
    frame_steps,
    pairing_inertia,
)


def test_half_steps_alternate_assignment_and_update():
    steps = frame_steps(2, 5, half_steps=True)
    assert [(s.centroids, s.labels, s.phase) for s in steps] == [
        (2, 2, ASSIGNMENT),
        (3, 2, UPDATE),  # the next centroids, the colours stay
        (3, 3, ASSIGNMENT),  # the points recolour, the centroids stay
        (4, 3, UPDATE),
        (4, 4, ASSIGNMENT),
        (5, 4, UPDATE),
        (5, 5, ASSIGNMENT),
    ]
    assert frame_steps(2, 5) == [FrameStep(j, j) for j in range(2, 6)]
    assert frame_steps(3, 3, half_steps=True) == [FrameStep(3, 3, ASSIGNMENT)]
    assert frame_steps(4, 3) == []


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_every_half_step_lowers_the_inertia_of_a_lloyd_run(weighted):
    """Lloyd's two steps each lower the cost: the update frames' inertia sits between the
    assignments around it, and an assignment frame's is the engine's own."""
    from kmeans_gui import engine

    rng = np.random.default_rng(4)
    X = np.concatenate([rng.normal(c, 1.0, size=(300, 2)) for c in ((0, 0), (6, 1), (2, 7))])
    weights = rng.uniform(0.5, 2.0, len(X)) if weighted else None
    states = list(
        engine.iterate(X, 3, init="random", seed=3, tol=0.0, max_iter=12, sample_weight=weights)
    )
    assert len(states) > 3
    costs = []
    for step in frame_steps(0, len(states) - 1, half_steps=True):
        centroids, labels = states[step.centroids].centroids, states[step.labels].labels
        cost = pairing_inertia(X, weights, centroids, labels)
        if step.is_state:
            assert cost == pytest.approx(states[step.centroids].inertia, rel=1e-6)
        costs.append(cost)
    assert all(b <= a * (1 + 1e-9) for a, b in itertools.pairwise(costs))
    assert costs[0] > costs[-1]
