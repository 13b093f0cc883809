"""The refinement's options as plain data: what front ends offer and how a budget is read.

Free of TensorFlow (and NumPy), so the command line and the window can build their menus and
check a budget before the engine loads. ``refine.py`` runs what these describe.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

from .errors import KMeansInputError

#: "none": Lloyd's result as it converged; "swap": swap trials, then Lloyd to convergence.
REFINE_CHOICES = ("none", "swap")
REFINE_TITLES = {
    "none": "None",
    "swap": "Swap centroids (escape local optima)",
}
#: Algorithms the refinement works on (it is built from Lloyd's passes).
REFINE_ALGORITHMS = ("lloyd",)
#: The keyword arguments of ``KMeans``/``iterate`` that ask for it.
REFINE_PARAMETERS = ("refine", "refine_budget")
#: By default the trials stop once this many plus k trials in a row have failed ...
BASE_PATIENCE = 20
#: ... or after this many times that in all.
MAX_TRIALS_PER_PATIENCE = 10

_SECONDS = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*s\s*$")


@dataclass(frozen=True)
class RefineBudget:
    """How long the swap trials may go on: at most ``trials`` trials, ``seconds`` of wall time,
    and ``patience`` trials in a row without a kept swap (each None: no such limit)."""

    trials: int | None = None
    seconds: float | None = None
    patience: int | None = None


def default_budget(k: int) -> RefineBudget:
    """The budget when none is given: stop after ``default_patience(k)`` failed trials in a
    row, at most ``MAX_TRIALS_PER_PATIENCE`` times that many trials in all."""
    patience = default_patience(k)
    return RefineBudget(trials=MAX_TRIALS_PER_PATIENCE * patience, patience=patience)


def default_patience(k: int) -> int:
    """Failed trials in a row after which the default budget stops. On Fränti's sets (k up to
    100, 20 seeds; 12 on Birch) the longest run of failures before the last swap that was
    needed to reach the ground truth was 12 trials at k = 20, 27 at k = 50 and 34 at k = 100:
    20 + k leaves a margin of two to three times; larger k hides more misplaced centroids."""
    return BASE_PATIENCE + int(k)


def parse_refine_budget(value: object, k: int) -> RefineBudget:
    """A budget from ``refine_budget``: None (the default for k), a whole number of trials
    (an int, or a string such as "500"), or seconds as a string such as "2.5s"."""
    if value is None:
        return default_budget(k)
    if isinstance(value, str):
        text = value.strip()
        seconds = _SECONDS.match(text)
        if seconds:
            amount = float(seconds.group(1))
            if not (math.isfinite(amount) and amount > 0):
                raise KMeansInputError(f"refine_budget of {value!r} is not a positive time")
            return RefineBudget(seconds=amount)
        if text.isdigit():
            value = int(text)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise KMeansInputError(
            "refine_budget must be a number of swap trials (a whole number of at least 1) or "
            f"seconds such as '2.5s', not {value!r}"
        )
    return RefineBudget(trials=int(value))


def check_refine(refine: object, algorithm: str) -> str | None:
    """``refine`` as the runner takes it: None for no refinement, else its name."""
    if refine is None or refine == "none":
        return None
    if refine not in REFINE_CHOICES:
        raise KMeansInputError(
            f"unknown refine {refine!r}: choose {', '.join(REFINE_CHOICES)} (or None)"
        )
    if algorithm not in REFINE_ALGORITHMS:
        raise KMeansInputError(
            f"refine={refine!r} refines the 'lloyd' algorithm's result, not {algorithm!r}'s"
        )
    return str(refine)
