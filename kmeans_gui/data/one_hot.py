"""One-hot encoding of a category column, so that text such as a colour can be a feature.

Each distinct value becomes a 0/1 column named ``column=value`` (``colour=red``), in sorted
order (numbers by value, text alphabetically), as Orange's Continuize and pandas' get_dummies
name and order them. A missing cell is missing in every indicator of the row, so the missing
policy decides: the row is left out of the fit, or each indicator is filled with its mean
(the category's share). Encoding is opt-in per column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError

MAX_CATEGORIES = 50
"""More distinct values than this is a name or an identifier, not a category."""


def category_names(frame: pd.DataFrame, column: str) -> list[str]:
    """The indicator columns ``column=value`` that encoding ``column`` gives, in order."""
    return [f"{column}={value}" for value in _categories(frame, column)]


def indicator(series: pd.Series, value: object) -> np.ndarray:
    """(n,) float64: 1 where ``series`` holds ``value``, 0 elsewhere, NaN where missing."""
    out = (series == value).to_numpy(dtype=np.float64, na_value=np.nan)
    out[series.isna().to_numpy()] = np.nan
    return out


def encode(frame: pd.DataFrame, column: str) -> tuple[list[str], list[object], np.ndarray]:
    """(indicator names, the values they stand for, (n, C) float64 indicators) of ``column``."""
    values = _categories(frame, column)
    series = frame[column]
    matrix = np.column_stack([indicator(series, v) for v in values])
    return [f"{column}={v}" for v in values], values, matrix


def _categories(frame: pd.DataFrame, column: str) -> list[object]:
    uniques = pd.unique(frame[column].dropna())
    if len(uniques) == 0:
        raise DataError(f"Column '{column}' has no values to one-hot encode (every cell is empty).")
    if len(uniques) > MAX_CATEGORIES:
        raise DataError(
            f"Column '{column}' has {len(uniques):,} distinct values; one-hot encoding is for "
            f"categories (at most {MAX_CATEGORIES}), not names or identifiers."
        )
    try:
        ordered = sorted(uniques.tolist())
    except TypeError:  # mixed kinds of value: order them as text
        ordered = sorted(uniques.tolist(), key=str)
    return ordered
