"""The sample tables bundled in the repository's ``data/`` folder, and what each one teaches."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


def _data_dir() -> Path:
    """``data/`` of a source checkout (editable install), else where a wheel installs it."""
    checkout = Path(__file__).resolve().parents[2] / "data"
    installed = Path(sys.prefix) / "share" / "kmeans-gui" / "data"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


DATA_DIR = _data_dir()


@dataclass(frozen=True)
class Sample:
    file: str
    title: str
    k: int
    features: tuple[str, ...] | None = None  # None: every numeric column
    weight: str | None = None
    plot: tuple[str, str] | None = None
    equal_aspect: bool = False  # both plotted columns in the same unit (degrees, say)

    @property
    def path(self) -> Path:
        return DATA_DIR / self.file


SAMPLES = (
    Sample("blobs.csv", "Well-separated blobs", 4),
    Sample("spreads.csv", "Six clusters of very different spreads (try random init)", 6),
    Sample(
        "iris.csv",
        "Iris flowers (4 measurements)",
        3,
        plot=("petal_length", "petal_width"),
    ),
    Sample(
        "gps.csv",
        "GPS fixes around Washington, DC (weights: visits)",
        6,
        features=("latitude", "longitude"),
        weight="visits",
        plot=("longitude", "latitude"),
        equal_aspect=True,
    ),
)
DEFAULT_SAMPLE = SAMPLES[1]


def sample_for(path: str | Path) -> Sample | None:
    """The bundled sample at ``path``, if it is one (so its suggested k and columns apply)."""
    try:
        resolved = Path(path).resolve()
    except OSError:
        return None
    for sample in SAMPLES:
        if sample.path.resolve() == resolved:
            return sample
    return None


def available_samples() -> list[Sample]:
    return [s for s in SAMPLES if s.path.is_file()]
