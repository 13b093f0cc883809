"""The hover lookup at 1,000,000 points: which point is under the mouse, and its tooltip.

Run by hand (not in CI):  .venv/bin/python benchmarks/hover.py [--points 1000000] [--repeat 3]

For point sets of several shapes (uniform, Gaussian blobs, one tight blob with far outliers,
points along a line), ``PointIndex`` (built once per plot) against two references measured side
by side in one run: a brute-force NumPy scan of every point per hover (what a view without an
index does) and scikit-learn's ``KDTree`` on the same pixel-scaled coordinates, asked one hover
at a time (a test-only dependency; the window does not use it). A hover asks for the nearest
point within 6 pixels of an 800 x 600 view, over the whole plot and zoomed in 100x; 2,000
positions per case, half of them on a point and half anywhere. Also the tooltip of one point
(its row as written, its distances to 8 centroids in 4-D) with the table in pandas. Times are
the best of ``--repeat``. Ratios below 1 mean the index is faster.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from kmeans_gui.app.hover import HoverContext, point_text
from kmeans_gui.app.point_index import PointIndex

VIEW_PIXELS = (800, 600)
RADIUS_PX = 6.0
QUERIES = 2000


def shapes(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    centres = rng.uniform(-10, 10, size=(8, 2))
    t = rng.uniform(0, 1, n)
    tight = rng.normal(0, 0.01, size=(n, 2))
    tight[: n // 1000] = rng.uniform(-1000, 1000, size=(n // 1000, 2))
    return {
        "uniform": rng.uniform(0, 1, size=(n, 2)),
        "blobs": centres[rng.integers(0, 8, n)] + rng.normal(size=(n, 2)),
        "tight+outliers": tight,
        "line": np.column_stack([t, 2 * t + rng.normal(0, 1e-3, n)]),
    }


def best(repeat: int, function, *args) -> float:
    """The shortest of ``repeat`` calls of ``function(*args)``, seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def queries(xy: np.ndarray, zoom: float, rng: np.random.Generator):
    """Hover positions and the radii in plot units for a view of the data's box / zoom."""
    lo, hi = np.quantile(xy, [0.001, 0.999], axis=0)
    span = (hi - lo) / zoom
    radii = RADIUS_PX * span / np.array(VIEW_PIXELS)
    on = xy[rng.integers(0, len(xy), QUERIES // 2)]
    centre = np.median(xy, axis=0)
    anywhere = centre + (rng.uniform(size=(QUERIES // 2, 2)) - 0.5) * span
    return np.vstack([on, anywhere]), radii


def lookups(index: PointIndex, positions: np.ndarray, rx: float, ry: float) -> np.ndarray:
    return np.array([index.nearest(x, y, rx, ry) for x, y in positions])


def scans(xy: np.ndarray, positions: np.ndarray, rx: float, ry: float) -> np.ndarray:
    """The nearest point within the radii by a scan of every point, per hover."""
    out = []
    for x, y in positions:
        d = ((xy[:, 0] - x) / rx) ** 2 + ((xy[:, 1] - y) / ry) ** 2
        i = int(np.argmin(d))
        out.append(i if d[i] <= 1 else -1)
    return np.array(out)


def kd_lookups(tree, scale: np.ndarray, positions: np.ndarray, zoom: float) -> np.ndarray:
    """KDTree built in pixel units of zoom 1: zooming keeps the axes' ratio, so the nearest
    there is the nearest here, within 1 / zoom of those units."""
    out = []
    for p in positions / scale:  # one hover at a time, as the mouse moves
        distance, index = tree.query(p[None], k=1)
        out.append(int(index[0, 0]) if distance[0, 0] <= 1 / zoom else -1)
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    try:
        from sklearn.neighbors import KDTree
    except ImportError:  # test-only dependency
        KDTree = None

    print(f"{args.points:,} points; times best of {args.repeat}; scan over 50 hovers")
    print(f"{'shape':<16}{'zoom':>5}{'build ms':>10}{'index ms':>10}{'scan ms':>9}"
          f"{'ratio':>8}{'kd build':>10}{'kd ms':>8}{'ratio':>8}{'same':>6}")  # fmt: skip
    for name, xy in shapes(args.points, rng).items():
        build_s = best(args.repeat, PointIndex, xy)
        index = PointIndex(xy)
        tree, scale, tree_s = None, None, float("nan")
        for zoom in (1.0, 100.0):
            positions, (rx, ry) = queries(xy, zoom, rng)
            if KDTree is not None and tree is None:
                scale = np.array([rx, ry])
                start = time.perf_counter()
                tree = KDTree(xy / scale)
                tree_s = time.perf_counter() - start
            index_ms = best(args.repeat, lookups, index, positions, rx, ry)
            index_ms *= 1e3 / len(positions)
            scan_ms = best(1, scans, xy, positions[:50], rx, ry) * 1e3 / 50
            same = np.mean(
                lookups(index, positions[:50], rx, ry) == scans(xy, positions[:50], rx, ry)
            )
            kd_ms = float("nan")
            if tree is not None:
                kd_ms = best(args.repeat, kd_lookups, tree, scale, positions, zoom)
                kd_ms *= 1e3 / len(positions)
            print(f"{name:<16}{zoom:>5.0f}{build_s * 1e3:>10.0f}{index_ms:>10.3f}{scan_ms:>9.2f}"
                  f"{index_ms / scan_ms:>8.3f}{tree_s * 1e3:>10.0f}{kd_ms:>8.3f}"
                  f"{index_ms / kd_ms:>8.2f}{same:>6.0%}")  # fmt: skip

    n, d, k = args.points, 4, 8
    frame = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"f{i}" for i in range(d)])
    frame["name"] = "x"

    from kmeans_gui.data import prepare_features

    features = prepare_features(frame, list(frame.columns[:d]))
    labels = rng.integers(0, k, n)
    context = HoverContext(features, frame, labels, rng.normal(size=(k, d)))
    rows = rng.integers(0, n, 200)

    def tips() -> None:
        for r in rows:
            point_text(context, int(r), int(r))

    print(f"tooltip text of one point ({n:,} rows, {d} features, k = {k}): "
          f"{best(args.repeat, tips) / len(rows) * 1e3:.3f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
