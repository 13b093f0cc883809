"""Random numbers tied to rows, not to the order or the pieces the rows arrive in.

A streamed run sees its rows a chunk at a time, and a sharded one sees only some of them; an
in-memory run sees them all at once. For the three to draw the same sample (k-means||, the
first centre, random rows), the draw for row i must depend on (key, i) alone. A generator
stepped chunk by chunk does not give that; a hash of the row's index does: SplitMix64's
finaliser over ``key + (i + 1) * golden``, the counter-based scheme that seeds Java's and
NumPy's own generators.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_KEY_BOUND = 2**63


def new_key(rng: np.random.Generator) -> int:
    """A fresh key for one sampling decision, drawn from the restart's generator."""
    return int(rng.integers(_KEY_BOUND))


def row_uniforms(key: int, rows: np.ndarray) -> np.ndarray:
    """One uniform in [0, 1) per row index in ``rows`` (int), float64, 53 random bits each."""
    z = (np.asarray(rows, dtype=np.uint64) + np.uint64(1)) * _GOLDEN + np.uint64(key)
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def weighted_keys(key: int, rows: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Exponential race keys -ln(u) / w: the row of smallest key is a draw proportional to
    weight (Efraimidis & Spirakis); a row of weight 0 never wins (key inf)."""
    u = row_uniforms(key, rows)
    keys = -np.log1p(-u)  # -ln(1 - u): u = 0 is possible, 1 - u never 0
    if weights is None:
        return keys
    with np.errstate(divide="ignore"):
        return np.where(weights > 0, keys / np.where(weights > 0, weights, 1.0), np.inf)
