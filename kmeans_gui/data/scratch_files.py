"""The engine's per-row scratch columns as temporary files (``engine.scratch.Scratch``).

A streamed run keeps the labels of its last pass and its centred float32 rows between passes
(``engine/scratch.py`` says why); in files, that costs disk, not memory: the operating system
caches what fits and the run's own memory stays one batch. Everything lives in one private
folder under the temporary directory (``TMPDIR``), removed when the run ends, however it ends.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import TracebackType

import numpy as np

#: Disk a run leaves free for everything else: the cache is skipped rather than fill it.
RESERVE_BYTES = 2 << 30


class DiskColumn:
    """A flat array of one dtype in a file: appended in order, read back from the start."""

    def __init__(self, path: Path, dtype: np.dtype | type) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self._file = path.open("w+b")
        self._readers: list[_DiskReader] = []

    def append(self, values: np.ndarray) -> None:
        flat = np.ascontiguousarray(values, dtype=self.dtype).reshape(-1)
        self._file.write(memoryview(flat).cast("B"))

    def reader(self) -> _DiskReader:
        self._file.flush()
        reader = _DiskReader(self.path, self.dtype)
        self._readers = [r for r in self._readers if not r.closed]
        self._readers.append(reader)
        return reader

    def values(self) -> np.ndarray:
        """Everything written, as one array (tests, small runs)."""
        self._file.flush()
        return np.fromfile(self.path, dtype=self.dtype)

    def clear(self) -> None:
        self._file.seek(0)
        self._file.truncate()

    def close(self) -> None:
        for reader in self._readers:
            reader.close()
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class _DiskReader:
    def __init__(self, path: Path, dtype: np.dtype) -> None:
        self.dtype = dtype
        self._file = path.open("rb", buffering=0)

    @property
    def closed(self) -> bool:
        return self._file.closed

    def read_into(self, out: np.ndarray) -> int:
        if out.dtype != self.dtype or not out.flags.c_contiguous:
            raise ValueError("read_into needs a contiguous array of the column's dtype")
        view = memoryview(out.reshape(-1)).cast("B")
        filled = 0
        while filled < len(view):
            got = self._file.readinto(view[filled:])
            if not got:
                break
            filled += got
        if filled < len(view):
            self.close()
        return filled // self.dtype.itemsize

    def close(self) -> None:
        self._file.close()


class DiskScratch:
    """The engine's ``Scratch`` in a private temporary folder; use it as a context manager
    (or call ``close``) so the folder goes when the run does."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kmeans-gui-stream-", dir=folder))
        self._count = 0
        self._columns: list[DiskColumn] = []

    def column(self, dtype: np.dtype | type) -> DiskColumn:
        self._count += 1
        column = DiskColumn(self.folder / f"column-{self._count}.bin", dtype)
        self._columns.append(column)
        return column

    def room(self, n_bytes: int) -> bool:
        return shutil.disk_usage(self.folder).free - n_bytes > RESERVE_BYTES

    def close(self) -> None:
        for column in self._columns:
            column.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> DiskScratch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
