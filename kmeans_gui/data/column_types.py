"""Give each column of a delimited file its type from its text, without losing what was written.

Delimited files are parsed as text and typed here rather than by the parser, because a parser's
own inference loses what users care about: '007' becomes 7, 9007199254740993 beside an empty cell
becomes a float that prints as 9007199254740992.0, an integer column with a gap prints as '1.0',
'2020-01-01T10:00:00' comes back as '2020-01-01 10:00:00', and a decimal comma first seen after
the sniffed sample turns the whole column into text. The rules, per column:

- whole numbers -> nullable ``Int64`` (empty cells are ``<NA>``), unless a value has a leading
  zero ('007', '-01') or is beyond ±2**53 (where float64 and JSON lose digits): then text;
- other numbers -> ``float64`` (empty cells NaN), with the file's decimal mark tried first; a
  decimal comma is also recognised in any column of a file not delimited by commas;
- true/false -> nullable ``boolean``;
- anything else (dates, times, codes, names, mixed) -> text, exactly as written.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionDtype

EXACT_INTEGER_LIMIT = 2**53
"""Beyond this, float64 (and so JSON, Excel and most tools) cannot hold every whole number."""

_LEADING_ZERO = r"^[+-]?0[0-9]"
_WHOLE = r"^[+-]?[0-9]+$"
_SPECIAL = r"[+-]?(?i:inf|infinity|nan)"
_COMMA_NUMBER = rf"^(?:[+-]?(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)(?:[eE][+-]?[0-9]+)?|{_SPECIAL})$"
_COMMA_GROUPED = (  # 1.234.567,89 as well as 1234,5 and 12
    r"^(?:[+-]?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]*)?(?:[eE][+-]?[0-9]+)?"
    rf"|[+-]?,[0-9]+|{_SPECIAL})$"
)
_BOOLEANS = {"true": True, "false": False}


def type_columns(
    frame: pd.DataFrame, *, decimal: str = ".", thousands: str | None = None, delimiter: str = ","
) -> tuple[pd.DataFrame, str]:
    """``frame`` (every column text, missing cells NaN) with each column typed as above.

    ``decimal`` and ``thousands`` are the marks sniffed from the start of the file. Returns the
    typed frame and the decimal mark its numbers actually use, for writing the file back alike.
    """
    columns = {}
    used: set[str] = set()
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        typed, mark = _typed(series, decimal, thousands, comma_allowed=delimiter != ",")
        columns[position] = typed
        if mark is not None:
            used.add(mark)
    out = pd.DataFrame(columns, index=frame.index)
    out.columns = frame.columns
    decimal_out = next(iter(used)) if len(used) == 1 else decimal
    return out, decimal_out


def _typed(
    series: pd.Series, decimal: str, thousands: str | None, comma_allowed: bool
) -> tuple[pd.Series, str | None]:
    """The column typed, and "," or "." when its numbers show that decimal mark."""
    text = pa.array(series, type=pa.large_string(), from_pandas=True)  # no copy from str dtype
    if isinstance(text, pa.Array):
        text = pa.chunked_array([text])
    if text.null_count == len(text):
        return pd.Series(float("nan"), index=series.index, name=series.name), None
    parsed = _numbers(text, decimal, thousands, comma_allowed)
    if parsed is None and _any_match(text, r"^\s|\s$"):  # trimming costs a pass: only if needed
        text = pc.utf8_trim_whitespace(text)
        parsed = _numbers(text, decimal, thousands, comma_allowed)
    if parsed is not None:
        values, mark = parsed
        if _any_match(text, _LEADING_ZERO) or _holds_big_integers(text, values):
            return series, None
        if pa.types.is_integer(values.type):
            return _series(values, series, pd.Int64Dtype()), None
        return pd.Series(values.to_numpy(), index=series.index, name=series.name), mark
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    if pc.all(pc.is_in(pc.drop_null(lowered), pa.array(list(_BOOLEANS)))).as_py():
        return _series(pc.equal(lowered, "true"), series, pd.BooleanDtype()), None
    return series, None


def _numbers(
    text: pa.ChunkedArray, decimal: str, thousands: str | None, comma_allowed: bool
) -> tuple[pa.ChunkedArray, str | None] | None:
    """(int64 or float64 values, decimal mark shown or None), or None if not all numbers."""
    ints = _cast(text, pa.int64())
    if ints is not None:
        return ints, None
    for mark in (decimal, "," if decimal == "." else "."):
        if mark == "," and not comma_allowed:
            continue
        floats = _floats(text, mark, thousands)
        if floats is not None:
            shows_mark = pc.any(pc.match_substring(text, mark)).as_py()
            return floats, mark if shows_mark else None
    return None


def _floats(text: pa.ChunkedArray, mark: str, thousands: str | None) -> pa.ChunkedArray | None:
    """``text`` as float64 read with decimal ``mark``, or None if any value is not a number."""
    if mark == ".":
        return _cast(text, pa.float64())
    pattern = _COMMA_GROUPED if thousands == "." else _COMMA_NUMBER
    if not pc.all(pc.match_substring_regex(text, pattern)).as_py():
        return None
    if thousands == ".":
        text = pc.replace_substring(text, ".", "")
    return _cast(pc.replace_substring(text, ",", "."), pa.float64())


def _holds_big_integers(text: pa.ChunkedArray, values: pa.ChunkedArray) -> bool:
    """True if a value written as a whole number is beyond what float64 keeps exactly."""
    extremes = pc.min_max(values)
    low, high = extremes["min"].as_py(), extremes["max"].as_py()
    if max(-low, high) <= EXACT_INTEGER_LIMIT:  # NaN compares False: the check below decides
        return False
    if pa.types.is_integer(values.type):
        return True
    big = pc.filter(text, pc.greater(pc.abs(values), EXACT_INTEGER_LIMIT))
    return len(big) > 0 and _any_match(big, _WHOLE)


def _cast(text: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray | None:
    try:
        return pc.cast(text, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _any_match(text: pa.ChunkedArray, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(text, pattern)).as_py())


def _series(values: pa.ChunkedArray, like: pd.Series, dtype: ExtensionDtype) -> pd.Series:
    typed = values.to_pandas(types_mapper={values.type: dtype}.get)
    return pd.Series(typed.array, index=like.index, name=like.name)
