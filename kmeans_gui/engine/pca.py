"""Principal components in TensorFlow, so more than two features can be plotted in 2-D."""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from .prepare import check_data


@tf.function(reduce_retracing=True)
def _covariance(x: tf.Tensor) -> tf.Tensor:
    n = tf.cast(tf.shape(x)[0], x.dtype)
    return tf.matmul(x, x, transpose_a=True) / tf.maximum(n - 1.0, 1.0)


def principal_components(
    X: Any, n_components: int = 2, *, return_explained: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Project X (N, D) on its first ``min(n_components, D)`` principal axes, (N, n) float64.

    Computed in float64 on the centred data (the covariance of far-from-origin data is
    meaningless in float32); each axis's sign is fixed so its largest loading is positive,
    which keeps the picture from flipping between runs. With ``return_explained``, also the
    share of the total variance each axis explains, (n,).
    """
    arr = check_data(X).astype(np.float64)
    centred = arr - arr.mean(axis=0)
    cov = _covariance(tf.constant(centred))
    values, vectors = tf.linalg.eigh(cov)  # ascending eigenvalues
    n = min(int(n_components), arr.shape[1])
    axes = vectors.numpy()[:, ::-1][:, :n]
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), np.arange(n)])
    scores = centred @ (axes * np.where(signs == 0, 1.0, signs))
    if not return_explained:
        return scores
    variances = np.clip(values.numpy()[::-1], 0.0, None)
    total = variances.sum()
    return scores, variances[:n] / total if total > 0 else np.zeros(n)
