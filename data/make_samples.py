"""Regenerate the bundled sample tables in this folder, bit for bit (run by hand).

    .venv/bin/python data/make_samples.py

Each table teaches one thing in the explorer:

- ``blobs.csv``: four well-separated round clusters; every initialiser finds them.
- ``spreads.csv``: one large diffuse cluster ringed by five small tight ones. ``random``
  initialisation draws most of its six seeds from the big cluster and splits it, merging tight
  clusters instead; ``k-means++`` spreads its seeds out and finds all six.
- ``iris.csv``: Fisher's iris measurements (from scikit-learn's bundled copy, which needs no
  network), with the species kept as a text column that is not a feature.
- ``gps.csv``: visits around six Washington, DC neighbourhoods near latitude 38.9, longitude
  -77.0 — data far from the origin, where float32 distance arithmetic goes wrong unless the
  engine centres the data. ``visits`` is a weight column; four rows have no latitude and are
  left out of a fit (and come back unlabelled in an export).

Only NumPy is needed, except for iris (scikit-learn, a test-time dependency): the committed CSV
files are what ships, this script is how they were made.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def make_blobs(rng: np.random.Generator) -> tuple[list[str], list[list[object]]]:
    centres = np.array([[-6.0, -4.0], [5.0, -5.0], [-4.0, 6.0], [6.0, 5.0]])
    spreads = np.array([1.1, 0.9, 1.2, 1.0])
    sizes = [220, 180, 200, 200]
    rows: list[list[object]] = []
    points = [
        rng.normal(c, s, size=(n, 2)) for c, s, n in zip(centres, spreads, sizes, strict=True)
    ]
    xy = np.concatenate(points)
    xy = xy[rng.permutation(len(xy))]
    for x, y in xy:
        rows.append([_fmt(x, 4), _fmt(y, 4)])
    return ["x", "y"], rows


def spreads_centres() -> np.ndarray:
    """The big cluster at the origin, five tight ones on a ring of radius 20 around it."""
    angles = np.deg2rad(90.0 + 72.0 * np.arange(5))
    ring = 20.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    return np.vstack([[0.0, 0.0], ring])


def make_spreads(rng: np.random.Generator) -> tuple[list[str], list[list[object]]]:
    centres = spreads_centres()
    spreads = np.array([2.0, 0.35, 0.6, 0.25, 0.8, 0.45])
    sizes = [2400, 60, 90, 50, 110, 70]
    xy = np.concatenate(
        [rng.normal(c, s, size=(n, 2)) for c, s, n in zip(centres, spreads, sizes, strict=True)]
    )
    xy = xy[rng.permutation(len(xy))]
    return ["x", "y"], [[_fmt(x, 4), _fmt(y, 4)] for x, y in xy]


def make_iris() -> tuple[list[str], list[list[object]]]:
    from sklearn.datasets import load_iris

    iris = load_iris()
    header = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    rows = [
        [*(_fmt(v, 1) for v in values), iris.target_names[t]]
        for values, t in zip(iris.data, iris.target, strict=True)
    ]
    return header, rows


GPS_PLACES = {
    "Capitol Hill": (38.8899, -77.0000, 0.0045),
    "Downtown": (38.8990, -77.0300, 0.0035),
    "Georgetown": (38.9076, -77.0647, 0.0030),
    "Dupont Circle": (38.9120, -77.0434, 0.0025),
    "Columbia Heights": (38.9296, -77.0325, 0.0030),
    "Navy Yard": (38.8760, -77.0030, 0.0020),
}


def make_gps(rng: np.random.Generator) -> tuple[list[str], list[list[object]]]:
    sizes = [420, 380, 260, 300, 240, 200]
    rows: list[list[object]] = []
    for (name, (lat, lon, spread)), n in zip(GPS_PLACES.items(), sizes, strict=True):
        lats = rng.normal(lat, spread, n)
        lons = rng.normal(lon, spread * 1.3, n)  # a degree of longitude is shorter here
        visits = rng.integers(1, 40, n)
        rows.extend(
            [name, _fmt(a, 6), _fmt(o, 6), int(v)]
            for a, o, v in zip(lats, lons, visits, strict=True)
        )
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    for i in rng.choice(len(rows), size=4, replace=False):
        rows[i][1] = ""  # a lost fix: no latitude
    header = ["neighbourhood", "latitude", "longitude", "visits"]
    return header, rows


def main(out_dir: Path = HERE) -> list[Path]:
    """Write every sample table into ``out_dir``; returns the paths written."""
    rng = np.random.default_rng(20241122)
    tables = {
        "blobs.csv": make_blobs(rng),
        "spreads.csv": make_spreads(rng),
        "iris.csv": make_iris(),
        "gps.csv": make_gps(rng),
    }
    written = []
    for name, (header, rows) in tables.items():
        _write(out_dir / name, header, rows)
        written.append(out_dir / name)
        print(f"wrote {name}: {len(rows)} rows")
    return written


if __name__ == "__main__":
    main()
