"""The engine's menus as plain data: what front ends offer without importing TensorFlow.

The CLI's argument parser and the GUI's panels read these, so a choice exists in one place;
the runners in ``algorithms.py`` check them again when a run starts.
"""

from __future__ import annotations

from typing import Any, NamedTuple

INIT_CHOICES = ("k-means++", "k-means||", "random", "uniform")
#: k-means|| by default: l = 2 k candidates a round, 5 rounds (Bahmani et al. 2012).
DEFAULT_OVERSAMPLING = 2.0
DEFAULT_INIT_ROUNDS = 5
DEVICE_CHOICES = ("auto", "cpu", "gpu")

#: Metrics each algorithm supports, the first being its default.
METRICS: dict[str, tuple[str, ...]] = {
    "lloyd": ("euclidean", "cosine"),
    "gradient": ("euclidean", "cosine"),
    "minibatch": ("euclidean", "cosine"),
    "kmedoids": ("euclidean", "manhattan", "cosine"),
}
ALGORITHM_NAMES = tuple(METRICS)


class AlgorithmTitle(NamedTuple):
    short: str  # in a legend or a sentence: "Lloyd, k-means++, k = 5"
    long: str  # in a menu
    description: str  # a tooltip's line


ALGORITHM_TITLES: dict[str, AlgorithmTitle] = {
    "lloyd": AlgorithmTitle(
        "Lloyd",
        "Lloyd (batch means)",
        "Lloyd: assign to the nearest centroid, move each centroid to its members' mean.",
    ),
    "gradient": AlgorithmTitle(
        "gradient descent",
        "Gradient descent (TensorFlow autodiff)",
        "Gradient descent: an optimiser step on the quantisation error (Bottou & Bengio).",
    ),
    "minibatch": AlgorithmTitle(
        "mini-batch",
        "Mini-batch (Sculley)",
        "Mini-batch: per-centre learning rates on random batches, for very large data.",
    ),
    "kmedoids": AlgorithmTitle(
        "k-medoids", "k-medoids", "k-medoids: centres are actual data points."
    ),
}
METRIC_NAMES = ("euclidean", "cosine", "manhattan")

DEFAULT_LEARNING_RATE = {"sgd": 0.5, "adam": 0.05}
OPTIMIZERS = tuple(DEFAULT_LEARNING_RATE)
DEFAULT_BATCH_SIZE = 1024
DEFAULT_MAX_NO_IMPROVEMENT = 10
DEFAULT_MAX_CANDIDATES = 4000

#: Up to this many rows a run's mean silhouette is exact; beyond, a seeded sample of this many.
SILHOUETTE_EXACT_ROWS = 20_000
#: Rows of the sweep's silhouette and gap statistic (a seeded sample when there are more).
DEFAULT_SWEEP_SAMPLE = 10_000
#: Reference sets of the sweep's gap statistic (0 switches it off).
DEFAULT_GAP_REFERENCES = 10

#: Each algorithm's own keyword parameters and their defaults (None: the algorithm chooses,
#: e.g. the learning rate depends on the optimiser).
PARAMETERS: dict[str, dict[str, Any]] = {
    "lloyd": {},
    "gradient": {"learning_rate": None, "optimizer": "sgd"},
    "minibatch": {
        "batch_size": DEFAULT_BATCH_SIZE,
        "max_no_improvement": DEFAULT_MAX_NO_IMPROVEMENT,
    },
    "kmedoids": {"max_candidates": DEFAULT_MAX_CANDIDATES},
}
