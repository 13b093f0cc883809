"""The registry of clustering algorithms that ``iterate`` can stream.

A runner takes the prepared (centred) data and centred initial centroids and yields
:class:`IterationState` objects, the last one with ``final=True``::

    runner(data, centroids, *, metric, tol, max_iter, rng, restart, n_restarts, **params)

``get_runner`` binds ``metric`` (checked against ``METRICS``), so callers pass the rest. A
runner raises :class:`KMeansInputError` for parameters it does not understand.
``PARAMETERS`` lists each algorithm's own keyword parameters and defaults (None: chosen by
the algorithm, e.g. the learning rate depends on the optimiser), for front ends to offer.

- ``lloyd``: batch means (``lloyd.py``); with ``metric="cosine"`` spherical k-means
  (``metric.py`` holds the per-metric pieces).
- ``gradient``: one SGD or Adam step per iteration on the quantisation error (``gradient.py``).
- ``minibatch``: Sculley's mini-batch k-means (``minibatch.py``).
- ``kmedoids``: alternating k-medoids, centres are rows of the data (``kmedoids.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .errors import KMeansInputError
from .gradient import gradient_states
from .kmedoids import DEFAULT_MAX_CANDIDATES, kmedoids_states
from .lloyd import lloyd_states
from .minibatch import DEFAULT_BATCH_SIZE, DEFAULT_MAX_NO_IMPROVEMENT, minibatch_states
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
    metric: str = "euclidean",
    **params: Any,
) -> Iterator[IterationState]:
    if params:
        raise KMeansInputError(
            f"algorithm 'lloyd' takes no parameter(s) {', '.join(sorted(params))}"
        )
    return lloyd_states(
        data,
        centroids,
        tol=tol,
        max_iter=max_iter,
        restart=restart,
        n_restarts=n_restarts,
        metric=metric,
    )


ALGORITHMS: dict[str, Runner] = {
    "lloyd": _lloyd,
    "gradient": gradient_states,
    "minibatch": minibatch_states,
    "kmedoids": kmedoids_states,
}
METRICS: dict[str, tuple[str, ...]] = {
    "lloyd": ("euclidean", "cosine"),
    "gradient": ("euclidean", "cosine"),
    "minibatch": ("euclidean", "cosine"),
    "kmedoids": ("euclidean", "manhattan", "cosine"),
}
PARAMETERS: dict[str, dict[str, Any]] = {
    "lloyd": {},
    "gradient": {"learning_rate": None, "optimizer": "sgd"},
    "minibatch": {
        "batch_size": DEFAULT_BATCH_SIZE,
        "max_no_improvement": DEFAULT_MAX_NO_IMPROVEMENT,
    },
    "kmedoids": {"max_candidates": DEFAULT_MAX_CANDIDATES},
}


def get_runner(algorithm: str, metric: str) -> Runner:
    """The runner for ``algorithm`` after checking it supports ``metric``."""
    if algorithm not in ALGORITHMS:
        raise KMeansInputError(f"unknown algorithm {algorithm!r}: choose {', '.join(ALGORITHMS)}")
    metrics = METRICS.get(algorithm, ("euclidean",))
    if metric not in metrics:
        raise KMeansInputError(
            f"algorithm {algorithm!r} supports metric {' or '.join(metrics)}, not {metric!r}"
        )
    return functools.partial(ALGORITHMS[algorithm], metric=metric)
