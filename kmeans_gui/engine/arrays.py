"""The caller's arrays, checked once: rows (finite, numeric, 2-D) and sample weights.

NumPy only, so the scores that need no TensorFlow (``validity``) can check their input alike.
"""

from __future__ import annotations

import numpy as np

from .errors import KMeansInputError


def check_data(X: object) -> np.ndarray:
    """X as a finite 2-D float array, or a KMeansInputError saying what is wrong."""
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise KMeansInputError(f"X could not be read as a numeric array: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise KMeansInputError(f"X must be numeric, got values of type {arr.dtype}")
    if np.iscomplexobj(arr):
        raise KMeansInputError("X must be real-valued, got complex numbers")
    if arr.ndim != 2:
        raise KMeansInputError(
            f"X must be a 2-D array (rows x features), got {arr.ndim} dimension(s)"
            + ("; use X.reshape(-1, 1) for a single feature" if arr.ndim == 1 else "")
        )
    n, d = arr.shape
    if n == 0 or d == 0:
        raise KMeansInputError(f"X is empty ({n} rows x {d} features)")
    if arr.dtype not in (np.float32, np.float64):  # ints, bools, float16: exact in float64
        arr = arr.astype(np.float64)
    limit = np.finfo(np.float32).max / 4
    low, high = arr.min(), arr.max()  # NaN propagates into both: one cheap pass each
    if not (np.isfinite(low) and np.isfinite(high)):
        bad = ~np.isfinite(arr).all(axis=1)
        raise KMeansInputError(
            f"X has NaN or infinite values in {int(bad.sum())} row(s) (first at row "
            f"{int(np.argmax(bad))}); drop or impute them before clustering"
        )
    if max(-low, high) >= limit:
        raise KMeansInputError("X has values too large for float32 arithmetic (|x| >= 1e38)")
    return arr


def check_weights(sample_weight: object, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise KMeansInputError("sample_weight must be numeric") from None
    if w.ndim != 1 or w.shape[0] != n:
        raise KMeansInputError(f"sample_weight must have one value per row ({n}), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise KMeansInputError("sample_weight must be finite and non-negative")
    if w.sum() <= 0:
        raise KMeansInputError("sample_weight sums to zero: at least one row needs weight")
    return w


def unit_length(X: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (the cosine metric's view of the data), float64."""
    X = np.asarray(X, dtype=np.float64)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def column_extremes(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's minimum and maximum of an (n, d) array (NaN where a column has one).

    NumPy reduces axis 0 of a narrow C-ordered array lane by lane, about 6x slower than the
    same values viewed as 64 or more columns: a streamed run's first pass takes these of every
    piece, so the rows are viewed as ``r`` rows of d side by side and reduced twice.
    """
    n, d = X.shape
    r = max(1, 64 // max(d, 1))
    whole = n // r * r
    if r == 1 or whole == 0 or not X.flags.c_contiguous:
        return X.min(axis=0), X.max(axis=0)
    lanes = X[:whole].reshape(-1, r * d)
    low = lanes.min(axis=0).reshape(r, d).min(axis=0)
    high = lanes.max(axis=0).reshape(r, d).max(axis=0)
    if whole < n:
        low = np.minimum(low, X[whole:].min(axis=0))
        high = np.maximum(high, X[whole:].max(axis=0))
    return low, high
