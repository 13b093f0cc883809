"""A seeded random sample of a table too large to show: what the window plots.

Above ``SAMPLE_ABOVE_ROWS`` rows, or when loading would not fit the memory budget, the window
shows a sample of ``SAMPLE_ROWS`` rows drawn with a fixed seed (so a file opens the same way
every time), while runs stream the whole file in the engine's process. The sample is a
:class:`SampledTable`: a ``LoadedTable`` of the sampled rows (every column, typed as the whole
file is typed), which also knows where they sit in the file.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError
from .load import LoadedTable
from .progress import ProgressCallback, Reporter
from .table_stream import estimated_memory, memory_budget, open_table_stream, stream_format

#: Tables of more rows than this open as a sample (and run streamed).
SAMPLE_ABOVE_ROWS = 2_000_000
#: Rows the window shows of such a table.
SAMPLE_ROWS = 200_000
SAMPLE_SEED = 0


@dataclass(frozen=True, eq=False)
class SampledTable(LoadedTable):
    """``frame`` holds the sampled rows, in file order; ``positions`` their rows in the file."""

    positions: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0, np.int64))
    total_rows: int = 0


def should_sample(path: str | os.PathLike[str]) -> bool:
    """Whether the window should open ``path`` as a sample: a table a streamed run can read
    with more than ``SAMPLE_ABOVE_ROWS`` rows, or more than the memory budget needs."""
    file = Path(path).expanduser()
    try:
        if not file.is_dir():
            stream_format(file)
    except DataError:
        return False
    from .csv_chunks import csv_size
    from .parquet_chunks import parquet_size

    try:
        rows = parquet_size(file)[0] if file.is_dir() or _is_parquet(file) else csv_size(file)[0]
        need = estimated_memory(file)
    except (DataError, OSError):
        return False
    return rows > SAMPLE_ABOVE_ROWS or (need is not None and need > memory_budget())


def _is_parquet(file: Path) -> bool:
    with file.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def load_sample(
    path: str | os.PathLike[str],
    size: int | None = None,
    seed: int = SAMPLE_SEED,
    progress: ProgressCallback | None = None,
) -> SampledTable:
    """``size`` (default ``SAMPLE_ROWS``) rows of the table drawn without replacement
    (seeded), read in one pass."""
    started = time.perf_counter()
    size = SAMPLE_ROWS if size is None else size
    report = Reporter(progress)
    file = Path(path).expanduser()
    report(0.0, f"Opening {file.name}")
    table = open_table_stream(file, progress=lambda f, m: report(0.4 * f, m))
    n = table.n_rows
    rng = np.random.default_rng(seed)
    positions = np.arange(n) if n <= size else np.sort(rng.choice(n, size, replace=False))
    parts = []
    for piece in table.pieces():
        lo, hi = np.searchsorted(positions, [piece.start, piece.start + len(piece.frame)])
        if hi > lo:
            parts.append(piece.frame.iloc[positions[lo:hi] - piece.start])
        report(0.4 + 0.6 * (piece.start + len(piece.frame)) / n, f"Sampling {file.name}")
    frame = pd.concat(parts).reset_index(drop=True)
    source = table.loaded()
    note = (
        f"Showing a random sample of {len(positions):,} of the {n:,} rows of {file.name}; "
        "runs and exports use every row."
    )
    report(1.0, f"Sampled {len(positions):,} of {n:,} rows from {file.name}")
    return SampledTable(
        frame=frame,
        path=file,
        format=source.format,
        encoding=source.encoding,
        csv_style=source.csv_style,
        header=source.header,
        notes=(*source.notes, note),
        seconds=time.perf_counter() - started,
        positions=positions,
        total_rows=n,
    )
