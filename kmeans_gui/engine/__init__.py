"""The k-means engine: TensorFlow and NumPy only, no Qt, no pandas, no files.

``iterate`` streams one immutable :class:`IterationState` per iteration (what the GUI's worker
forwards); ``KMeans`` is the scikit-learn-style estimator built on the same stream.

Importing the package is cheap: the menus (``choices``), the state records and the errors load
at once, while everything else loads on first use, so a window or a CLI can start (and build
its menus) before TensorFlow has been imported. Of the lazy names, the label comparisons
(``agreement``), the validity indices (``validity``) and ``suggest_k`` are NumPy only and never
load TensorFlow either.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kmeans_gui.tf_startup import default_log_level

from .choices import (
    ALGORITHM_NAMES,
    DEVICE_CHOICES,
    INIT_CHOICES,
    METRIC_NAMES,
    METRICS,
    PARAMETERS,
)
from .distances import assigned_distances, nearest
from .errors import DeviceError, KMeansInputError
from .state import ClusterScores, IterationState, SweepPoint

default_log_level()  # before TensorFlow's first import (none of the modules above imports it)

_LAZY = {
    "ALGORITHMS": ".algorithms",
    "KMeans": ".api",
    "iterate": ".api",
    "available_devices": ".devices",
    "resolve_device": ".devices",
    "SampledMedoidsWarning": ".kmedoids",
    "principal_components": ".pca",
    "silhouette": ".silhouettes",
    "silhouette_samples": ".silhouettes",
    "score_clustering": ".scores",
    "calinski_harabasz": ".validity",
    "davies_bouldin": ".validity",
    "adjusted_rand_index": ".agreement",
    "normalized_mutual_info": ".agreement",
    "contingency": ".agreement",
    "suggest_k": ".suggestions",
    "SuggestedK": ".suggestions",
    "sweep": ".choose_k",
}

if TYPE_CHECKING:
    from .agreement import adjusted_rand_index, contingency, normalized_mutual_info
    from .algorithms import ALGORITHMS
    from .api import KMeans, iterate
    from .choose_k import sweep
    from .devices import available_devices, resolve_device
    from .kmedoids import SampledMedoidsWarning
    from .pca import principal_components
    from .scores import score_clustering
    from .silhouettes import silhouette, silhouette_samples
    from .suggestions import SuggestedK, suggest_k
    from .validity import calinski_harabasz, davies_bouldin


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ALGORITHMS",
    "ALGORITHM_NAMES",
    "DEVICE_CHOICES",
    "INIT_CHOICES",
    "METRICS",
    "METRIC_NAMES",
    "PARAMETERS",
    "ClusterScores",
    "DeviceError",
    "IterationState",
    "KMeans",
    "KMeansInputError",
    "SampledMedoidsWarning",
    "SuggestedK",
    "SweepPoint",
    "adjusted_rand_index",
    "assigned_distances",
    "available_devices",
    "calinski_harabasz",
    "contingency",
    "davies_bouldin",
    "iterate",
    "nearest",
    "normalized_mutual_info",
    "principal_components",
    "resolve_device",
    "score_clustering",
    "silhouette",
    "silhouette_samples",
    "suggest_k",
    "sweep",
]
