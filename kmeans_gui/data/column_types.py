"""Give each column of a delimited file its type from its text, without losing what was written.

Delimited files are parsed as text and typed here rather than by the parser, because a parser's
own inference loses what users care about: '007' becomes 7, 9007199254740993 beside an empty cell
becomes a float that prints as 9007199254740992.0, an integer column with a gap prints as '1.0',
'2020-01-01T10:00:00' comes back as '2020-01-01 10:00:00', 'NA' in a name column becomes an empty
cell, and a decimal comma first seen after the sniffed sample turns the whole column into text.
The rules, per column:

- whole numbers -> nullable ``Int64`` (empty cells are ``<NA>``), unless a value has a leading
  zero ('007', '-01') or is beyond ±2**53 (where float64 and JSON lose digits): then text;
- other numbers -> ``float64`` (empty cells NaN), with the file's decimal mark tried first; a
  decimal comma is also recognised in any column of a file not delimited by commas, and in a
  comma-delimited file when the (necessarily quoted) values cannot be thousands groups;
- true/false -> nullable ``boolean``;
- anything else (dates, times, codes, names, mixed) -> text, exactly as written.

Only a column that turns out numeric (or boolean) treats whitespace-only cells and the usual
missing-value tokens ('NA', 'n/a', 'null', 'None', '#N/A', ...) as missing; a text column keeps
them as written. Every check is vectorised (Arrow compute, or NumPy over Arrow's buffers), so
typing a column costs about one cast.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionDtype

EXACT_INTEGER_LIMIT = 2**53
"""Beyond this, float64 (and so JSON, Excel and most tools) cannot hold every whole number."""

MISSING_TOKENS = (
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "none", "Null", "NAN",
)  # fmt: skip
"""Cells that mean "no value" in a numeric column (pandas' defaults plus a few case variants)."""

_WHOLE = r"^[+-]?[0-9]+$"
_SPECIAL = r"[+-]?(?i:inf|infinity|nan)"
_COMMA_NUMBER = rf"^(?:[+-]?(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)(?:[eE][+-]?[0-9]+)?|{_SPECIAL})$"
_COMMA_GROUPED = (  # 1.234.567,89 as well as 1234,5 and 12
    r"^(?:[+-]?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]*)?(?:[eE][+-]?[0-9]+)?"
    rf"|[+-]?,[0-9]+|{_SPECIAL})$"
)
_NOT_A_GROUP = r",(?:[0-9]{0,2}|[0-9]{4,})(?:[eE]|$)"  # '1,5' or '1,2345': not '1,234'
_BOOLEANS = {"true": True, "false": False}
_MISSING = frozenset(MISSING_TOKENS)
_ANY_NUMBER = re.compile(  # any number the casts below accept, with either decimal mark
    r"[+-]?(?:[0-9]{1,3}(?:[.,][0-9]{3})+|[0-9]+)?(?:[.,][0-9]*)?(?:[eE][+-]?[0-9]+)?"
    r"|[+-]?(?i:inf|infinity|nan)"
)
_WHITESPACE = np.frombuffer(b" \t\r\n\v\f", dtype=np.uint8)

Column = pa.ChunkedArray | pa.Array | pd.Series


def type_columns(
    columns: Sequence[Column],
    *,
    decimal: str = ".",
    thousands: str | None = None,
    delimiter: str = ",",
    done: Callable[[int], None] | None = None,
    surely_text: Sequence[bool] = (),
) -> tuple[list[pd.Series], str]:
    """Each text column (missing cells null) typed as above, as a pandas Series.

    ``decimal`` and ``thousands`` are the marks sniffed from the start of the file. ``done(i)``
    is called after column ``i`` is typed (for progress). ``surely_text[i]`` says a sample of
    column ``i`` already showed text (see :func:`looks_like_text`), which skips the casts.
    Returns the typed columns and the decimal mark their numbers actually use, for writing the
    file back alike.
    """
    out = []
    used: set[str] = set()

    def one(position: int) -> tuple[pd.Series, str | None]:
        text = position < len(surely_text) and surely_text[position]
        series, kind = classify_column(columns[position], decimal, thousands, delimiter, text)
        return series, kind.mark if kind.shown else None

    # Arrow's kernels release the GIL: columns are typed side by side on every core
    workers = min(len(columns), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        for position, (typed, mark) in enumerate(pool.map(one, range(len(columns)))):
            out.append(typed)
            if mark is not None:
                used.add(mark)
            if done is not None:
                done(position)
    decimal_out = next(iter(used)) if len(used) == 1 else decimal
    return out, decimal_out


def looks_like_text(values: Iterable[str]) -> bool:
    """True if a cell among ``values`` is text by every rule above: no number, no true/false,
    not blank and no missing-value token. One such cell makes the whole column text."""
    for value in values:
        cell = value.strip()
        if not cell or cell in _MISSING or cell.lower() in _BOOLEANS:
            continue
        if not _ANY_NUMBER.fullmatch(cell):
            return True
    return False


def _as_text(column: Column) -> pa.ChunkedArray:
    if isinstance(column, pd.Series):
        column = pa.array(column, type=pa.large_string(), from_pandas=True)
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.string())
    return column


@dataclass(frozen=True)
class Kind:
    """What the rules above make of a column (or of one chunk of it, see :func:`merge_kinds`).

    ``name``: "empty" (every cell empty), "missing" (only blanks and missing-value tokens),
    "int", "float", "bool" or "text". A float column's ``mark`` is the decimal mark its numbers
    were read with; ``shown`` says a value shows it (what a CSV export writes back).
    """

    name: str
    mark: str | None = None
    shown: bool = False


EMPTY, MISSING, INT, BOOL, TEXT = (Kind(n) for n in ("empty", "missing", "int", "bool", "text"))


def classify_column(
    column: Column,
    decimal: str = ".",
    thousands: str | None = None,
    delimiter: str = ",",
    surely_text: bool = False,
) -> tuple[pd.Series, Kind]:
    """One column typed by the rules above, and its :class:`Kind`."""
    if _parsed_numbers(column):  # the parser read it as numbers already
        return pd.Series(column.to_numpy(zero_copy_only=False)), Kind("float", ".")
    if surely_text:
        return _text_series(_as_text(column)), TEXT
    return _typed(_as_text(column), decimal, thousands, delimiter)


def merge_kinds(a: Kind, b: Kind) -> Kind:
    """The kind of a column whose chunks are of kinds ``a`` and ``b``: what the whole column
    would be typed as (whole numbers and decimals are decimals; anything else mixed is text)."""
    if a.name == "empty" or a == b:
        return b if a.name == "empty" else Kind(a.name, a.mark, a.shown or b.shown)
    if b.name == "empty":
        return a
    if "text" in (a.name, b.name):
        return TEXT
    if a.name == "missing" or b.name == "missing":
        return b if a.name == "missing" else a
    if {a.name, b.name} == {"int", "float"}:
        return a if a.name == "float" else b
    if a.name == b.name == "float" and a.mark == b.mark:
        return Kind("float", a.mark, a.shown or b.shown)
    return TEXT


def final_kind(kind: Kind) -> Kind:
    """A merged kind as a whole column is typed: only missing-value tokens are text."""
    return TEXT if kind.name == "missing" else kind


def typed_as(
    column: Column,
    kind: Kind,
    decimal: str = ".",
    thousands: str | None = None,
    delimiter: str = ",",
) -> pd.Series:
    """One chunk of a column typed as the whole column's (merged, final) ``kind``."""
    series, own = classify_column(column, decimal, thousands, delimiter, kind.name == "text")
    if (own.name == kind.name and own.mark == kind.mark) or kind.name == "text":
        return series
    if kind.name == "empty":
        return pd.Series(np.full(len(series), np.nan))
    if _parsed_numbers(column):
        return series
    cleaned = _without_missing_cells(_as_text(column))
    if kind.name == "bool":
        return _series(pc.equal(pc.utf8_lower(cleaned), "true"), pd.BooleanDtype())
    if kind.name == "int":
        return _series(pc.cast(cleaned, pa.int64()), pd.Int64Dtype())
    if kind.mark == ",":
        if thousands == ".":
            cleaned = pc.replace_substring(cleaned, ".", "")
        cleaned = pc.replace_substring(cleaned, ",", ".")
    return pd.Series(pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False))


def _parsed_numbers(column: Column) -> bool:
    return isinstance(column, (pa.ChunkedArray, pa.Array)) and pa.types.is_floating(column.type)


def _typed(
    text: pa.ChunkedArray, decimal: str, thousands: str | None, delimiter: str
) -> tuple[pd.Series, Kind]:
    """The column typed, and its kind."""
    if text.null_count == len(text):
        return pd.Series(np.full(len(text), np.nan)), EMPTY
    parsed = _numbers(text, decimal, thousands, delimiter)
    cleaned = text
    if parsed is None:  # perhaps numbers with '  ' or 'NA' for missing: costs a pass, so only now
        cleaned = _without_missing_cells(text)
        if cleaned is not text and cleaned.null_count < len(cleaned):  # 'NA' alone is text
            parsed = _numbers(cleaned, decimal, thousands, delimiter)
    if parsed is not None:
        values, mark, shown = parsed
        if _has_leading_zero(cleaned) or _holds_big_integers(cleaned, values):
            return _text_series(text), TEXT
        if pa.types.is_integer(values.type):
            return _series(values, pd.Int64Dtype()), INT
        return pd.Series(values.to_numpy()), Kind("float", mark, shown)
    lowered = pc.utf8_lower(cleaned)
    if (
        cleaned.null_count < len(cleaned)
        and pc.all(pc.is_in(pc.drop_null(lowered), pa.array(list(_BOOLEANS)))).as_py()
    ):
        return _series(pc.equal(lowered, "true"), pd.BooleanDtype()), BOOL
    return _text_series(text), MISSING if cleaned.null_count == len(cleaned) else TEXT


def _numbers(
    text: pa.ChunkedArray, decimal: str, thousands: str | None, delimiter: str
) -> tuple[pa.ChunkedArray, str | None, bool] | None:
    """(int64 or float64 values, the decimal mark read, whether a value shows it), or None if
    not all numbers."""
    ints = _cast(text, pa.int64())
    if ints is not None:
        return ints, None, False
    for mark in (decimal, "," if decimal == "." else "."):
        floats = _floats(text, mark, thousands, delimiter)
        if floats is not None:
            # the sniffed mark needs no proof; another one counts only if a value shows it
            shows_mark = mark == decimal or pc.any(pc.match_substring(text, mark)).as_py()
            return floats, mark, shows_mark
    return None


def _floats(
    text: pa.ChunkedArray, mark: str, thousands: str | None, delimiter: str
) -> pa.ChunkedArray | None:
    """``text`` as float64 read with decimal ``mark``, or None if any value is not a number."""
    if mark == ".":
        return _cast(text, pa.float64())
    pattern = _COMMA_GROUPED if thousands == "." else _COMMA_NUMBER
    if not pc.all(pc.match_substring_regex(text, pattern)).as_py():
        return None
    # In a comma-delimited file '1,234' (quoted) is more likely a thousands group than 1.234:
    # read a decimal comma there only when some value cannot be a group, such as '1,5'.
    if delimiter == "," and not _any_match(text, _NOT_A_GROUP):
        return None
    if thousands == ".":
        text = pc.replace_substring(text, ".", "")
    return _cast(pc.replace_substring(text, ",", "."), pa.float64())


def _without_missing_cells(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """``text`` trimmed, with blank cells and missing-value tokens made null (``text`` if none)."""
    trimmed = pc.utf8_trim_whitespace(text) if _has_edge_whitespace(text) else text
    missing = pc.or_(pc.equal(trimmed, ""), pc.is_in(trimmed, pa.array(MISSING_TOKENS)))
    missing = pc.fill_null(missing, False)
    if trimmed is text and not pc.any(missing).as_py():
        return text
    return pc.if_else(missing, pa.scalar(None, trimmed.type), trimmed)


def _holds_big_integers(text: pa.ChunkedArray, values: pa.ChunkedArray) -> bool:
    """True if a value written as a whole number is beyond what float64 keeps exactly."""
    extremes = pc.min_max(values)
    low, high = extremes["min"].as_py(), extremes["max"].as_py()
    if low is None or max(-low, high) <= EXACT_INTEGER_LIMIT:  # NaN: the check below decides
        return False
    if pa.types.is_integer(values.type):
        return True
    big = pc.filter(text, pc.fill_null(pc.greater(pc.abs(values), EXACT_INTEGER_LIMIT), False))
    return len(big) > 0 and _any_match(big, _WHOLE)


def _has_leading_zero(text: pa.ChunkedArray) -> bool:
    """True if a cell starts like '007', '-01' or '+00.5' (a code, not a number).

    Equivalent to the regex ``^[+-]?0[0-9]`` but reads only the first three bytes of each cell
    straight from Arrow's buffers, which is several times faster on a million rows.
    """
    for chunk in text.chunks:
        starts, lengths, data = _cells(chunk)
        if data.size == 0:
            continue
        last = data.size - 1
        first = data[np.minimum(starts, last)]
        signed = ((first == ord("+")) | (first == ord("-"))).astype(starts.dtype)
        zero = data[np.minimum(starts + signed, last)] == ord("0")
        following = data[np.minimum(starts + signed + 1, last)]
        digit = (following >= ord("0")) & (following <= ord("9"))
        if (zero & digit & (lengths >= 2 + signed)).any():
            return True
    return False


def _has_edge_whitespace(text: pa.ChunkedArray) -> bool:
    """True if a cell starts or ends with ASCII whitespace (regex ``^\\s|\\s$``, but faster)."""
    for chunk in text.chunks:
        starts, lengths, data = _cells(chunk)
        if data.size == 0:
            continue
        filled = lengths > 0
        last = data.size - 1
        firsts = data[np.minimum(starts, last)]
        lasts = data[np.clip(starts + lengths - 1, 0, last)]
        edge = np.isin(firsts, _WHITESPACE) | np.isin(lasts, _WHITESPACE)
        if (edge & filled).any():
            return True
    return False


def _cells(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start offset, byte length, data bytes) of each cell of a string array; nulls are empty."""
    offsets = string_offsets(chunk)
    data_buffer = chunk.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.empty(0)
    lengths = np.diff(offsets)
    if chunk.null_count:
        lengths = np.where(chunk.is_null().to_numpy(zero_copy_only=False), 0, lengths)
    return offsets[:-1], lengths, data


def string_offsets(chunk: pa.Array) -> np.ndarray:
    """The ``len(chunk) + 1`` offsets of a string array's cells into its data buffer (no copy)."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(chunk.buffers()[1], dtype=width)
    return offsets[chunk.offset : chunk.offset + len(chunk) + 1]


def _cast(text: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray | None:
    try:
        return pc.cast(text, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _any_match(text: pa.ChunkedArray, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(text, pattern)).as_py())


def _series(values: pa.ChunkedArray, dtype: ExtensionDtype) -> pd.Series:
    return values.to_pandas(types_mapper={values.type: dtype}.get)


def _text_series(text: pa.ChunkedArray) -> pd.Series:
    """The column as pandas' default string dtype (Arrow-backed: no copy of the text)."""
    dtype = pd.StringDtype(na_value=np.nan)
    return pd.Series(dtype.__from_arrow__(text), dtype=dtype)
