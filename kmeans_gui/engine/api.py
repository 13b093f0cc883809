"""The engine's public face: ``iterate`` (a stream of states) and ``KMeans`` (scikit-learn style).

Both share one path: validate, lay out the data once, then for each restart choose initial
centroids and run the algorithm's stream. The compiled kernels are traced per shape and reused
across restarts, runs and instances.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import tensorflow as tf

from .algorithms import get_runner
from .devices import resolve_device
from .errors import KMeansInputError
from .init import initial_centroids
from .kernels import assign_pass, block_rows
from .prepare import PreparedData, check_data, prepare, prepare_input
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
    **params: Any,
) -> Iterator[IterationState]:
    """Stream the states of a clustering run, one per iteration, restart after restart.

    Parameters mirror :class:`KMeans`. Validation errors surface on the first ``next()``.
    Abandoning the generator between states cancels the run.
    """
    runner = get_runner(algorithm, metric)
    tol, max_iter, n_init = _check_run_params(tol, max_iter, n_init)
    if not isinstance(init, str) and n_init > 1:
        warnings.warn(
            "explicit initial centroids given: running one restart, not n_init", stacklevel=2
        )
        n_init = 1
    data, k = prepare_input(X, n_clusters, sample_weight, device, metric=metric)
    for restart, rng in enumerate(restart_generators(seed, n_init)):
        centroids = initial_centroids(data, k, init, rng)
        yield from runner(
            data,
            centroids,
            tol=tol,
            max_iter=max_iter,
            rng=rng,
            restart=restart,
            n_restarts=n_init,
            **params,
        )


class KMeans:
    """k-means on TensorFlow, with scikit-learn's names and meanings.

    Parameters
    ----------
    n_clusters : number of clusters k.
    init : "k-means++" (greedy, 2 + ln k trials), "random" (k distinct rows), "uniform"
        (uniform in the bounding box) or a (k, D) array in the data's units.
    n_init : restarts with independent seeds; the lowest inertia wins.
    tol : convergence when the summed squared centroid shift is at most
        ``tol`` x mean per-feature variance of X (scale-free), or when no label changes.
    max_iter : cap on centroid updates per restart.
    seed : makes every run reproducible bit for bit on the same device.
    device : "auto" (GPU when TensorFlow sees one), "cpu" or "gpu".
    algorithm, metric, **params : see :func:`iterate` and ``engine.algorithms``.

    Attributes after ``fit``: ``cluster_centers_`` (k, D), ``labels_`` (N,), ``inertia_``
    (weighted sum of squared distances), ``n_iter_``, ``converged_``, ``device_``,
    ``restart_inertias_``.
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
        **params: Any,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.tol = tol
        self.max_iter = max_iter
        self.seed = seed
        self.device = device
        self.algorithm = algorithm
        self.metric = metric
        self.params = params

    def fit(self, X: Any, sample_weight: Any = None) -> KMeans:
        best: IterationState | None = None
        inertias: list[float] = []
        for state in iterate(
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
            **self.params,
        ):
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

    def _assign(self, X: Any) -> tuple[PreparedData, tf.Tensor, np.ndarray]:
        arr = self._check_fitted(X)
        offset = self.cluster_centers_.mean(axis=0)
        data = prepare(arr, None, resolve_device(self.device), self.n_clusters, offset=offset)
        centroids = (self.cluster_centers_ - offset).astype(np.float32)
        return data, tf.constant(centroids), centroids

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest fitted centroid for every row of X."""
        data, centroids, _ = self._assign(X)
        labels, _ = assign_pass(data.blocks, centroids)
        return data.flat(labels)

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distance from every row of X to every centroid, (N, k) float64."""
        data, _, centroids = self._assign(X)
        rows = data.rows
        c64 = centroids.astype(np.float64)
        csq = np.einsum("kd,kd->k", c64, c64)
        out = np.empty((data.n, c64.shape[0]))
        step = block_rows(data.n, c64.shape[0])
        for start in range(0, data.n, step):
            x = rows[start : start + step].astype(np.float64)  # float64: no cancellation
            sq = np.einsum("bd,bd->b", x, x)[:, None] - 2.0 * (x @ c64.T) + csq[None, :]
            out[start : start + step] = np.sqrt(np.maximum(sq, 0.0))
        return out
