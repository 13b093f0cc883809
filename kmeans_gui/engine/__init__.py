"""The k-means engine: TensorFlow and NumPy only, no Qt, no pandas, no files.

``iterate`` streams one immutable :class:`IterationState` per iteration (what the GUI's worker
forwards); ``KMeans`` is the scikit-learn-style estimator built on the same stream.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow's first import

from .algorithms import ALGORITHMS, METRICS, PARAMETERS
from .api import KMeans, iterate
from .devices import available_devices, resolve_device
from .errors import DeviceError, KMeansInputError
from .init import INIT_CHOICES
from .kmedoids import SampledMedoidsWarning
from .pca import principal_components
from .state import IterationState, SweepPoint
from .sweep import silhouette, sweep

__all__ = [
    "ALGORITHMS",
    "INIT_CHOICES",
    "METRICS",
    "PARAMETERS",
    "DeviceError",
    "IterationState",
    "KMeans",
    "KMeansInputError",
    "SampledMedoidsWarning",
    "SweepPoint",
    "available_devices",
    "iterate",
    "principal_components",
    "resolve_device",
    "silhouette",
    "sweep",
]
