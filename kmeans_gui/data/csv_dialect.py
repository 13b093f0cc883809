"""Sniff how a delimited text file is written from its first 64 KiB.

The delimiter, decimal mark, thousands mark and whether the first line is a header, plus hints
per column (plain decimal numbers, or text already) that let the parser type columns faster.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .column_types import EXACT_INTEGER_LIMIT, looks_like_text
from .errors import only_blank_lines

SNIFF_BYTES = 64 * 1024  # enough lines to sniff the dialect of any sensible table
_DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}

_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I)
_DOT_DECIMAL = re.compile(r"[+-]?\d*\.\d+([eE][+-]?\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")
_DOT_GROUPED = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")  # 1.234.567,89
_PLAIN_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FRACTION = re.compile(r"[.eE]")
_LEADING_ZERO = re.compile(r"[+-]?0\d")
_SEP_HINT = re.compile(r"sep=(.)\r?\n?")  # Excel's first-line delimiter hint


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    decimal: str
    thousands: str | None
    header: bool
    skip_rows: int  # 1 when the file starts with Excel's "sep=;" line
    width: int  # fields in the first record
    floats: tuple[bool, ...] = ()  # per column: the sample shows plain decimal numbers only
    header_cells: tuple[str, ...] | None = None  # the first line split, when it has no quotes
    texts: tuple[bool, ...] = ()  # per column: the sample already shows text


def sniff_dialect(file: Path, head: bytes, encoding: str, size: int, forced_tab: bool) -> Dialect:
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if len(head) < size:  # drop the last, probably cut, line
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut > 0 else text
    skip_rows = 0
    hint = _SEP_HINT.match(text)
    if hint and not forced_tab:
        skip_rows = 1
        text = text[hint.end() :]
    if not text.strip():
        raise only_blank_lines(file)
    if forced_tab:
        delimiter = "\t"
    elif skip_rows:
        delimiter = hint.group(1)  # type: ignore[union-attr]
    else:
        delimiter = _best_delimiter(text)
    records = _records(text, delimiter)
    decimal, thousands = _decimal_mark((f for record in records for f in record), delimiter)
    header = not (records and _all_numbers(records[0]))
    width = len(records[0]) if records else 1
    first_line = text.split("\n", 1)[0].removesuffix("\r")
    cells = tuple(first_line.split(delimiter))
    plain_start = records and list(cells) == records[0] and '"' not in first_line
    data = records[1:] if header else records
    samples = [[r[j] for r in data if j < len(r)] for j in range(width)]
    floats: tuple[bool, ...] = ()
    if plain_start and decimal == "." and "\ufffd" not in text:
        floats = tuple(_plain_decimals(sample) for sample in samples)
    return Dialect(
        delimiter,
        decimal,
        thousands,
        header,
        skip_rows,
        width,
        floats,
        cells if plain_start and header else None,
        tuple(looks_like_text(sample) for sample in samples),
    )


def _plain_decimals(values: list[str]) -> bool:
    """True if these sampled cells look like a measurement column: decimal numbers only.

    Such a column is handed to the parser as float64 (see :func:`_read_with_pyarrow`); anything
    an ID or a big integer could be (whole numbers only, leading zeros, beyond 2**53) is not.
    """
    filled = [v for v in values if v != ""]
    if not filled or not all(_PLAIN_FLOAT.fullmatch(v) for v in filled):
        return False
    if any(_LEADING_ZERO.match(v) for v in filled):
        return False
    if any(not _FRACTION.search(v) and abs(float(v)) > EXACT_INTEGER_LIMIT for v in filled):
        return False
    return any(_FRACTION.search(v) for v in filled)


def _records(text: str, delimiter: str) -> list[list[str]]:
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        return [record for record in reader if record]
    except csv.Error:
        return []


def _best_delimiter(text: str) -> str:
    """The candidate that splits the sample into the most consistent, most numeric columns."""
    best = ","
    best_score: tuple[float, float, int] = (0.0, 0.0, 0)
    for delimiter in _DELIMITERS:
        records = _records(text, delimiter)
        if not records:
            continue
        counts = Counter(len(record) for record in records)
        mode, hits = counts.most_common(1)[0]
        if mode < 2:
            continue
        cells = [f.strip() for record in records for f in record if f.strip()]
        numeric = sum(1 for f in cells if _NUMBER.fullmatch(f)) / max(len(cells), 1)
        score = (round(hits / len(records), 3), round(numeric, 3), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _decimal_mark(fields: Iterable[str], delimiter: str) -> tuple[str, str | None]:
    """("," , "." or None) when the numbers use a decimal comma, else (".", None)."""
    if delimiter == ",":  # a decimal comma would need every number quoted: not worth guessing
        return ".", None
    comma = dot = grouped = 0
    for field in fields:
        field = field.strip()
        if _DOT_GROUPED.fullmatch(field):
            grouped += 1
        elif _COMMA_DECIMAL.fullmatch(field):
            comma += 1
        elif _DOT_DECIMAL.fullmatch(field):
            dot += 1
    if comma and not dot:
        return ",", "." if grouped else None
    return ".", None


def _all_numbers(record: list[str]) -> bool:
    cells = [f.strip() for f in record if f.strip()]
    return bool(cells) and all(_NUMBER.fullmatch(f) for f in cells)
