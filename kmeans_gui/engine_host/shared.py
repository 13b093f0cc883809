"""A NumPy array in POSIX shared memory: written once by the parent, read by the engine child.

The parent owns each segment (creates it, unlinks it when the data are replaced or the window
closes); the child only attaches. Both processes share one resource tracker (the child is
spawned by the parent), so a segment is cleaned up even if the parent dies.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from multiprocessing import resource_tracker, shared_memory

import numpy as np


@dataclass(frozen=True)
class SharedArraySpec:
    """What the child needs to map the array: segment name, shape and dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: str


class SharedArray:
    """An owned (``create``) or attached (``attach``) shared array; ``array`` is its view."""

    def __init__(self, memory: shared_memory.SharedMemory, spec: SharedArraySpec, owner: bool):
        self._memory = memory
        self.spec = spec
        self.owner = owner
        self.array = np.ndarray(spec.shape, dtype=np.dtype(spec.dtype), buffer=memory.buf)

    @classmethod
    def create(cls, values: np.ndarray) -> SharedArray:
        values = np.ascontiguousarray(values)
        memory = shared_memory.SharedMemory(create=True, size=max(values.nbytes, 1))
        spec = SharedArraySpec(memory.name, tuple(values.shape), values.dtype.str)
        shared = cls(memory, spec, owner=True)
        shared.array[...] = values
        return shared

    @classmethod
    def attach(cls, spec: SharedArraySpec) -> SharedArray:
        """Map the owner's segment, read-only. Python < 3.13 registers every attach with the
        resource tracker as if it had created the segment (gh-82300), which would unlink it
        twice and warn of a leak at exit; the owner alone is tracked here."""
        register = resource_tracker.register
        resource_tracker.register = lambda *args, **kwargs: None
        try:
            memory = shared_memory.SharedMemory(name=spec.name)
        finally:
            resource_tracker.register = register
        shared = cls(memory, spec, owner=False)
        shared.array.flags.writeable = False
        return shared

    def close(self) -> None:
        """Drop the view and the mapping; the owner also removes the segment."""
        self.array = None  # type: ignore[assignment]  # release the exported buffer first
        with contextlib.suppress(BufferError):  # a view is still held: it keeps the mapping
            self._memory.close()
        if self.owner:
            with contextlib.suppress(FileNotFoundError):
                self._memory.unlink()
