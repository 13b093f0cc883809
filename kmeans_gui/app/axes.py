"""Plot axes: whole-number ticks for counts, and a range change that costs one repaint, not two.

Iterations and k are whole numbers, so their axes tick only at those.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg


class IntegerAxisItem(pg.AxisItem):
    """An axis with ticks at whole numbers only (no 0.5 between iteration 0 and 1).

    pyqtgraph picks tick levels at 1, 2 or 5 × 10^n; levels finer than 1 are dropped, and when
    zoomed in so far that none is left, every whole number in view gets a tick.
    """

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        levels = [
            (spacing, [v for v in values if float(v).is_integer()])
            for spacing, values in super().tickValues(minVal, maxVal, size)
            if spacing >= 1
        ]
        if not any(values for _, values in levels):
            lo, hi = sorted((minVal, maxVal))
            whole = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
            levels = [(1.0, whole.tolist())]
        return levels


def transform_with_range(view_box: pg.ViewBox) -> None:
    """Move ``view_box``'s items to a new range when it is set, not when it is next painted.

    pyqtgraph defers the view's new transform to the start of its paint; the items it moves
    then ask for a paint of their own, so a plot whose range follows its data (the inertia
    curve, the bars) was painted twice per frame.
    """
    view_box.sigRangeChanged.connect(lambda *_: view_box.updateMatrix())
