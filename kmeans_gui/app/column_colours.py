"""Colouring the points by a column of the table instead of by cluster.

Numbers get a gradient (viridis, readable in grey and by colour-blind readers) from the
column's smallest to its largest value over the plotted rows; text, booleans and categories get
one palette colour per class (the cluster palette, so a reference column and the clusters read
alike), the rarest lumped as "other" beyond :data:`MAX_CLASSES`. Missing cells are grey. The
result is codes per point into a small colour table, which the scatter paints as it paints
cluster labels (a gather per frame, whatever N is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg
from pandas.api import types as ptypes

from .palette import UNASSIGNED, cluster_colours

GRADIENT_STEPS = 64
MAX_CLASSES = 20
OTHER_COLOUR = (90, 90, 90, 255)


@dataclass(frozen=True, eq=False)
class ColumnColouring:
    """``codes`` (n,) into ``colours`` (M, 4) uint8; ``key`` the (text, RGBA) entries of a
    legend: each class, or the gradient's low and high ends."""

    column: str
    codes: np.ndarray
    colours: np.ndarray
    key: list[tuple[str, tuple[int, int, int, int]]]
    gradient: bool


def _rgba(row: np.ndarray) -> tuple[int, int, int, int]:
    return tuple(int(v) for v in row)  # type: ignore[return-value]


def column_colouring(series: pd.Series) -> ColumnColouring:
    """Colours for the plotted rows' cells of one column (``series``: those rows, in order)."""
    name = str(series.name)
    grey = np.array(UNASSIGNED, np.uint8)
    dtype = series.dtype
    numeric = ptypes.is_numeric_dtype(dtype) and not ptypes.is_bool_dtype(dtype)
    if numeric:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(values)
        if finite.any():
            low, high = float(values[finite].min()), float(values[finite].max())
            span = high - low if high > low else 1.0
            steps = np.clip(((values - low) / span * (GRADIENT_STEPS - 1)).round(), 0, None)
            codes = np.where(finite, steps, GRADIENT_STEPS).astype(np.int64)
            table = pg.colormap.get("viridis").getLookupTable(nPts=GRADIENT_STEPS, alpha=True)
            colours = np.vstack([np.asarray(table, np.uint8), grey])
            key = [(f"{low:.6g}", _rgba(colours[0])), (f"{high:.6g}", _rgba(colours[-2]))]
            return ColumnColouring(name, codes, colours, key, gradient=True)
    codes, classes = pd.factorize(series, sort=True, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    names = [str(c) for c in classes.tolist()]
    if len(names) > MAX_CLASSES:  # keep the most frequent, the rest are "other"
        counts = np.bincount(codes[codes >= 0], minlength=len(names))
        kept = np.sort(np.argsort(-counts, kind="stable")[: MAX_CLASSES - 1])
        remap = np.full(len(names), len(kept), np.int64)
        remap[kept] = np.arange(len(kept))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        names = [names[i] for i in kept] + [f"other ({len(names) - len(kept)} values)"]
        palette = np.vstack([cluster_colours(len(kept)), np.array(OTHER_COLOUR, np.uint8)])
    else:
        palette = np.array(cluster_colours(len(names)))
    colours = np.vstack([palette, grey])
    codes = np.where(codes >= 0, codes, len(names))
    key = [(n, _rgba(colours[i])) for i, n in enumerate(names)]
    if (codes == len(names)).any():
        key.append(("(empty)", _rgba(grey)))
    return ColumnColouring(name, codes, colours, key, gradient=False)


def key_html(colouring: ColumnColouring) -> str:
    """The colour key as rich text: a coloured disc before each class (or the gradient's ends)."""
    parts = []
    for text, (r, g, b, _) in colouring.key:
        parts.append(f'<span style="color:#{r:02X}{g:02X}{b:02X}">●</span>&nbsp;{_escape(text)}')
    joiner = " → " if colouring.gradient else " &nbsp; "
    return f"<b>{_escape(colouring.column)}</b>: " + joiner.join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
