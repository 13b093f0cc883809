"""Cluster colours that colour-blind readers can tell apart, for any k.

The first six are Okabe & Ito's palette ("Color Universal Design", 2008) without its black
(black is the colour of centroid rims and trails, and reads as "no cluster") and with its sky
blue moved back: as a faint Voronoi tint it is hard to tell from their blue. Then come Paul
Tol's muted wine and olive (also designed for colour-blind readers), the sky blue, the tab20
colours without their greys (grey means "not assigned yet"), then golden-ratio hues at
alternating lightness, so every k gets colours, the early ones always the safest.
"""

from __future__ import annotations

import colorsys
from functools import lru_cache

import numpy as np

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
)
AFTER_OKABE_ITO = (
    "#882255",  # Tol's wine
    "#999933",  # Tol's olive
    "#56B4E9",  # Okabe & Ito's sky blue
)

TAB20 = (
    "#1F77B4",
    "#AEC7E8",
    "#FF7F0E",
    "#FFBB78",
    "#2CA02C",
    "#98DF8A",
    "#D62728",
    "#FF9896",
    "#9467BD",
    "#C5B0D5",
    "#8C564B",
    "#C49C94",
    "#E377C2",
    "#F7B6D2",
    "#BCBD22",
    "#DBDB8D",
    "#17BECF",
    "#9EDAE5",
)  # fmt: skip  (tab20 without its two greys)

UNASSIGNED = (150, 150, 150, 255)  # points drawn before any run, or left without a cluster


def _hex_to_rgba(code: str) -> tuple[int, int, int, int]:
    code = code.lstrip("#")
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16), 255


@lru_cache(maxsize=32)
def _palette(k: int) -> np.ndarray:
    colours = [_hex_to_rgba(c) for c in (*OKABE_ITO, *AFTER_OKABE_ITO, *TAB20)[:k]]
    golden = 0.618033988749895
    i = 0
    while len(colours) < k:
        hue = (0.11 + i * golden) % 1.0
        value = 0.85 if i % 2 == 0 else 0.6
        r, g, b = colorsys.hsv_to_rgb(hue, 0.75, value)
        colours.append((round(r * 255), round(g * 255), round(b * 255), 255))
        i += 1
    table = np.array(colours, dtype=np.uint8).reshape(k, 4)
    table.setflags(write=False)
    return table


def cluster_colours(k: int) -> np.ndarray:
    """(k, 4) uint8 RGBA colours for clusters 0..k-1 (read-only; the same for the same k)."""
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    return _palette(int(k))


def cluster_colour_hex(k: int, index: int) -> str:
    """'#RRGGBB' of cluster ``index`` in a k-cluster palette (for legends and bar charts)."""
    r, g, b, _ = cluster_colours(k)[index]
    return f"#{r:02X}{g:02X}{b:02X}"
