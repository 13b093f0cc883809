"""How a load reports progress to its caller (a GUI progress bar, or nothing)."""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]
"""``progress(fraction, message)``: fraction in [0, 1], first call 0.0, last call 1.0.

Called on the loading thread. Raising from the callback aborts the load (the exception
propagates unchanged), which is how a GUI can cancel.
"""


class Reporter:
    """Clamps and forwards progress; a missing callback costs nothing."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback

    def __call__(self, fraction: float, message: str) -> None:
        if self._callback is not None:
            self._callback(min(max(float(fraction), 0.0), 1.0), message)
