"""What the scatter shows at a place in a run: a state, one of its half-steps, or an edit.

Lloyd's iteration is two steps, and teaching it means showing both. The engine's stream already
holds them: state j carries centroids C_j and labels L_j = nearest(C_j), and C_{j+1} is the
mean of the points L_j gave each centroid. So between state j and state j+1 lies the update
frame (C_{j+1}, L_j): the centroids have moved to their members' means, the points still have
last step's colours; state j+1 is then the assignment (the points recolour to their nearest
centroid). Nothing is computed twice: both frames are read from the history. k-medoids
alternates the same way (the update moves each centre to its cluster's most central point);
gradient descent and mini-batch have no such pair of steps (a gradient step, or a batch's
per-centre moves, without a full assignment in between), so half-steps are off for them.

When the next state is the first after the user's edit, the frame between is the edit itself:
the centroids where the user put them, the points in their old colours (grey where their
centroid was removed). A pending edit (not run yet) is drawn the same way over the frame shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .animation_frames import ASSIGNMENT, STATE, UPDATE, pairing_inertia
from .centroid_edit import CentroidEdit
from .history import Frame, RunHistory

ALTERNATING = ("lloyd", "kmedoids")
HALF_STEPS_OFF = (
    "Half-steps show the two steps of Lloyd's iteration (and k-medoids'): assign points, move "
    "centroids. Gradient descent and mini-batch move centroids without a full assignment in "
    "between, so they have no half-steps to show."
)

# Kinds of picture: STATE (a state of the stream, half-steps off), ASSIGNMENT (a state, as the
# second half of its iteration), UPDATE (the centroids moved to their members' means, the points
# not recoloured yet), as the animation export names its frames; and the user's edits:
EDITED = "edited"  # the user's edit, as the history keeps it
EDITING = "editing"  # an edit not run yet


def alternates(algorithm: str) -> bool:
    """The algorithm alternates an assignment and an update, so half-steps mean something."""
    return algorithm in ALTERNATING


@dataclass(frozen=True, eq=False)
class Picture:
    """``labels`` (N,) in the numbering of ``centroids`` (K, D, fit units); a label equal to K
    means no centroid (drawn grey). ``frame`` is history frame ``index``, whose labels these
    are; ``next_frame`` the frame whose centroids an update or edit shows. ``origin`` maps each
    centroid to the one of ``frame`` it was (None: added), for an edit made on this picture."""

    index: int
    frame: Frame
    labels: np.ndarray | None
    centroids: np.ndarray
    kind: str
    origin: tuple[int | None, ...]
    next_frame: Frame | None = None

    @property
    def k(self) -> int:
        return len(self.centroids)

    @cached_property
    def sizes(self) -> np.ndarray:
        """Points per centroid (K,): the state's own counts, or an edit's, counted from its
        relabelled points (those of a removed centroid, label K, are not anyone's)."""
        if self.kind in (EDITED, EDITING) and self.labels is not None:
            return np.bincount(self.labels, minlength=self.k)[: self.k]
        return self.frame.sizes

    @property
    def iteration(self) -> int:
        """The iteration the picture belongs to: an update or edit leads to the next state's."""
        if self.next_frame is not None and self.kind != EDITING:
            return self.next_frame.iteration
        return self.frame.iteration

    @property
    def between(self) -> bool:
        """Drawn between two states (an update or an edit): no number of its own."""
        return self.kind in (UPDATE, EDITED, EDITING)

    def step_text(self) -> str:
        """What this picture is, for the history line and the status bar."""
        kmedoids = self.frame.algorithm == "kmedoids"
        if self.kind == UPDATE:
            if self.next_frame is not None and self.next_frame.phase == "swap":
                return "swap: a centroid jumps to a point, two Lloyd steps follow"
            if kmedoids:
                return "update: each medoid moves to its cluster's most central point"
            return "update: each centroid moves to the mean of its points"
        if self.kind == ASSIGNMENT:
            return "assignment: each point joins its nearest centroid"
        if self.kind == EDITED:
            return "your edit of the centroids"
        if self.kind == EDITING:
            return "centroids edited: Resume (or Step) goes on from them"
        return ""

    def with_edit(self, edit: CentroidEdit) -> Picture:
        """This picture with the user's pending edit of its centroids."""
        origin = tuple(None if o is None else self.origin[o] for o in edit.origin)
        return Picture(
            index=self.index,
            frame=self.frame,
            labels=edit.relabel(self.labels),
            centroids=edit.centroids,
            kind=EDITING,
            origin=origin,
            next_frame=self.next_frame,
        )


def picture_at(
    history: RunHistory, index: int, *, half: bool = False, half_steps: bool = False
) -> Picture:
    """Frame ``index`` (``half``: the update or edit after it), from what the stream sent;
    ``half_steps`` names a state as the assignment it is."""
    frame = history.frames[index]
    labels = history.labels(index)
    identity = tuple(range(len(frame.centroids)))
    if not half:
        kind = ASSIGNMENT if half_steps else STATE
        return Picture(index, frame, labels, frame.centroids, kind, identity)
    after = history.frames[index + 1]
    if after.edit is None:
        return Picture(index, frame, labels, after.centroids, UPDATE, identity, after)
    moved = CentroidEdit(after.centroids, after.edit, len(frame.centroids))
    return Picture(index, frame, moved.relabel(labels), after.centroids, EDITED, after.edit, after)


def cost(
    X: np.ndarray,
    weights: np.ndarray | None,
    picture: Picture,
    metric: str,
) -> float | None:
    """The run's cost for the picture's pairing of points and centroids, as the engine
    measures inertia; None where a point has no centroid. The engine's own states carry their
    inertia: this is for the frames between them (an update lowers it, so does the
    assignment after it)."""
    labels = picture.labels
    if not picture.between:
        return picture.frame.inertia
    if labels is None or (labels.size and int(labels.max()) >= picture.k):
        return None
    return pairing_inertia(X, weights, picture.centroids, labels, metric, picture.frame.algorithm)


def trail(history: RunHistory, picture: Picture, max_length: int) -> np.ndarray:
    """(T, K, D) centroid paths up to the picture (at most ``max_length`` states): its
    restart's frames back to the last edit that added, removed or renumbered centroids (a path
    of another centroid would be a lie), then the picture's own centroids when they are not a
    state's (an update, an edit). An edited centroid's path is the path of the one it was; an
    added one's starts where it is."""
    frames = history.frames
    first, _ = history.restart_range(picture.frame.restart)
    start = picture.index
    while start > max(first, picture.index - max_length + 1) and _continues(
        frames[start - 1], frames[start]
    ):
        start -= 1
    path = np.stack([frames[i].centroids for i in range(start, picture.index + 1)])
    if not picture.between:
        return path
    if picture.origin != tuple(range(len(picture.frame.centroids))):
        mapped = np.empty((len(path), picture.k, path.shape[2]))
        for i, o in enumerate(picture.origin):
            mapped[:, i] = path[:, o] if o is not None else picture.centroids[i]
        path = mapped
    return np.concatenate([path, picture.centroids[np.newaxis]])


def _continues(previous: Frame, frame: Frame) -> bool:
    """The frame's centroids are the previous frame's, moved (no edit renumbered them)."""
    if frame.edit is None:
        return True
    k = len(frame.centroids)
    return len(previous.centroids) == k and frame.edit == tuple(range(k))
