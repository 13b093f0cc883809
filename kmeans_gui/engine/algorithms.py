"""The registry of clustering algorithms that ``iterate`` can stream.

A runner takes the prepared (centred) data and centred initial centroids and yields
:class:`IterationState` objects, the last one with ``final=True``::

    runner(data, centroids, *, metric, tol, max_iter, rng, restart, n_restarts, **params)

``get_runner`` binds ``metric`` (checked against ``METRICS``), so callers pass the rest;
``check_params`` refuses parameters an algorithm does not take before any data is prepared.
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

from .choices import METRICS, PARAMETERS
from .errors import KMeansInputError
from .gradient import check_gradient_params, gradient_states
from .kmedoids import check_kmedoids_params, kmedoids_states
from .lloyd import lloyd_states
from .lloyd_loop import lloyd_result
from .minibatch import check_minibatch_params, minibatch_states
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
    final_only: bool = False,
) -> Iterator[IterationState]:
    """Lloyd takes no parameters of its own (``check_params`` has refused any) nor ``rng``.
    ``final_only``: yield just each run's final state, from the compiled loop."""
    run = lloyd_result if final_only and data.shards is None else lloyd_states
    return run(
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


_VALIDATORS: dict[str, Callable[..., object]] = {
    "gradient": check_gradient_params,
    "minibatch": check_minibatch_params,
    "kmedoids": check_kmedoids_params,
}


def check_params(algorithm: str, params: dict[str, Any]) -> None:
    """Reject unknown or invalid algorithm parameters before any data is prepared."""
    known = PARAMETERS.get(algorithm, {})
    unknown = sorted(set(params) - set(known))
    if unknown:
        accepted = ", ".join(known) or "none"
        raise KMeansInputError(
            f"algorithm {algorithm!r} takes no parameter(s) {', '.join(unknown)} "
            f"(it accepts: {accepted})"
        )
    if algorithm in _VALIDATORS:
        _VALIDATORS[algorithm](**{**known, **params})
