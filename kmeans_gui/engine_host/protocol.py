"""The messages between the window's process and the engine's: small, picklable, TF-free.

Requests go down one pipe, replies come up another. Every request but ``ShareData`` and
``Shutdown`` carries a job id; every reply names the job it belongs to, and each job ends with
exactly one ``Done``. Cancelling is not a message: the parent sets the job's flag in a shared
array that the child reads between two states (so a stop takes effect within one iteration,
even while the child is busy and not reading its pipe).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .shared import SharedArraySpec


@dataclass(frozen=True)
class ShareData:
    """Attach the feature matrix (and weights) the following jobs refer to as ``data_id``."""

    data_id: int
    matrix: SharedArraySpec
    weights: SharedArraySpec | None = None


@dataclass(frozen=True)
class Call:
    """Run ``JOBS[name](*args, **kwargs)``; a generator streams ``Item``s, a function one
    ``Result``. With ``data_id``, the attached matrix (and weights, as ``sample_weight``) are
    passed first."""

    job_id: int
    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    data_id: int | None = None


@dataclass(frozen=True)
class Shutdown:
    """Finish (the current job is cancelled first by the parent) and exit."""


@dataclass(frozen=True)
class Item:
    job_id: int
    value: Any


@dataclass(frozen=True)
class Result:
    job_id: int
    value: Any


@dataclass(frozen=True)
class Warned:
    """A Python warning the engine issued during the job, as a sentence."""

    job_id: int
    text: str


@dataclass(frozen=True)
class Failed:
    """The job raised: ``text`` is the sentence a user sees (no TensorFlow type crosses)."""

    job_id: int
    text: str
    kind: str  # the exception's class name, for logs and tests


@dataclass(frozen=True)
class Done:
    job_id: int
    cancelled: bool = False


def error_text(exc: BaseException) -> str:
    """The one sentence a user sees. Domain errors carry it; anything else gets its type named."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, OSError):
        return text
    if isinstance(exc, ValueError | RuntimeError) and type(exc).__module__.startswith("kmeans_gui"):
        return text
    return f"{text} ({type(exc).__name__})"


def warning_text(message: Warning | str) -> str:
    """A warning as a sentence: first letter up, one final full stop."""
    text = str(message).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
