"""The engine's public face: ``iterate`` (a stream of states) and ``KMeans`` (scikit-learn style).

Both share one path: validate, lay out the data once, then for each restart choose initial
centroids and run the algorithm's stream. The compiled kernels are traced per shape and reused
across restarts, runs and instances.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import tensorflow as tf

from .algorithms import check_params, get_runner
from .choices import DEFAULT_INIT_ROUNDS, DEFAULT_OVERSAMPLING
from .devices import resolve_device
from .distances import distance_blocks, nearest
from .distributed import check_strategy
from .errors import KMeansInputError
from .init import initial_centroids
from .kernels import assign_pass
from .kmeans_parallel import check_init_params
from .prepare import check_data, prepare, prepare_input, unit_length
from .refine import refined
from .refine_options import check_refine, parse_refine_budget
from .state import IterationState


def _check_run_params(tol: object, max_iter: object, n_init: object) -> tuple[float, int, int]:
    try:
        tol_f = float(tol)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise KMeansInputError(f"tol must be a number, got {tol!r}") from None
    if not np.isfinite(tol_f) or tol_f < 0:
        raise KMeansInputError(f"tol must be zero or positive, got {tol!r}")
    for name, value in (("max_iter", max_iter), ("n_init", n_init)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise KMeansInputError(f"{name} must be a whole number of at least 1, got {value!r}")
    return tol_f, int(max_iter), int(n_init)  # type: ignore[arg-type]


def restart_generators(seed: int | None, n_init: int) -> list[np.random.Generator]:
    """Independent generators, one per restart, all derived from ``seed``."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n_init)]


def iterate(
    X: Any,
    n_clusters: int,
    *,
    algorithm: str = "lloyd",
    init: str | np.ndarray = "k-means++",
    n_init: int = 1,
    tol: float = 1e-4,
    max_iter: int = 300,
    seed: int | None = None,
    device: str = "auto",
    sample_weight: Any = None,
    metric: str = "euclidean",
    strategy: tf.distribute.Strategy | None = None,
    refine: str | None = None,
    refine_budget: int | str | None = None,
    cancelled: Callable[[], bool] | None = None,
    oversampling: float = DEFAULT_OVERSAMPLING,
    init_rounds: int = DEFAULT_INIT_ROUNDS,
    **params: Any,
) -> Iterator[IterationState]:
    """Stream the states of a clustering run, one per iteration, restart after restart.

    Parameters mirror :class:`KMeans`. Validation errors surface on the first ``next()``.
    Abandoning the generator between states cancels the run. With ``refine="swap"`` each
    accepted swap is a state of its own (``phase="swap"``); rejected trials yield nothing, so
    ``cancelled``, a callable polled between batches of trials (about 0.1 s each), lets a
    consumer that blocks inside ``next()`` stop them: the stream then ends.
    """
    return _runs(
        X,
        n_clusters,
        algorithm=algorithm,
        init=init,
        n_init=n_init,
        tol=tol,
        max_iter=max_iter,
        seed=seed,
        device=device,
        sample_weight=sample_weight,
        metric=metric,
        strategy=strategy,
        refine=refine,
        refine_budget=refine_budget,
        cancelled=cancelled,
        oversampling=oversampling,
        init_rounds=init_rounds,
        final_only=False,
        params=params,
    )


def _runs(
    X: Any,
    n_clusters: int,
    *,
    algorithm: str,
    init: str | np.ndarray,
    n_init: int,
    tol: float,
    max_iter: int,
    seed: int | None,
    device: str,
    sample_weight: Any,
    metric: str,
    strategy: tf.distribute.Strategy | None,
    refine: str | None,
    refine_budget: int | str | None,
    final_only: bool,
    params: dict[str, Any],
    cancelled: Callable[[], bool] | None = None,
    oversampling: float = DEFAULT_OVERSAMPLING,
    init_rounds: int = DEFAULT_INIT_ROUNDS,
) -> Iterator[IterationState]:
    """``iterate``; with ``final_only`` a runner may yield only each restart's final state
    (Lloyd's then runs its iterations in one compiled loop)."""
    runner = get_runner(algorithm, metric)
    refine = check_refine(refine, algorithm)
    if refine is None and refine_budget is not None:
        raise KMeansInputError("refine_budget is for refine='swap'; give refine as well")
    if refine is not None and strategy is not None:
        raise KMeansInputError(
            "refine='swap' runs on one device, not over a tf.distribute strategy"
        )
    if strategy is not None:
        check_strategy(strategy)
        if algorithm != "lloyd":
            raise KMeansInputError(
                f"a tf.distribute strategy runs the 'lloyd' algorithm only, not {algorithm!r}"
            )
    check_params(algorithm, params)
    if final_only and algorithm == "lloyd":
        params = {**params, "final_only": True}
    tol, max_iter, n_init = _check_run_params(tol, max_iter, n_init)
    check_init_params(oversampling, init_rounds)
    if not isinstance(init, str) and n_init > 1:
        warnings.warn(
            "explicit initial centroids given: running one restart, not n_init", stacklevel=2
        )
        n_init = 1
    budget = None if refine is None else parse_refine_budget(refine_budget, n_clusters)
    data, k = prepare_input(X, n_clusters, sample_weight, device, metric=metric, strategy=strategy)

    def restart_states(restart: int, rng: np.random.Generator) -> Iterator[IterationState]:
        centroids = initial_centroids(
            data, k, init, rng, oversampling=oversampling, rounds=init_rounds
        )
        states = runner(
            data,
            centroids,
            tol=tol,
            max_iter=max_iter,
            rng=rng,
            restart=restart,
            n_restarts=n_init,
            **params,
        )
        if budget is not None:
            states = refined(
                states,
                data,
                budget=budget,
                seed=rng.integers(0, 2**62, size=2),
                tol=tol,
                max_iter=max_iter,
                metric=metric,
                final_only=final_only,
                cancelled=cancelled,
            )
        return states

    generators = restart_generators(seed, n_init)
    side_by_side = SIDE_BY_SIDE and n_init > 1 and data.n <= SIDE_BY_SIDE_ROWS
    if side_by_side and final_only and strategy is None and cancelled is None:
        yield from _side_by_side(restart_states, generators)
        return
    for restart, rng in enumerate(generators):
        yield from restart_states(restart, rng)
        if cancelled is not None and cancelled():
            return  # no further restarts once the consumer has cancelled


#: Whether a fit runs its restarts side by side (``_side_by_side``); tests compare with it off.
SIDE_BY_SIDE = True
#: Up to this many rows. Beyond, every pass already keeps the cores busy: measured with 4
#: restarts, side by side took 0.90x the time at 200k x 16 x 32 and 1.03x at 1M x 2 x 8
#: (0.74x on Fränti's A3, 0.78x on Birch2, 10 restarts).
SIDE_BY_SIDE_ROWS = 1 << 19


def _side_by_side(
    restart_states: Callable[[int, np.random.Generator], Iterator[IterationState]],
    generators: list[np.random.Generator],
) -> Iterator[IterationState]:
    """Every restart's states, in restart order, the restarts after the first run two (or
    one per core) at a time.

    A restart's work is mostly single-threaded on small tables (k-means++ seeding is one
    compiled loop; passes over a few blocks leave cores idle), and restarts share nothing but
    the prepared data, so side by side they take about half the time. The first runs alone:
    it traces and compiles what the others reuse. Each restart has its own generator, so
    the results are those of running them one after another.
    """
    yield from restart_states(0, generators[0])
    workers = min(len(generators) - 1, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="restart") as pool:
        futures = [
            pool.submit(lambda r=r, g=g: list(restart_states(r, g)))
            for r, g in enumerate(generators[1:], start=1)
        ]
        for future in futures:
            yield from future.result()


class KMeans:
    """k-means on TensorFlow, with scikit-learn's names and meanings.

    Parameters
    ----------
    n_clusters : number of clusters k.
    init : "k-means++" (greedy, 2 + ln k trials), "k-means||" (Bahmani et al.'s few-pass
        k-means++, as Spark and cuML start; see ``oversampling``), "random" (k distinct rows),
        "uniform" (uniform in the bounding box) or a (k, D) array in the data's units.
    n_init : restarts with independent seeds; the lowest inertia wins.
    tol : convergence when the summed squared centroid shift is at most
        ``tol`` x mean per-feature variance of X (scale-free), or when no label changes.
        With ``sample_weight`` the variance is weighted, so integer weights stop exactly
        where repeated rows do (scikit-learn uses the unweighted variance).
    max_iter : cap on centroid updates per restart.
    seed : makes every run reproducible bit for bit on the same device.
    device : "auto" (GPU when TensorFlow sees one), "cpu" or "gpu".
    strategy : a ``tf.distribute.Strategy`` (``MirroredStrategy`` over the GPUs of one machine,
        ``MultiWorkerMirroredStrategy`` over machines) to spread Lloyd's passes over its
        replicas; ``device`` is then ignored.
    refine : None (or "none"), or "swap": after Lloyd converges, swap trials move centroids
        out of a bad local optimum (a centroid of least removal cost is replaced by a point
        drawn by squared distance, two Lloyd passes follow, the trial is kept if the inertia
        fell; ``engine/swap.py``), then Lloyd runs to convergence again. Every restart is
        refined; the result never has a higher inertia than the restart's Lloyd result.
    refine_budget : how long the trials go on: a number of trials, or seconds as a string
        such as "2.5s" (then how far a run gets depends on the machine). By default until
        20 + k trials in a row have failed (at most ten times that many in all).
    oversampling, init_rounds : k-means||' candidates per round, l = ``oversampling`` x k
        (default 2), and its rounds (default 5), then weighted k-means++ on the candidates.
    algorithm, metric, **params : see :func:`iterate` and ``engine.algorithms``.

    Attributes after ``fit``: ``cluster_centers_`` (k, D), ``labels_`` (N,), ``inertia_``
    (weighted sum of squared distances), ``n_iter_``, ``converged_``, ``device_``,
    ``restart_inertias_``; with ``refine``, ``n_swaps_`` and ``n_trials_`` (swaps accepted
    and trials run in the kept restart).
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | np.ndarray = "k-means++",
        n_init: int = 1,
        tol: float = 1e-4,
        max_iter: int = 300,
        seed: int | None = None,
        device: str = "auto",
        algorithm: str = "lloyd",
        metric: str = "euclidean",
        strategy: tf.distribute.Strategy | None = None,
        refine: str | None = None,
        refine_budget: int | str | None = None,
        oversampling: float = DEFAULT_OVERSAMPLING,
        init_rounds: int = DEFAULT_INIT_ROUNDS,
        **params: Any,
    ) -> None:
        self.n_clusters = n_clusters
        self.oversampling = oversampling
        self.init_rounds = init_rounds
        self.init = init
        self.n_init = n_init
        self.tol = tol
        self.max_iter = max_iter
        self.seed = seed
        self.device = device
        self.algorithm = algorithm
        self.metric = metric
        self.strategy = strategy
        self.refine = refine
        self.refine_budget = refine_budget
        self.params = params

    def fit(
        self,
        X: Any,
        sample_weight: Any = None,
        *,
        on_state: Callable[[IterationState], object] | None = None,
    ) -> KMeans:
        """Run every restart and keep the one of lowest inertia (the first on ties).

        ``on_state`` sees every state as it is produced (progress bars, logging).
        """
        best: IterationState | None = None
        inertias: list[float] = []
        for state in _runs(
            X,
            self.n_clusters,
            algorithm=self.algorithm,
            init=self.init,
            n_init=self.n_init,
            tol=self.tol,
            max_iter=self.max_iter,
            seed=self.seed,
            device=self.device,
            sample_weight=sample_weight,
            metric=self.metric,
            strategy=self.strategy,
            refine=self.refine,
            refine_budget=self.refine_budget,
            final_only=on_state is None,
            params=self.params,
            oversampling=self.oversampling,
            init_rounds=self.init_rounds,
        ):
            if on_state is not None:
                on_state(state)
            if state.final:
                inertias.append(state.inertia)
                if best is None or state.inertia < best.inertia:
                    best = state
        assert best is not None
        self.cluster_centers_ = best.centroids
        self.labels_ = best.labels
        self.inertia_ = best.inertia
        self.n_iter_ = best.n_iter
        self.converged_ = best.converged
        self.device_ = best.device
        self.n_relocated_ = best.n_relocated
        self.n_swaps_ = best.n_swaps
        self.n_trials_ = best.n_trials
        self.restart_inertias_ = inertias
        return self

    def fit_predict(self, X: Any, sample_weight: Any = None) -> np.ndarray:
        return self.fit(X, sample_weight).labels_

    def _check_fitted(self, X: Any) -> np.ndarray:
        if not hasattr(self, "cluster_centers_"):
            raise KMeansInputError("this KMeans is not fitted yet: call fit(X) first")
        arr = check_data(X)
        if arr.shape[1] != self.cluster_centers_.shape[1]:
            raise KMeansInputError(
                f"X has {arr.shape[1]} features but the model was fitted on "
                f"{self.cluster_centers_.shape[1]}"
            )
        return arr

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest fitted centre for every row of X, in the model's metric."""
        arr = self._check_fitted(X)
        if self.metric == "manhattan":
            return nearest(arr, self.cluster_centers_, self.metric)[0].astype(np.int32)
        if self.metric == "cosine":
            arr = unit_length(arr)
        offset = self.cluster_centers_.mean(axis=0)
        data = prepare(arr, None, resolve_device(self.device), self.n_clusters, offset=offset)
        # data.offset, not offset: float32 rows are centred on its float32 rounding.
        centroids = tf.constant((self.cluster_centers_ - data.offset).astype(np.float32))
        labels, _ = assign_pass(data.blocks, centroids)
        return data.flat(labels)

    def transform(self, X: Any) -> np.ndarray:
        """Distance from every row of X to every centre, (N, k) float64.

        Euclidean for the Euclidean metric (as scikit-learn), 1 - cos for cosine, L1 for
        Manhattan: the measure the model was fitted with.
        """
        arr = self._check_fitted(X)
        return np.concatenate(list(distance_blocks(arr, self.cluster_centers_, self.metric)))
