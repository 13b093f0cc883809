"""What the window remembers between launches, declared once as a versioned record.

Every remembered choice is a field of a dataclass below, with its default; the panels read and
write these records (``choices()`` / ``apply()``), and :class:`PreferencesStore` keeps one JSON
value in QSettings with a schema version. Values that are missing, of the wrong type or no
longer offered fall back to the field's default; older records are migrated (``_migrate``).
Only the window's layout, which Qt encodes itself, is kept beside it as bytes.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from kmeans_gui.engine.choices import DEFAULT_BATCH_SIZE, DEFAULT_MAX_CANDIDATES

SCHEMA_VERSION = 2
MAX_RECENT = 8
KEY = "preferences"


@dataclass
class AlgorithmChoices:
    """Everything the algorithm panel shows, the settings of algorithms not chosen included."""

    k: int = 4
    algorithm: str = "lloyd"
    metric: str = "euclidean"
    init: str = "k-means++"
    tol: float = 1e-4
    max_iter: int = 300
    seed: int | None = 0  # None: a new random seed every run
    n_init: int = 1
    device: str = "auto"
    learning_rate: float | None = None  # None: the optimiser's default
    optimizer: str = "sgd"
    batch_size: int = DEFAULT_BATCH_SIZE
    max_candidates: int = DEFAULT_MAX_CANDIDATES


@dataclass
class DataChoices:
    """The data panel's choices that hold for any table (columns belong to one table)."""

    missing: str = "drop"
    scale: str = "none"
    plot: str = "features"


@dataclass
class ViewChoices:
    voronoi: bool = False
    trails: bool = True
    legend: bool = True
    half_steps: bool = False
    membership_lines: bool = False
    equal_aspect: bool = False
    speed: float = 10.0  # iterations per second; 0 = as fast as frames can be drawn
    point_size: float = 0.0  # pixels; 0: by density
    opacity: float = 1.0
    jitter: bool = False


@dataclass
class Preferences:
    version: int = SCHEMA_VERSION
    algorithm: AlgorithmChoices = field(default_factory=AlgorithmChoices)
    data: DataChoices = field(default_factory=DataChoices)
    view: ViewChoices = field(default_factory=ViewChoices)
    folders: dict[str, str] = field(default_factory=dict)  # kind of file -> last folder
    recent: list[str] = field(default_factory=list)

    # -- files -------------------------------------------------------------------------------
    def add_recent(self, path: str) -> None:
        resolved = str(Path(path).resolve())
        self.recent = [resolved, *(f for f in self.recent if f != resolved)][:MAX_RECENT]

    def folder(self, kind: str) -> str:
        """Where a file dialog for ``kind`` ("tables", "exports", …) starts: the last folder
        used for that kind, else the one used for tables, else the home folder."""
        for candidate in (self.folders.get(kind), self.folders.get("tables")):
            if candidate and Path(candidate).is_dir():
                return candidate
        return str(Path.home())

    def set_folder(self, kind: str, file_path: str) -> None:
        """Remember the folder of ``file_path`` as where the next ``kind`` dialog starts."""
        self.folders[kind] = str(Path(file_path).resolve().parent)


T = TypeVar("T")


def from_dict(kind: type[T], values: Any) -> T:
    """``kind`` from a JSON mapping, field by field: what is absent or of the wrong type gets
    the field's default (a hand-edited or older file never stops the window from opening)."""
    defaults = kind()
    if not isinstance(values, dict):
        return defaults
    chosen: dict[str, Any] = {}
    for f in dataclasses.fields(kind):
        default = getattr(defaults, f.name)
        if f.name not in values:
            continue
        value = values[f.name]
        if dataclasses.is_dataclass(default):
            chosen[f.name] = from_dict(type(default), value)
        elif _same_kind(value, default, f.type):
            chosen[f.name] = float(value) if isinstance(default, float) else value
    return dataclasses.replace(defaults, **chosen)


def _same_kind(value: Any, default: Any, annotation: Any) -> bool:
    optional = "None" in str(annotation)
    if value is None:
        return optional
    if isinstance(default, bool) or "bool" in str(annotation):
        return isinstance(value, bool)
    if isinstance(default, float) or "float" in str(annotation):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, int) or "int" in str(annotation):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if isinstance(default, dict):
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    return False


def _migrate(values: dict[str, Any], q: QSettings) -> dict[str, Any]:
    """Older records to the current schema. Version 1 (before 0.2) kept separate keys."""
    if values.get("version") is None and q.contains("run/parameters"):

        def old(key: str, default: Any) -> Any:
            raw = q.value(key, default)
            try:
                return json.loads(raw) if isinstance(raw, str) else default
            except ValueError:
                return default

        algorithm = old("run/parameters", {})
        if isinstance(algorithm, dict):
            if algorithm.get("seed") == -1:
                algorithm["seed"] = None
            if algorithm.get("learning_rate") == 0:
                algorithm["learning_rate"] = None
        try:
            speed = float(q.value("run/speed", ViewChoices.speed))
        except (TypeError, ValueError):
            speed = ViewChoices.speed
        folder = q.value("files/last_folder", "")
        values = {
            "version": SCHEMA_VERSION,
            "algorithm": algorithm,
            "data": old("data/choices", {}),
            "view": {"speed": speed},
            "folders": {"tables": folder} if isinstance(folder, str) and folder else {},
            "recent": old("files/recent", []),
        }
    values["version"] = SCHEMA_VERSION
    return values


class PreferencesStore:
    """Reads and writes :class:`Preferences` and the window layout in a QSettings file."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings if qsettings is not None else QSettings("kmeans-gui", "kmeans-gui")

    def has_saved(self) -> bool:
        return self.q.contains(KEY) or self.q.contains("run/parameters")

    def load(self) -> Preferences:
        raw = self.q.value(KEY, "")
        try:
            values = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            values = {}
        if not isinstance(values, dict):
            values = {}
        if isinstance(values.get("version"), int) and values["version"] > SCHEMA_VERSION:
            values = {}  # written by a newer version: keep its file, use the defaults here
        return from_dict(Preferences, _migrate(values, self.q))

    def save(self, preferences: Preferences) -> None:
        self.q.setValue(KEY, json.dumps(dataclasses.asdict(preferences)))
        for old in ("run/parameters", "data/choices", "run/speed", "files/recent"):
            self.q.remove(old)

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
