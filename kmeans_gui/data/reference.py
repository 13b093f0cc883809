"""A reference column to hold clusters against (species, diagnosis...): its classes per row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError
from .features import FeatureMatrix, check_column


@dataclass(frozen=True, eq=False)
class ReferenceLabels:
    """The classes of ``column`` for the clustered rows (``features.n_used``, in order)."""

    column: str
    codes: np.ndarray  # (n_used,) int64 index into ``classes``; -1 where the cell is missing
    classes: list[object]  # the distinct values, sorted (numbers by value, text alphabetically)

    @property
    def present(self) -> np.ndarray:
        """(n_used,) bool: rows with a class."""
        return self.codes >= 0


def reference_labels(frame: pd.DataFrame, features: FeatureMatrix, column: str) -> ReferenceLabels:
    """The classes of any column (text, integers, booleans...) for the rows that were clustered.

    Missing cells are no class (those rows are left out of a comparison). Raises
    :class:`DataError` for an unknown column or one without a value in any clustered row.
    """
    check_column(frame, column)
    series = frame[column][features.row_mask]
    codes, classes = pd.factorize(series, sort=True, use_na_sentinel=True)
    if not (codes >= 0).any():
        raise DataError(f"Column '{column}' has no value in any of the clustered rows.")
    return ReferenceLabels(column, np.asarray(codes, dtype=np.int64), list(classes.tolist()))
