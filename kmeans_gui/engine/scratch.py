"""Values kept per row between the passes of a streamed run, outside the run's memory budget.

A streamed run holds one chunk of rows at a time, yet some things are per row and must last
from one pass to the next: the labels of the last pass (to count the rows that changed), the
nearest-candidate distances of k-means||, and the rows themselves once centred and cast to
float32 (a cache the following passes read instead of converting the source again). The
engine asks a :class:`Scratch` for columns and writes and reads them in row order only.

:class:`MemoryScratch` keeps them in memory (tests, and tables that fit anyway); the data
layer's ``DiskScratch`` keeps them in temporary files, which is what bounds a streamed run's
memory by its chunk size. The engine itself touches no file.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class ColumnReader(Protocol):
    def read_into(self, out: np.ndarray) -> int:
        """Fill ``out`` (contiguous, the column's dtype) with the next values; returns how
        many values there were (fewer than ``out.size`` at the end)."""
        ...


class ScratchColumn(Protocol):
    """A flat array of one dtype, appended to in row order and read back from the start."""

    dtype: np.dtype

    def append(self, values: np.ndarray) -> None: ...

    def reader(self) -> ColumnReader: ...

    def clear(self) -> None:
        """Forget every value (the column is written again)."""
        ...

    def close(self) -> None: ...


class Scratch(Protocol):
    def column(self, dtype: np.dtype | type) -> ScratchColumn: ...

    def room(self, n_bytes: int) -> bool:
        """Whether ``n_bytes`` more can be kept (the engine caches rows only if so)."""
        ...


class MemoryColumn:
    """A :class:`ScratchColumn` in memory: the appended arrays, read across their seams."""

    def __init__(self, dtype: np.dtype | type) -> None:
        self.dtype = np.dtype(dtype)
        self.parts: list[np.ndarray] = []

    def append(self, values: np.ndarray) -> None:
        self.parts.append(np.array(values, dtype=self.dtype, copy=True).reshape(-1))

    def reader(self) -> ColumnReader:
        return _MemoryReader(self.parts)

    def values(self) -> np.ndarray:
        """Everything written, as one array (tests)."""
        return np.concatenate(self.parts) if self.parts else np.empty(0, self.dtype)

    def clear(self) -> None:
        self.parts = []

    def close(self) -> None:
        self.parts = []


class _MemoryReader:
    def __init__(self, parts: list[np.ndarray]) -> None:
        self.parts = parts
        self.part = 0
        self.offset = 0

    def read_into(self, out: np.ndarray) -> int:
        flat = out.reshape(-1)
        filled = 0
        while filled < flat.size and self.part < len(self.parts):
            source = self.parts[self.part]
            take = min(flat.size - filled, source.size - self.offset)
            flat[filled : filled + take] = source[self.offset : self.offset + take]
            filled += take
            self.offset += take
            if self.offset == source.size:
                self.part, self.offset = self.part + 1, 0
        return filled


class MemoryScratch:
    """Per-row columns in memory: no bound on memory, but no file either."""

    def column(self, dtype: np.dtype | type) -> MemoryColumn:
        return MemoryColumn(dtype)

    def room(self, n_bytes: int) -> bool:
        return True


def read_exactly(reader: ColumnReader, out: np.ndarray) -> np.ndarray:
    """``out`` filled from ``reader``; a short read means the column and the rows disagree."""
    got = reader.read_into(out)
    if got != out.size:
        raise RuntimeError(f"scratch column ended after {got} of {out.size} values")
    return out
