"""Which centroid is nearest to each pixel of the plot: the Voronoi tint, exact per pixel.

Asking every pixel costs about 0.1 s a million pixels (k = 8). Regions that are convex in the
plot (Euclidean and cosine cells, seen through the affine map from the fit's units to the
plot's) need far fewer questions: the pixels on a coarse lattice are asked first, and a block
whose four corners agree lies inside one convex cell, so all its pixels share that answer;
only the blocks a boundary crosses are asked pixel by pixel. The result is the same as asking
every pixel. Other regions (Manhattan cells need not be convex) are asked pixel by pixel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BLOCK = 8  # pixels per side of a lattice block


@dataclass(frozen=True)
class Regions:
    """Nearest centroid of plot points, (M, 2) -> (M,); ``convex``: every cell is convex in the
    plot (what lets :func:`region_labels` ask only the lattice and the boundaries)."""

    nearest: Callable[[np.ndarray], np.ndarray]
    convex: bool = False

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return self.nearest(points)


def _lattice(n: int, step: int) -> np.ndarray:
    """Lattice indices 0, step, 2*step, ... and the last pixel."""
    return np.unique(np.r_[np.arange(0, n, step), n - 1])


def region_labels(
    nearest: Callable[[np.ndarray], np.ndarray],
    rect: tuple[float, float, float, float],
    columns: int,
    rows: int,
    block: int = BLOCK,
) -> np.ndarray:
    """(rows, columns) index of the nearest centroid at the centre of each pixel of ``rect``
    (x, y, width, height in plot units; row 0 at y), from ``nearest`` (M, 2) plot points ->
    (M,), which may be :class:`Regions` (convex ones are asked less)."""
    x, y, width, height = rect
    convex = bool(getattr(nearest, "convex", False))
    gx = x + (np.arange(columns) + 0.5) * width / columns
    gy = y + (np.arange(rows) + 0.5) * height / rows
    if not convex or columns <= 2 * block or rows <= 2 * block:
        grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
        return np.asarray(nearest(grid)).reshape(rows, columns)
    cx, cy = _lattice(columns, block), _lattice(rows, block)
    corners = np.stack(np.meshgrid(gx[cx], gy[cy]), axis=-1).reshape(-1, 2)
    corner = np.asarray(nearest(corners)).reshape(len(cy), len(cx))
    top_left = corner[:-1, :-1]
    uniform = (
        (top_left == corner[1:, :-1]) & (top_left == corner[:-1, 1:]) & (top_left == corner[1:, 1:])
    )
    # Pixels per block (a pixel on a lattice line belongs to the block after it, whose corners
    # include it; the last line to the last block).
    wide = np.diff(np.r_[cx[:-1], columns])
    tall = np.diff(np.r_[cy[:-1], rows])
    out = np.repeat(np.repeat(top_left.astype(np.int32), tall, axis=0), wide, axis=1)
    mixed = np.repeat(np.repeat(~uniform, tall, axis=0), wide, axis=1)
    iy, ix = np.nonzero(mixed)
    if iy.size:
        out[iy, ix] = nearest(np.column_stack([gx[ix], gy[iy]]))
    return out
