"""Render resources/icons/kmeans-gui.svg to the PNG sizes desktops ask for (run by hand after
editing the SVG): .venv/bin/python resources/make_icons.py"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256)


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841  (QPainter needs one)
    folder = Path(__file__).resolve().parent / "icons"
    renderer = QSvgRenderer(str(folder / "kmeans-gui.svg"))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(folder / f"kmeans-gui-{size}.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
