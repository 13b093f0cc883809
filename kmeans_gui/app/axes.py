"""Plot axes for counts: iterations and k are whole numbers, so their axes tick only at those."""

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
