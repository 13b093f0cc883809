"""What the window remembers between launches (QSettings): folder, recent files, parameters,
data choices (missing values, scaling, plot), playback speed and the window's layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


def default_settings() -> QSettings:
    return QSettings("kmeans-gui", "kmeans-gui")


class AppSettings:
    """Typed access to the few keys the app stores (tests pass an INI file of their own)."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings if qsettings is not None else default_settings()

    # -- files -----------------------------------------------------------------------------
    def last_folder(self) -> str:
        return str(self.q.value("files/last_folder", str(Path.home())))

    def recent_files(self) -> list[str]:
        raw = self.q.value("files/recent", "[]")
        try:
            files = json.loads(raw) if isinstance(raw, str) else list(raw or [])
        except (TypeError, ValueError):
            return []
        return [str(f) for f in files][:MAX_RECENT]

    def add_recent_file(self, path: str) -> list[str]:
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        self.q.setValue("files/recent", json.dumps(files[:MAX_RECENT]))
        self.q.setValue("files/last_folder", str(Path(path).parent))
        return files[:MAX_RECENT]

    def clear_recent_files(self) -> None:
        self.q.setValue("files/recent", "[]")

    def set_last_folder(self, folder: str) -> None:
        self.q.setValue("files/last_folder", folder)

    # -- parameters ------------------------------------------------------------------------
    def parameters(self) -> dict[str, Any]:
        return self._json_dict("run/parameters")

    def set_parameters(self, values: dict[str, Any]) -> None:
        self.q.setValue("run/parameters", json.dumps(values))

    def data_choices(self) -> dict[str, Any]:
        """Missing-value rule, scaling and plot mode, as the data panel's snapshot() gave them."""
        return self._json_dict("data/choices")

    def set_data_choices(self, values: dict[str, Any]) -> None:
        self.q.setValue("data/choices", json.dumps(values))

    def _json_dict(self, key: str) -> dict[str, Any]:
        raw = self.q.value(key, "{}")
        try:
            values = json.loads(raw) if isinstance(raw, str) else {}
        except ValueError:
            return {}
        return values if isinstance(values, dict) else {}

    def speed(self, default: float) -> float:
        try:
            return float(self.q.value("run/speed", default))
        except (TypeError, ValueError):
            return default

    def set_speed(self, speed: float) -> None:
        self.q.setValue("run/speed", float(speed))

    # -- layout ----------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self.q.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.q.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def set_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)

    def sync(self) -> None:
        self.q.sync()
