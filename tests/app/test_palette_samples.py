"""The cluster palette and the bundled sample tables."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from kmeans_gui.app.palette import OKABE_ITO, cluster_colour_hex, cluster_colours

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB of sRGB colours (N, 3) in 0..255 (D65), for perceptual distances."""
    c = np.asarray(rgb, float) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.column_stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])]
    )


def test_no_cluster_is_black_white_or_the_unassigned_grey():
    from kmeans_gui.app.palette import UNASSIGNED

    colours = cluster_colours(30)[:, :3]
    lightness = _lab(colours)[:, 0]
    assert lightness.min() > 25 and lightness.max() < 95  # not black, not the white background
    chroma = np.hypot(*_lab(colours)[:, 1:].T)
    assert chroma.min() > 15  # no grey: grey is a point without a cluster
    assert np.linalg.norm(_lab(colours) - _lab([UNASSIGNED[:3]]), axis=1).min() > 15


def test_voronoi_tints_of_the_first_eight_clusters_are_told_apart():
    from kmeans_gui.app.scatter_view import VORONOI_ALPHA

    a = VORONOI_ALPHA / 255
    tints = 255 * (1 - a) + cluster_colours(8)[:, :3] * a  # over the white background
    lab = _lab(tints)
    distances = np.linalg.norm(lab[:, None] - lab[None, :], axis=-1)
    np.fill_diagonal(distances, np.inf)
    assert distances.min() > 7  # CIELAB ΔE; the old blue / sky blue pair was 4.7


def test_palette_starts_with_okabe_ito_and_stays_distinct():
    assert [cluster_colour_hex(6, i) for i in range(6)] == list(OKABE_ITO)
    for k in (1, 8, 9, 28, 60):
        colours = cluster_colours(k)
        assert colours.shape == (k, 4)
        assert len({tuple(c) for c in colours}) == k
    np.testing.assert_array_equal(cluster_colours(12)[:5], cluster_colours(5))


def test_make_samples_regenerates_the_committed_tables(tmp_path):
    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.main(tmp_path):
        committed = DATA / path.name
        assert committed.stat().st_size < 1_000_000
        assert path.read_bytes() == committed.read_bytes(), path.name


def test_gps_sample_sits_near_washington_with_rows_to_leave_out():
    frame = pd.read_csv(DATA / "gps.csv")
    assert frame["latitude"].isna().sum() == 4
    assert abs(frame["latitude"].mean() - 38.9) < 0.05
    assert abs(frame["longitude"].mean() + 77.0) < 0.05
    assert (frame["visits"] >= 1).all()


def test_spreads_sample_defeats_random_init_but_not_kmeans_plus_plus():
    from kmeans_gui.engine import KMeans

    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    X = pd.read_csv(DATA / "spreads.csv").to_numpy()
    centres = module.spreads_centres()
    truth = ((X[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)

    def finds_all_six(init: str, seed: int) -> bool:
        labels = KMeans(6, init=init, seed=seed, max_iter=100).fit(X).labels_
        # every true cluster maps onto its own k-means cluster (the big one may lend a few points)
        majority = {int(np.bincount(labels[truth == c]).argmax()) for c in range(6)}
        return len(majority) == 6

    seeds = range(8)
    random_ok = sum(finds_all_six("random", s) for s in seeds)
    plus_ok = sum(finds_all_six("k-means++", s) for s in seeds)
    assert plus_ok == len(seeds)
    assert random_ok <= len(seeds) // 2


def test_importing_the_app_does_not_import_tensorflow():
    code = (
        "import sys; import kmeans_gui.app, kmeans_gui.app.window; "
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    )
    assert out.stdout.strip() == "False"


def test_the_style_sheet_names_every_colour_and_the_icon_has_every_size(qapp) -> None:
    from kmeans_gui.app.style import ICON_SIZES, app_icon, style_sheet

    sheet = style_sheet()
    assert "$" not in sheet and "#8a5a00" in sheet and OKABE_ITO[0] in sheet
    sizes = {size.width() for size in app_icon().availableSizes()}
    assert set(ICON_SIZES) <= sizes
