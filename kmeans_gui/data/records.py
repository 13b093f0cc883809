"""Versioned JSON records (model and session files): read, check field by field, write atomically.

A record is one JSON object whose first two keys are ``format`` (what it is, e.g.
``"kmeans-gui model"``) and ``version`` (an integer, raised when a change would make older
readers misread the file). Readers ignore keys they do not know, so a version can grow optional
fields. Every problem becomes one :class:`DataError` sentence naming the file and the field;
the schema is checked by hand with :class:`RecordReader` rather than with a JSON-Schema
library, because the checks that matter most (a centroid row as long as the feature list, a
scaling per feature) relate fields to each other and the messages must be sentences a user can
act on.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .errors import DataError, cannot_read
from .export import write_all

_HASH_CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits (read 1 MiB at a time); of a
    folder (a table of several Parquet files), of its files' names and bytes, by name."""
    digest = hashlib.sha256()
    folder = Path(path)
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else [folder]
    try:
        for file in files:
            if file is not folder:
                digest.update(file.name.encode() + b"\0")
            with open(file, "rb") as handle:
                while chunk := handle.read(_HASH_CHUNK):
                    digest.update(chunk)
    except OSError as exc:
        raise cannot_read(Path(path), exc) from None
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class PlannedRecord:
    """A record ready to be written to ``target`` by :func:`write_all` (beside table exports,
    all of them or none). Its text is made at once, so a value JSON cannot hold fails here."""

    text: str
    target: Path

    @classmethod
    def of(cls, record: Mapping[str, Any], path: str | os.PathLike[str]) -> PlannedRecord:
        return cls(dumps(record) + "\n", Path(path).expanduser())

    def write(self, tmp: Path) -> None:
        tmp.write_text(self.text, encoding="utf-8", newline="\n")


def write_record(record: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``record`` as UTF-8 JSON atomically (the old file stays until the new is whole).

    Floats are written as Python's ``repr`` (the shortest text that reads back as the same
    float64), one matrix row per line; NaN and infinities are refused.
    """
    return write_all([PlannedRecord.of(record, path)])[0]


def dumps(value: Any, indent: int = 0) -> str:
    """JSON text of ``value``: objects one key per line, lists of scalars on one line."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {dumps(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if all(not isinstance(v, (Mapping, list, tuple)) for v in value):
            return "[" + ", ".join(dumps(v) for v in value) + "]"
        return "[\n" + ",\n".join(inner + dumps(v, indent + 1) for v in value) + f"\n{pad}]"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot write {value} in a JSON record")
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def read_record(
    path: str | os.PathLike[str], kind: str, newest: int, *, other_kinds: Mapping[str, str] = {}
) -> tuple[dict[str, Any], int]:
    """The JSON object in ``path`` and its version, after checking it is a ``kind`` record.

    ``kind`` names the record in messages ("model"); its ``format`` field must read
    ``"kmeans-gui <kind>"``. ``other_kinds`` maps formats of other records to advice, so a
    session given where a model is expected says so. Raises :class:`DataError` for a missing
    file, text that is not JSON (with its line and column), another format, or a version newer
    than ``newest``.
    """
    source = Path(path).expanduser()
    name = source.name
    if source.is_dir():
        raise DataError(f"{source} is a folder, not a {kind} file.")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"No such file: {source}.") from None
    except UnicodeDecodeError:
        raise DataError(f"{name} is not a {kind} file: it is not UTF-8 text.") from None
    except OSError as exc:
        raise cannot_read(source, exc) from None
    try:
        record = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except ValueError as exc:
        raise DataError(f"{name} is not valid JSON ({exc}).") from None
    expected = f"kmeans-gui {kind}"
    if not isinstance(record, dict):
        raise DataError(f"{name} is not a kmeans-gui {kind} file: it holds no JSON object.")
    found = record.get("format")
    if found != expected:
        if found in other_kinds:
            raise DataError(f"{name} is a {found} file, not a {kind}; {other_kinds[found]}.")
        raise DataError(
            f"{name} is not a kmeans-gui {kind} file: its 'format' is "
            f"{_shown(found) if 'format' in record else 'missing'}, not '{expected}'."
        )
    version = record.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DataError(
            f"{name} is not a valid kmeans-gui {kind} file: its 'version' is "
            f"{_shown(version) if 'version' in record else 'missing'}, "
            "not a whole number of at least 1."
        )
    if version > newest:
        raise DataError(
            f"{name} is a version-{version} {kind} file, newer than this kmeans-gui reads "
            f"(up to version {newest}); upgrade kmeans-gui to read it."
        )
    return record, version


def _refuse_constant(text: str) -> NoReturn:
    raise ValueError(f"{text} is not a JSON value")


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


class RecordReader:
    """Typed access to a record's fields, raising one sentence per problem.

    Every accessor takes the object to read from and the key, plus ``where``, the dotted path
    of that object in the record ("scaling"), so a message reads
    ``model.json is not a valid kmeans-gui model file: 'scaling.offset' must be ...``.
    """

    _MISSING = object()

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind

    def fail(self, field: str, problem: str) -> NoReturn:
        raise DataError(
            f"{self.name} is not a valid kmeans-gui {self.kind} file: '{field}' {problem}."
        )

    def value(
        self, obj: Mapping[str, Any], key: str, where: str = "", *, default: Any = _MISSING
    ) -> Any:
        """``obj[key]``; a missing key (or null, when a default is given) gives ``default``,
        or fails without one."""
        if key not in obj or (obj[key] is None and default is not self._MISSING):
            if default is self._MISSING:
                self.fail(_path(where, key), "is missing")
            return default
        return obj[key]

    def section(
        self, obj: Mapping[str, Any], key: str, where: str = "", *, optional: bool = False
    ) -> dict[str, Any] | None:
        value = self.value(obj, key, where, default=None if optional else self._MISSING)
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            self.fail(_path(where, key), f"must be a JSON object, not {_shown(value)}")
        return value

    def text(
        self,
        obj: Mapping[str, Any],
        key: str,
        where: str = "",
        *,
        choices: Sequence[str] | None = None,
        optional: bool = False,
    ) -> str | None:
        value = self.value(obj, key, where, default=None if optional else self._MISSING)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            self.fail(_path(where, key), f"must be text, not {_shown(value)}")
        if choices is not None and value not in choices:
            self.fail(_path(where, key), f"is {_shown(value)}, not one of {', '.join(choices)}")
        return value

    def integer(
        self,
        obj: Mapping[str, Any],
        key: str,
        where: str = "",
        *,
        minimum: int | None = None,
        optional: bool = False,
    ) -> int | None:
        return self._number(obj, key, where, minimum, optional, whole=True)

    def number(
        self,
        obj: Mapping[str, Any],
        key: str,
        where: str = "",
        *,
        minimum: float | None = None,
        optional: bool = False,
    ) -> float | None:
        value = self._number(obj, key, where, minimum, optional, whole=False)
        return None if value is None else float(value)

    def _number(
        self,
        obj: Mapping[str, Any],
        key: str,
        where: str,
        minimum: float | None,
        optional: bool,
        *,
        whole: bool,
    ) -> Any:
        value = self.value(obj, key, where, default=None if optional else self._MISSING)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            noun = "a whole number" if whole else "a number"
            self.fail(_path(where, key), f"must be {noun}, not {_shown(value)}")
        if minimum is not None and value < minimum:
            self.fail(_path(where, key), f"must be at least {minimum:g}, not {value:g}")
        return value

    def flag(self, obj: Mapping[str, Any], key: str, where: str = "") -> bool:
        value = self.value(obj, key, where)
        if not isinstance(value, bool):
            self.fail(_path(where, key), f"must be true or false, not {_shown(value)}")
        return value

    def names(self, obj: Mapping[str, Any], key: str, where: str = "") -> tuple[str, ...]:
        """A non-empty list of distinct texts (column names, categories)."""
        value = self.value(obj, key, where)
        field = _path(where, key)
        if not isinstance(value, list) or not value:
            self.fail(field, f"must be a non-empty list of texts, not {_shown(value)}")
        for item in value:
            if not isinstance(item, str):
                self.fail(field, f"must hold texts only, not {_shown(item)}")
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:
            self.fail(field, f"names '{repeated[0]}' more than once")
        return tuple(value)

    def vector(self, obj: Mapping[str, Any], key: str, where: str, length: int) -> np.ndarray:
        """A list of ``length`` finite numbers (one per feature), as a read-only float64 array."""
        field = _path(where, key)
        return self._numbers(self.value(obj, key, where), field, length)

    def matrix(
        self, obj: Mapping[str, Any], key: str, where: str, rows: int | None, cols: int
    ) -> np.ndarray:
        """``rows`` lists (with None: at least one) of ``cols`` finite numbers, read-only."""
        value = self.value(obj, key, where)
        field = _path(where, key)
        if not isinstance(value, list) or not value or (rows is not None and len(value) != rows):
            count = f"{rows} lists" if rows is not None else "a list of lists"
            self.fail(field, f"must be {count} of {cols} numbers")
        array = np.stack([self._numbers(row, f"{field}[{i}]", cols) for i, row in enumerate(value)])
        array.setflags(write=False)
        return array

    def _numbers(self, value: Any, field: str, length: int) -> np.ndarray:
        if not isinstance(value, list) or len(value) != length:
            size = len(value) if isinstance(value, list) else _shown(value)
            self.fail(field, f"must be a list of {length} numbers (one per feature), not {size}")
        for cell in value:
            if isinstance(cell, bool) or not isinstance(cell, (int, float)):
                self.fail(field, f"must hold numbers only, not {_shown(cell)}")
        array = np.array(value, dtype=np.float64)
        if not np.isfinite(array).all():  # a literal such as 1e999 parses as inf
            self.fail(field, "must hold finite numbers only")
        array.setflags(write=False)
        return array


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
