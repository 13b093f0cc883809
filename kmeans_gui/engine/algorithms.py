"""The registry of clustering algorithms that ``iterate`` can stream.

A runner takes the prepared (centred) data and centred initial centroids and yields
:class:`IterationState` objects, the last one with ``final=True``::

    runner(data, centroids, *, tol, max_iter, rng, restart, n_restarts, **params)

It raises :class:`KMeansInputError` for parameters it does not understand. ``CENTRED`` says
whether the algorithm wants the data centred (every Euclidean one does; it is undone in the
reported centroids).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .errors import KMeansInputError
from .lloyd import lloyd_states
from .prepare import PreparedData
from .state import IterationState

Runner = Callable[..., Iterator[IterationState]]


def _lloyd(
    data: PreparedData,
    centroids: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    rng: np.random.Generator,
    restart: int,
    n_restarts: int,
    **params: Any,
) -> Iterator[IterationState]:
    if params:
        raise KMeansInputError(
            f"algorithm 'lloyd' takes no parameter(s) {', '.join(sorted(params))}"
        )
    return lloyd_states(
        data, centroids, tol=tol, max_iter=max_iter, restart=restart, n_restarts=n_restarts
    )


ALGORITHMS: dict[str, Runner] = {"lloyd": _lloyd}
METRICS: dict[str, tuple[str, ...]] = {"lloyd": ("euclidean",)}


def get_runner(algorithm: str, metric: str) -> Runner:
    """The runner for ``algorithm`` after checking it supports ``metric``."""
    if algorithm not in ALGORITHMS:
        raise KMeansInputError(f"unknown algorithm {algorithm!r}: choose {', '.join(ALGORITHMS)}")
    metrics = METRICS.get(algorithm, ("euclidean",))
    if metric not in metrics:
        raise KMeansInputError(
            f"algorithm {algorithm!r} supports metric {' or '.join(metrics)}, not {metric!r}"
        )
    return ALGORITHMS[algorithm]
