"""The application's look: its icon and style sheet, from the top-level ``resources/`` folder.

``resources/`` travels with a wheel (``share/kmeans-gui/resources``) as ``data/`` does; a
source checkout uses its own. The style sheet names its colours (``$note``, ``$accent``…) and
they are filled in here, the accent from the cluster palette, so each colour is written once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from string import Template

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from .palette import OKABE_ITO

COLOURS = {
    "note": "#8a5a00",  # dark amber: readable on white, not an error
    "accent": OKABE_ITO[0],
    "quiet": "#555555",
    "error": "#b00020",
}
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def resources_dir() -> Path:
    """``resources/`` of a source checkout (editable install), else where a wheel put it."""
    checkout = Path(__file__).resolve().parents[2] / "resources"
    installed = Path(sys.prefix) / "share" / "kmeans-gui" / "resources"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


def style_sheet() -> str:
    text = (resources_dir() / "style.qss").read_text(encoding="utf-8")
    return Template(text).substitute(COLOURS)


def app_icon() -> QIcon:
    """The icon at every size drawn for it (PNG), the SVG as the fallback for others."""
    folder = resources_dir() / "icons"
    icon = QIcon()
    for size in ICON_SIZES:
        png = folder / f"kmeans-gui-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    svg = folder / "kmeans-gui.svg"
    if svg.is_file():
        icon.addFile(str(svg))
    return icon


def apply_style(app: QApplication) -> None:
    """Icon and style sheet for every window of ``app`` (idempotent)."""
    app.setWindowIcon(app_icon())
    app.setStyleSheet(style_sheet())
