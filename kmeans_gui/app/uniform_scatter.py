"""A scatter item whose points share one style, placed without a Python loop over them.

Each cluster is drawn as one :class:`pyqtgraph.ScatterPlotItem` with one brush. pyqtgraph
still looks every new point's marker up in its symbol atlas by a per-point Python key
(``SymbolAtlas._keys``): 13 ms of a 30 ms frame on the 2,780-row sample, redone on every
frame because every frame's points are new. When no point has a style of its own, all of them
have the item's marker, so one point is looked up and its place copied to the rest.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

#: The per-point style fields and the value that means "the item's own" (pyqtgraph's).
_ITEM_STYLE = {"symbol": None, "size": -1, "pen": None, "brush": None}


def _one_style(data: np.ndarray) -> bool:
    return all(np.equal(data[field], value).all() for field, value in _ITEM_STYLE.items())


class UniformScatter(pg.ScatterPlotItem):
    """A ``ScatterPlotItem`` for points that take the item's symbol, size, pen and brush."""

    def updateSpots(self, dataSet: np.ndarray | None = None) -> None:  # pyqtgraph's name
        data = self.data if dataSet is None else dataSet
        cached = self.opts["pxMode"] and self.opts["useCache"] and not self.opts["hoverable"]
        if cached and len(data) > 1:
            fresh = data["sourceRect"]["w"] == 0
            if fresh.any() and _one_style(data):
                first = int(np.argmax(fresh))
                super().updateSpots(data[first : first + 1])  # a view: writes reach ``data``
                data["sourceRect"][fresh] = data["sourceRect"][first]
        super().updateSpots(dataSet)
