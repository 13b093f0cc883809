"""Accepted swaps, shown where a user looks: stars on the inertia curve and the status line.

With ``refine="swap"`` the engine sends one frame per swap trial it kept (``phase == "swap"``):
a centroid has jumped, the points have recoloured, the inertia has dropped. The curve marks
those frames, so that its steps down read as swaps and not as Lloyd iterations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyqtgraph as pg

from .palette import OKABE_ITO

LEGEND = "kept swap"


class SwapMarks:
    """A star on the inertia curve at every swap frame of the frames shown."""

    def __init__(self, view: Any) -> None:
        """``view``: the inertia view, or one side of the compare pane's curves."""
        self.view = view
        self.item = pg.ScatterPlotItem(
            symbol="star", size=15, pen=pg.mkPen("k", width=1), brush=pg.mkBrush(OKABE_ITO[3])
        )
        self.item.setZValue(5)  # above the curve, below the current-frame marker
        view.plotItem.addItem(self.item)
        self._in_legend = False
        letter = getattr(view, "letter", None)  # one of two runs side by side
        self.legend_text = LEGEND if letter is None else f"{letter}: {LEGEND}"

    def show(self, frames: Sequence[Any]) -> None:
        swaps = [f for f in frames if f.phase == "swap"]
        self.item.setData([f.iteration for f in swaps], [f.inertia for f in swaps])
        if bool(swaps) != self._in_legend:  # the legend names the stars only when there are some
            if swaps:
                self.view.legend.addItem(self.item, self.legend_text)
            else:
                self.view.legend.removeItem(self.item)
            self._in_legend = bool(swaps)

    def points(self) -> list[tuple[float, float]]:
        """The stars drawn, as (iteration, inertia)."""
        x, y = self.item.getData()
        return list(zip(x.tolist(), y.tolist(), strict=True))


def swap_status(frame: Any) -> str:
    """What the iteration field adds for a refined run: the swap a frame shows, or on the last
    frame how many trials were kept."""
    if frame.phase == "swap":
        return f" · swap {frame.n_swaps} kept (trial {frame.n_trials:,})"
    if frame.final and frame.n_trials:
        return f" · {frame.n_swaps} of {frame.n_trials:,} swap trials kept"
    return ""
