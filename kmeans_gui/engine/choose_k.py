"""Choosing k: fit every k of a range and score each fit.

Per k: the inertia (the elbow), the mean silhouette (``silhouettes.py``) on a seeded sample of
at most ``silhouette_sample`` rows (the same rows for every k, so the curve compares like with
like), Calinski-Harabasz and Davies-Bouldin on every row (``validity.py``), and the gap
statistic of Tibshirani, Walther and Hastie (2001) on the same sample:

    gap(k) = mean_b log W*_kb - log W_k,   gap_se(k) = sd_b(log W*_kb) * sqrt(1 + 1/B)

W_k is the sample's within-cluster dispersion under the fit's labels (sum of squared distances
to the cluster means, in the run's scaling; unit rows for cosine), W*_kb that of the b-th of B
reference sets drawn uniformly in the sample's bounding box (once, seeded, the same sets for
every k) and clustered the same way with one restart and the same ``max_iter``. With sample
weights, W_k is weighted and each reference row carries the sample's mean weight. The reference
sets are as large as the sample, so on large data the gap costs B fits of the sample's size per
k, not of the data's. Which k the curves suggest: ``suggestions.py``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .api import KMeans
from .arrays import check_data, check_weights, unit_length
from .choices import DEFAULT_GAP_REFERENCES, DEFAULT_SWEEP_SAMPLE
from .errors import KMeansInputError
from .silhouettes import sample_rows, silhouette
from .state import IterationState, SweepPoint
from .validity import calinski_harabasz, davies_bouldin, within_dispersion


class _Cancelled(Exception):
    """Raised between iterations when the sweep's ``cancelled`` callable says so."""


def _check_ks(ks: object) -> list[int]:
    try:
        values = list(ks)  # type: ignore[call-overload]
    except TypeError:
        raise KMeansInputError(f"ks must be a range or list of numbers, not {ks!r}") from None
    if not values:
        raise KMeansInputError("ks is empty: give at least one number of clusters to try")
    for k in values:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise KMeansInputError(f"every k must be a whole number of at least 1, got {k!r}")
    return [int(k) for k in values]


def _check_count(name: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise KMeansInputError(f"{name} must be a whole number of at least {least}, got {value!r}")


def sweep(
    X: Any,
    ks: Iterable[int],
    *,
    seed: int | None = None,
    device: str = "auto",
    sample_weight: Any = None,
    silhouette_sample: int = DEFAULT_SWEEP_SAMPLE,
    gap_references: int = DEFAULT_GAP_REFERENCES,
    cancelled: Callable[[], bool] | None = None,
    **kmeans_kwargs: Any,
) -> Iterator[SweepPoint]:
    """Fit :class:`KMeans` for every k in ``ks`` and yield one :class:`SweepPoint` per k.

    ``kmeans_kwargs`` (algorithm, metric, init, n_init, tol, max_iter, algorithm parameters)
    go to every fit, each with the same ``seed``. The silhouette and the gap statistic use the
    same seeded sample of at most ``silhouette_sample`` rows for every k (all rows when there
    are fewer); ``gap_references`` is B, the number of reference sets (0: no gap statistic).
    Scores undefined at k == 1 are nan. Errors surface on the first ``next()``; abandoning the
    generator between points cancels the sweep.

    ``cancelled``, a callable polled between iterations of every fit (and before each
    silhouette), stops the sweep early when it returns True: the k being fitted yields no
    point and the generator ends. A front end whose consumer blocks inside ``next()`` (a worker
    thread) passes its abort flag here, so a long fit need not run to its end.
    """
    arr = check_data(X)
    weights = check_weights(sample_weight, arr.shape[0])
    k_values = _check_ks(ks)
    _check_count("silhouette_sample", silhouette_sample, 2)
    _check_count("gap_references", gap_references, 0)
    metric = kmeans_kwargs.get("metric", "euclidean")
    rows = sample_rows(arr.shape[0], weights, silhouette_sample, seed)
    n_rows = arr.shape[0] if weights is None else int(np.count_nonzero(weights))
    sample = arr[rows]
    sample_w = None if weights is None else weights[rows]
    geometry = unit_length(arr) if metric == "cosine" else arr
    references = _references(geometry[rows], int(gap_references), seed)
    reference_options = {**kmeans_kwargs, "n_init": 1}

    def check(_: IterationState | None = None) -> None:
        if cancelled is not None and cancelled():
            raise _Cancelled

    def reference_labels(reference: np.ndarray, k: int) -> np.ndarray:
        model = KMeans(k, seed=seed, device=device, **reference_options)
        return model.fit(reference, on_state=check).labels_

    for k in k_values:
        start = time.perf_counter()
        model = KMeans(k, seed=seed, device=device, **kmeans_kwargs)
        try:
            check()
            model.fit(arr, sample_weight=weights, on_state=check)
            check()
            gap, gap_se = _gap(
                geometry[rows],
                model.labels_[rows],
                sample_w,
                references,
                k,
                metric,
                reference_labels,
            )
        except _Cancelled:
            return
        labels = model.labels_
        separated = k > 1  # the other scores need two clusters
        yield SweepPoint(
            k=k,
            inertia=float(model.inertia_),
            silhouette=(
                silhouette(sample, labels[rows], sample_w, metric, device)
                if separated
                else math.nan
            ),
            sample_size=int(rows.size),
            n_iter=int(model.n_iter_),
            seconds=time.perf_counter() - start,
            calinski_harabasz=(
                calinski_harabasz(geometry, labels, weights) if separated else math.nan
            ),
            davies_bouldin=davies_bouldin(geometry, labels, weights) if separated else math.nan,
            gap=gap,
            gap_se=gap_se,
            n_rows=n_rows,
        )


def _references(sample: np.ndarray, count: int, seed: int | None) -> list[np.ndarray]:
    """``count`` seeded sets of the sample's size, uniform in the sample's bounding box."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    low, high = sample.min(axis=0), sample.max(axis=0)
    return [rng.uniform(low, high, size=sample.shape) for _ in range(count)]


def _gap(
    sample: np.ndarray,
    labels: np.ndarray,
    sample_w: np.ndarray | None,
    references: list[np.ndarray],
    k: int,
    metric: str,
    fit_labels: Callable[[np.ndarray, int], np.ndarray],
) -> tuple[float, float]:
    """(gap, gap_se) of the sample's labels against the reference sets; nan when off or
    undefined (k as large as the sample, or a dispersion of 0)."""
    if not references or k >= len(sample):
        return math.nan, math.nan
    dispersion = within_dispersion(sample, labels, sample_w)
    if dispersion <= 0:
        return math.nan, math.nan
    # each reference row weighs the sample's mean weight, so both sides hold the same weight
    shift = 0.0 if sample_w is None else math.log(float(sample_w.sum()) / len(sample))
    logs = []
    for ref in references:
        ref_labels = np.zeros(len(ref), dtype=np.int32) if k == 1 else fit_labels(ref, k)
        geometry = unit_length(ref) if metric == "cosine" else ref
        logs.append(math.log(within_dispersion(geometry, ref_labels)) + shift)
    spread = float(np.std(logs)) * math.sqrt(1.0 + 1.0 / len(logs))
    return float(np.mean(logs)) - math.log(dispersion), spread
