"""The engine's menus as plain data: what front ends offer without importing TensorFlow.

The CLI's argument parser and the GUI's panels read these, so a choice exists in one place;
the runners in ``algorithms.py`` check them again when a run starts.
"""

from __future__ import annotations

from typing import Any

INIT_CHOICES = ("k-means++", "random", "uniform")
DEVICE_CHOICES = ("auto", "cpu", "gpu")

#: Metrics each algorithm supports, the first being its default.
METRICS: dict[str, tuple[str, ...]] = {
    "lloyd": ("euclidean", "cosine"),
    "gradient": ("euclidean", "cosine"),
    "minibatch": ("euclidean", "cosine"),
    "kmedoids": ("euclidean", "manhattan", "cosine"),
}
ALGORITHM_NAMES = tuple(METRICS)
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
