"""Every iteration of the last run, kept compactly so the history slider can scrub it.

A run at a million points and hundreds of iterations would hold gigabytes if every state's
label array were kept. Labels change little after the first iterations, so they are stored as
key frames plus deltas (the rows that changed and their new label), in the smallest integer type
that fits k. Scrubbing rebuilds a frame from the nearest key frame; stepping forward applies one
delta to a cached copy.

A run the user has edited (centroids moved, added or removed while paused) keeps what came
before the edit and goes on from it: :meth:`RunHistory.keep_until` keeps the frames up to the
edited one, and the continuation's states are appended after them with their iterations
counted on, the first one marked with the edit (:attr:`Frame.edit`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # importing the engine package would import TensorFlow
    from kmeans_gui.engine.state import IterationState

KEYFRAME_EVERY = 16
KEYFRAME_IF_CHANGED_FRACTION = 0.125


@dataclass(frozen=True, eq=False)
class Frame:
    """An iteration's numbers without its labels (those live in :class:`RunHistory`)."""

    iteration: int
    centroids: np.ndarray  # (K, D) float64, engine feature space
    inertia: float
    shift: float
    sizes: np.ndarray  # (K,) int64
    n_changed: int
    n_relocated: int
    seconds: float
    converged: bool
    final: bool
    device: str
    algorithm: str
    restart: int
    n_restarts: int
    n_iter: int = 0  # centroid updates so far (scikit-learn's n_iter_ on a final frame)
    # The first frame after the user edited the centroids: for each of its centroids, the
    # previous frame's centroid it was moved from (None: added). None for the engine's own.
    edit: tuple[int | None, ...] | None = None

    @classmethod
    def from_state(
        cls, state: IterationState, *, iteration_offset: int = 0, edit: tuple | None = None
    ) -> Frame:
        return cls(
            iteration=int(state.iteration) + iteration_offset,
            centroids=np.asarray(state.centroids, dtype=np.float64),
            inertia=float(state.inertia),
            shift=float(state.shift),
            sizes=np.asarray(state.sizes),
            n_changed=int(state.n_changed),
            n_relocated=int(state.n_relocated),
            seconds=float(state.seconds),
            converged=bool(state.converged),
            final=bool(state.final),
            device=str(state.device),
            algorithm=str(state.algorithm),
            restart=int(state.restart),
            n_restarts=int(state.n_restarts),
            n_iter=int(state.n_iter) + iteration_offset,
            edit=edit,
        )


@dataclass(frozen=True, eq=False)
class _Labels:
    key: np.ndarray | None  # full labels (key frame) ...
    rows: np.ndarray | None  # ... or the rows that changed since the previous frame
    values: np.ndarray | None  # and their new labels


def _label_dtype(k: int) -> type[np.integer]:
    return np.uint8 if k <= 255 else np.uint16 if k <= 65535 else np.int32


class RunHistory:
    """Frames of one run (all its restarts, in stream order) with their labels, compressed."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self._labels: list[_Labels] = []
        self._last_labels: np.ndarray | None = None  # labels of the newest frame, uncompressed
        self._cache_index = -1
        self._cache: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.frames)

    def append(
        self, state: IterationState, *, iteration_offset: int = 0, edit: tuple | None = None
    ) -> Frame:
        """Add the engine's next state; ``iteration_offset`` and ``edit`` for a run that goes
        on after an edit (see :meth:`keep_until`)."""
        frame = Frame.from_state(state, iteration_offset=iteration_offset, edit=edit)
        k = len(frame.centroids)
        labels = np.asarray(state.labels).astype(_label_dtype(k), copy=False)
        previous = self._last_labels
        first_of_restart = not self.frames or self.frames[-1].restart != frame.restart
        if (
            previous is None
            or first_of_restart
            or frame.edit is not None  # k may have changed, and with it the label type
            or previous.shape != labels.shape
            or len(self.frames) % KEYFRAME_EVERY == 0
        ):
            entry = _Labels(key=labels.copy(), rows=None, values=None)
        else:
            rows = np.flatnonzero(labels != previous)
            if rows.size > KEYFRAME_IF_CHANGED_FRACTION * labels.size:
                entry = _Labels(key=labels.copy(), rows=None, values=None)
            else:
                entry = _Labels(key=None, rows=rows.astype(np.int32), values=labels[rows])
        self.frames.append(frame)
        self._labels.append(entry)
        self._last_labels = entry.key if entry.key is not None else labels.copy()
        return frame

    def labels(self, index: int) -> np.ndarray:
        """Labels of frame ``index`` (a read-only array the caller may keep)."""
        if not 0 <= index < len(self.frames):
            raise IndexError(f"frame {index} not in a history of {len(self.frames)}")
        if index == self._cache_index and self._cache is not None:
            return self._cache
        entry = self._labels[index]
        if entry.key is not None:
            out = entry.key.copy()
        elif index == self._cache_index + 1 and self._cache is not None:
            out = self._cache.copy()  # callers may still hold the cached array
            out[entry.rows] = entry.values
        else:
            start = index
            while self._labels[start].key is None:
                start -= 1
            out = self._labels[start].key.copy()
            for i in range(start + 1, index + 1):
                delta = self._labels[i]
                out[delta.rows] = delta.values
        out.setflags(write=False)
        self._cache_index, self._cache = index, out
        return out

    def keep_until(self, index: int) -> RunHistory:
        """A history of the frames of frame ``index``'s restart up to ``index``, as a run of
        one restart: what an edit at frame ``index`` keeps (the other restarts, and what came
        after the edited frame, are another story than the one the user goes on with)."""
        first, _ = self.restart_range(self.frames[index].restart)
        kept = RunHistory()
        kept.frames = [
            dataclasses.replace(f, restart=0, n_restarts=1) for f in self.frames[first : index + 1]
        ]
        kept._labels = self._labels[first : index + 1]  # the restart's first entry is a key
        last = self.labels(index)
        kept._last_labels = last.copy()
        kept._cache_index, kept._cache = len(kept.frames) - 1, last
        return kept

    def restart_range(self, restart: int) -> tuple[int, int]:
        """First and last frame index of one restart (empty range -> (0, -1))."""
        indices = [i for i, f in enumerate(self.frames) if f.restart == restart]
        return (indices[0], indices[-1]) if indices else (0, -1)

    def final_inertias(self) -> dict[int, float]:
        """Final inertia of each restart that has finished, by restart number."""
        return {f.restart: f.inertia for f in self.frames if f.final}

    def best_restart(self) -> int | None:
        finals = self.final_inertias()
        return min(finals, key=finals.__getitem__) if finals else None

    def nbytes(self) -> int:
        """Bytes held by the stored labels (what grows with N and the number of iterations)."""
        total = 0
        for entry in self._labels:
            for arr in (entry.key, entry.rows, entry.values):
                if arr is not None:
                    total += arr.nbytes
        return total
