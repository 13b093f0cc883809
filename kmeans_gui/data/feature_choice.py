"""Which numeric columns are features by default, and a word of warning about their spreads.

An integer column can hold numbers that are not measurements: a year, a date written as
20240131, a timestamp, a row number or an identifier. Clustering on them follows the order the
rows were entered in, so such columns are not chosen by default (the user can still name them).
"Looks like", for integer columns only (floats are measurements):

- a year: every value in 1900-2100; or a name word such as ``year``/``yr`` and every non-zero
  value in 1000-2999 (0 often stands for "never", as in ``yr_renovated``);
- a date: every value a valid YYYYMMDD (19000101-21001231) or YYYYMM (190001-210012) date; or a
  name word such as ``timestamp``, ``time``, ``date``, ``epoch`` and values of 10^8 or more;
- an identifier: a name word ``id``, ``uuid``, ``zip``, ``postcode``, ``fips``, ``sku``, ...
  anywhere (``PassengerId``, ``zip_code``), ``code``, ``key``, ``number``, ``no``, ``nr`` or
  ``num`` as the last of several words (``customer_no``, ``area_code``), a name that is just
  ``index``/``idx`` or empty (``Unnamed: 0``); or at least 10 values that strictly increase
  down the table (a row number).

Words are split at non-letters and at camelCase boundaries, so ``width``, ``humidity`` or
``paid`` are never mistaken for ``id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

SPREAD_RATIO_LIMIT = 10.0
"""Beyond this ratio of the widest to the narrowest feature spread, unscaled clusters mislead."""

_YEAR_WORDS = frozenset({"year", "yr", "yyyy", "season"})
_TIME_WORDS = frozenset({"timestamp", "time", "date", "datetime", "epoch", "ts", "unix"})
_ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "zip", "zipcode", "postcode", "postal",
                       "fips", "sku", "isbn", "ssn", "serial"})  # fmt: skip
_ID_LAST_WORDS = frozenset({"code", "key", "number", "no", "nr", "num"})
_INDEX_NAMES = frozenset({"", "index", "idx", "unnamed", "#"})
_MIN_INCREASING = 10


def name_words(name: str) -> list[str]:
    """'PassengerId' -> ['passenger', 'id']; 'yr_built' -> ['yr', 'built']; 'ID' -> ['id']."""
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)]


def not_a_measurement(name: str, series: pd.Series) -> str | None:
    """'a year', 'a date', 'an identifier' when an integer column looks like one, else None."""
    if not is_integer_column(series):
        return None
    shape = IntegerShape()
    shape.add(series)
    return shape.verdict(name)


def is_integer_column(series: pd.Series) -> bool:
    """Only integer columns can be years, dates or identifiers (floats are measurements)."""
    return not ptypes.is_bool_dtype(series.dtype) and ptypes.is_integer_dtype(series.dtype)


@dataclass
class IntegerShape:
    """What :func:`not_a_measurement` looks at in an integer column, gathered piece by piece
    in table order (a streamed table), so the verdict is the whole column's."""

    count: int = 0
    low: float = np.inf
    high: float = -np.inf
    nonzero_low: float = np.inf
    nonzero_high: float = -np.inf
    days: bool = True  # every value so far a valid YYYYMMDD
    months: bool = True  # every value so far a valid YYYYMM
    increasing: bool = True  # every value so far above the one before
    last: float = -np.inf

    def add(self, series: pd.Series) -> None:
        values = series.dropna().to_numpy(dtype=np.float64)  # exact to 2**53; uint64 safe
        if values.size == 0:
            return
        self.count += values.size
        self.low, self.high = min(self.low, values.min()), max(self.high, values.max())
        nonzero = values[values != 0]
        if nonzero.size:
            self.nonzero_low = min(self.nonzero_low, nonzero.min())
            self.nonzero_high = max(self.nonzero_high, nonzero.max())
        month, day = values // 100 % 100, values % 100
        if self.days:
            inside = (values >= 19000101) & (values <= 21001231)
            self.days = bool(
                (inside & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)).all()
            )
        if self.months:
            inside = (values >= 190001) & (values <= 210012)
            self.months = bool((inside & (day >= 1) & (day <= 12)).all())
        if self.increasing:
            self.increasing = bool(values[0] > self.last and (np.diff(values) > 0).all())
        self.last = values[-1]

    def verdict(self, name: str) -> str | None:
        """'a year', 'a date', 'an identifier', or None."""
        if self.count == 0:
            return None
        words = name_words(name)
        if self.low >= 1900 and self.high <= 2100:
            return "a year"
        if (
            _YEAR_WORDS.intersection(words)
            and 1000 <= self.nonzero_low <= self.nonzero_high <= 2999
        ):
            return "a year"
        if self.days or self.months or (_TIME_WORDS.intersection(words) and self.low >= 10**8):
            return "a date"
        letters = "".join(words).strip("0123456789")
        if (
            _ID_WORDS.intersection(words)
            or (len(words) > 1 and words[-1] in _ID_LAST_WORDS)
            or letters in _INDEX_NAMES
            or (self.count >= _MIN_INCREASING and self.increasing)
        ):
            return "an identifier"
        return None


def default_exclusions(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, str]:
    """Of ``columns``, those that look like years, dates or identifiers, and which of those."""
    found = {}
    for name in columns:
        kind = not_a_measurement(str(name), frame[name])
        if kind is not None:
            found[str(name)] = kind
    return found


def exclusion_note(excluded: dict[str, str], advice: str = "") -> str | None:
    """One sentence saying which columns were not chosen by default and why."""
    if not excluded:
        return None
    parts = [f"'{name}' looks like {kind}" for name, kind in excluded.items()]
    them = "it is" if len(excluded) == 1 else "they are"
    end = f"; {advice}" if advice else ""
    return f"{'; '.join(parts)}: {them} not used as a feature by default{end}."


def spread_note(
    names: Iterable[str], spreads: np.ndarray, scaling: str, advice: str = ""
) -> str | None:
    """A sentence when unscaled features' standard deviations differ by more than 10x.

    Without scaling every unit counts alike, so a column measured in grams beside one in metres
    decides the clusters almost alone. None when scaled or when the spreads are comparable.
    """
    names = list(names)
    spreads = np.asarray(spreads, dtype=np.float64)
    varying = np.flatnonzero(spreads > 0)
    if scaling != "none" or varying.size < 2:
        return None
    wide = varying[np.argmax(spreads[varying])]
    narrow = varying[np.argmin(spreads[varying])]
    ratio = spreads[wide] / spreads[narrow]
    if ratio <= SPREAD_RATIO_LIMIT:
        return None
    end = f"; {advice}" if advice else ""
    return (
        f"The features' spreads differ by {ratio:,.0f}x (standard deviation of "
        f"'{names[wide]}' {spreads[wide]:.3g}, of '{names[narrow]}' {spreads[narrow]:.3g}): "
        f"unscaled, the clusters follow '{names[wide]}' almost alone{end}."
    )
