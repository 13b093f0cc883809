"""``refine="swap"``: Lloyd, then swap trials, then Lloyd again to convergence, as one stream.

A restart's stream is Lloyd's states as usual (its converged state no longer final), then one
state per accepted swap (``phase="swap"``: a centroid has jumped, the labels and the cost
follow), then the closing Lloyd run from the last accepted swap, whose last state is final.
Iterations are numbered on through all three, so the inertia curve drops at every swap.

The closing run's final state is what Lloyd alone reports (exact float64 centroids and
inertia). Should it come out above the converged state the refinement started from (which
float32 labelling could in principle cause by a rounding error), the starting state is
reported instead: the refinement never ends above where it started.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from .lloyd import lloyd_states
from .lloyd_loop import lloyd_result
from .prepare import PreparedData
from .refine_options import RefineBudget
from .state import IterationState
from .swap import STEPS, Accepted, SwapTrials


def refined(
    lloyd: Iterator[IterationState],
    data: PreparedData,
    *,
    budget: RefineBudget,
    seed: np.ndarray,
    tol: float,
    max_iter: int,
    metric: str,
    final_only: bool,
    cancelled: Callable[[], bool] | None = None,
    choice: str = "smart",
) -> Iterator[IterationState]:
    """The states of one restart refined by swap trials (``lloyd`` is that restart's stream:
    every state with ``final_only=False``, else just the final one). ``choice="random"``
    makes the trials plain random swap (``benchmarks/quality.py`` compares the two)."""
    start = None
    for state in lloyd:
        if state.final:
            start = state
            break
        yield state
    assert start is not None, "a Lloyd stream ends with a final state"
    if not final_only:
        yield dataclasses.replace(start, final=False, converged=False)
    k = len(start.centroids)
    trials = SwapTrials(
        data,
        start.centroids - data.offset,
        budget if k > 1 else RefineBudget(trials=0),  # one centroid: nothing to swap
        seed,
        metric=metric,
        each=not final_only,
        choice=choice,
        cancelled=cancelled,
    )
    previous, iteration, found = start, start.iteration, None
    for found in trials:
        iteration += 1
        if not final_only:
            previous = _swap_state(found, data, previous, start, iteration, metric)
            yield previous
    if cancelled is not None and cancelled():
        return  # the consumer has gone: no closing run
    counts = {"n_trials": trials.trials_run}
    if found is None:
        yield dataclasses.replace(start, iteration=iteration, **counts)
        return
    counts["n_swaps"] = found.swaps
    run = lloyd_result if final_only else lloyd_states
    closing = run(
        data,
        found.position.centroids.numpy().astype(np.float64),
        tol=tol,
        max_iter=max_iter,
        restart=start.restart,
        n_restarts=start.n_restarts,
        metric=metric,
    )
    updates = start.n_iter + STEPS * found.swaps
    for state in closing:
        if state.iteration == 0 and not state.final:
            continue  # the pass of the last swap's state, already shown
        state = dataclasses.replace(
            state, iteration=iteration + state.iteration, n_iter=updates + state.n_iter, **counts
        )
        if state.final and state.inertia > start.inertia:
            state = dataclasses.replace(start, iteration=state.iteration, **counts)
        yield state


def _swap_state(
    found: Accepted,
    data: PreparedData,
    previous: IterationState,
    start: IterationState,
    iteration: int,
    metric: str,
) -> IterationState:
    """The state an accepted swap produced, in the caller's units; its inertia is the pass's
    (float32 distances), as on Lloyd's own states before the final one."""
    position = found.position
    centroids = position.centroids.numpy().astype(np.float64) + data.offset
    labels = data.flat(position.labels)
    return IterationState(
        iteration=iteration,
        centroids=centroids,
        labels=labels,
        inertia=(0.5 if metric == "cosine" else 1.0) * float(position.cost),
        shift=float(np.sum((centroids - previous.centroids) ** 2)),
        sizes=position.count.numpy().astype(np.int64),
        n_changed=int(np.count_nonzero(labels != previous.labels)),
        n_relocated=0,
        seconds=found.seconds,
        converged=False,
        final=False,
        device=data.device,
        algorithm="lloyd",
        restart=start.restart,
        n_restarts=start.n_restarts,
        n_iter=start.n_iter + STEPS * found.swaps,
        phase="swap",
        n_swaps=found.swaps,
        n_trials=found.trial,
    )
