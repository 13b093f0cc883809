"""Read a JSON table: a list of records, ``{"columns", "data"}``, columns, or JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .encoding import decode_or_fall_back
from .errors import DataError, cannot_read
from .progress import Reporter


def load_json(file: Path, report: Reporter, notes: list[str]) -> tuple[pd.DataFrame, str]:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise cannot_read(file, exc) from None
    report(0.2, f"Parsing {file.name}")
    text, encoding = decode_or_fall_back(raw, json.detect_encoding(raw), file.name, notes)
    text = text.lstrip("\ufeff")
    lines_format = file.suffix.lower() in (".jsonl", ".ndjson")
    if not lines_format:
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data" or not text.lstrip().startswith("{"):
                raise DataError(
                    f"{file.name} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                    f"column {exc.colno}."
                ) from None
            lines_format = True  # JSON Lines without the .jsonl name
    if lines_format:
        data = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    data.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise DataError(
                        f"Line {number} of {file.name} is not valid JSON: {exc.msg}."
                    ) from None
    return _frame_from_json(data, file.name), encoding


def _frame_from_json(data: Any, name: str) -> pd.DataFrame:
    if isinstance(data, list):
        if not data:
            raise DataError(f"{name} holds an empty list: no records to load.")
        for i, item in enumerate(data):
            if not isinstance(item, dict):
                raise DataError(
                    f"{name} must hold a list of records (JSON objects), but item {i + 1} is "
                    f"{type(item).__name__ if item is not None else 'null'}."
                )
        return pd.DataFrame(data)
    if isinstance(data, dict):
        if {"columns", "data"} <= set(data) and isinstance(data["data"], list):
            return pd.DataFrame(data["data"], columns=data["columns"])
        values = list(data.values())
        if values and all(isinstance(v, list) for v in values):
            lengths = {len(v) for v in values}
            if len(lengths) > 1:
                raise DataError(f"{name} holds columns of different lengths: {sorted(lengths)}.")
            return pd.DataFrame(data)
        if values and all(isinstance(v, dict) for v in values):
            return pd.DataFrame(data)
    raise DataError(
        f"{name} does not hold a table; expected a list of records such as "
        '[{"x": 1.5, "y": 2}, ...].'
    )
