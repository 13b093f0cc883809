"""Turn chosen columns of a table into the float matrix the engine clusters, and back again.

Rows with a missing or non-finite value in a chosen column (empty cell, NaN, ±inf) are left out
of the fit and counted, or filled with the column mean on request; they are never silently
dropped from the table, and exports give them an empty label. Scaling (z-score or min-max) is
applied for the fit and undone by :meth:`FeatureMatrix.to_user_units` for reporting centroids.
By default every numeric column is a feature except those that look like years, dates or
identifiers (``feature_choice.py``); category columns can be added one-hot encoded
(``one_hot.py``), one 0/1 feature ``column=value`` per category.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from . import feature_choice
from .errors import DataError
from .one_hot import encode as one_hot_encode
from .one_hot import indicator

MISSING_POLICIES = ("drop", "mean")
"""drop: leave rows with a missing feature value out of the fit; mean: fill with the column mean."""

SCALINGS = ("none", "standard", "minmax")
"""none: user units; standard: z-score (population std); minmax: each column to [0, 1]."""

FLOAT32_VALUE_LIMIT = float(np.finfo(np.float32).max) / 4
"""The engine refuses values at or beyond this (its float32 sums would overflow)."""
FLOAT32_EXTENT_LIMIT = 1e17
"""The engine refuses a spread about the mean (times sqrt(D)) at or beyond this."""

REASON_MISSING = "a missing or non-finite value in a feature column"
REASON_WEIGHT = "a missing or non-finite weight"


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding numbers (not booleans) with at least one finite value: default features."""
    names = []
    for name in frame.columns:
        dtype = frame[name].dtype
        if (
            ptypes.is_bool_dtype(dtype)
            or not ptypes.is_numeric_dtype(dtype)
            or ptypes.is_complex_dtype(dtype)
        ):
            continue
        values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isfinite(values).any():
            names.append(str(name))
    return names


def default_features(
    frame: pd.DataFrame,
    skip: Sequence[str | None] = (),
    numeric: Sequence[str] | None = None,
    looks: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The columns chosen when none are named: every numeric column (``numeric``, default those
    of ``frame``) not in ``skip`` (the weight column, the one-hot ones) that does not look like
    a year, a date or an identifier (judged on ``frame``, or given as ``looks``: column -> what
    it looks like); and those left out for that, each with what it looks like ('a year')."""
    numeric = numeric_columns(frame) if numeric is None else numeric
    candidates = [c for c in numeric if c not in skip]
    if looks is None:
        excluded = feature_choice.default_exclusions(frame, candidates)
    else:
        excluded = {c: looks[c] for c in candidates if c in looks}
    return [c for c in candidates if c not in excluded], excluded


@dataclass(frozen=True, eq=False)
class Scaler:
    """An affine map per column: fit units = (user units - offset) / scale."""

    kind: str
    offset: np.ndarray  # (D,)
    scale: np.ndarray  # (D,), never 0: a constant column keeps scale 1 and maps to 0

    @classmethod
    def fit(cls, values: np.ndarray, kind: str) -> Scaler:
        """Learn the map from ``values`` (n, D), all finite."""
        d = values.shape[1]
        if kind == "none":
            offset, scale = np.zeros(d), np.ones(d)
        elif kind == "standard":
            offset = values.mean(axis=0)
            scale = values.std(axis=0)
        elif kind == "minmax":
            offset = values.min(axis=0)
            scale = values.max(axis=0) - offset
        else:
            raise DataError(f"Unknown scaling '{kind}'; choose one of {', '.join(SCALINGS)}.")
        return cls._made(kind, offset, scale)

    @classmethod
    def from_moments(
        cls, kind: str, mean: np.ndarray, std: np.ndarray, low: np.ndarray, high: np.ndarray
    ) -> Scaler:
        """The map ``fit`` would learn from values of this mean, (population) standard
        deviation and range: what a streamed run learns in a pass."""
        d = len(mean)
        if kind == "none":
            return cls._made(kind, np.zeros(d), np.ones(d))
        if kind == "standard":
            return cls._made(kind, np.array(mean, np.float64), np.array(std, np.float64))
        return cls._made(kind, np.array(low, np.float64), np.asarray(high) - np.asarray(low))

    @classmethod
    def _made(cls, kind: str, offset: np.ndarray, scale: np.ndarray) -> Scaler:
        # like scikit-learn: a spread within rounding error of zero means a constant column
        tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(offset), 1.0)
        scale = np.where(scale <= tiny, 1.0, scale)
        for array in (offset, scale):
            array.setflags(write=False)
        return cls(kind, offset, scale)

    def to_fit_units(self, values: np.ndarray) -> np.ndarray:
        """User units -> the units the engine sees; works on any (..., D) array."""
        return (np.asarray(values, dtype=np.float64) - self.offset) / self.scale

    def to_user_units(self, values: np.ndarray) -> np.ndarray:
        """Engine units (e.g. centroids) -> the user's units; works on any (..., D) array."""
        return np.asarray(values, dtype=np.float64) * self.scale + self.offset


@dataclass(frozen=True, eq=False)
class FeatureMatrix:
    """The rows and columns that go into the fit, in the units the engine sees.

    ``X`` holds only the used rows (``row_mask`` marks them among all ``n_rows`` table rows,
    in order). ``left_out`` maps each reason to the number of rows it excluded;
    ``missing_counts`` counts missing or non-finite cells per chosen column over all rows.
    """

    X: np.ndarray  # (n_used, D) float64, scaled
    row_mask: np.ndarray  # (n_rows,) bool
    columns: tuple[str, ...]
    scaler: Scaler
    weights: np.ndarray | None = None  # (n_used,) float64 >= 0
    weight_column: str | None = None
    missing: str = "drop"
    missing_counts: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    n_imputed: int = 0
    fill_values: np.ndarray | None = None  # (D,) user units: what missing="mean" fills in
    #: one-hot features: name ('colour=red') -> (table column, the value it marks)
    encoded: dict[str, tuple[str, object]] = field(default_factory=dict)
    #: numeric columns left out of the default choice -> what they look like ('a year')
    excluded: dict[str, str] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return int(self.row_mask.shape[0])

    @property
    def n_used(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_left_out(self) -> int:
        return self.n_rows - self.n_used

    def to_fit_units(self, values: np.ndarray) -> np.ndarray:
        return self.scaler.to_fit_units(values)

    def to_user_units(self, values: np.ndarray) -> np.ndarray:
        return self.scaler.to_user_units(values)

    def user_values(self) -> np.ndarray:
        """The used rows in the user's units (imputed cells hold the column mean)."""
        return self.scaler.to_user_units(self.X)

    def written_values(self, frame: pd.DataFrame, name: str) -> np.ndarray:
        """Feature ``name`` for every table row as written (a one-hot feature as 0/1), NaN
        where missing; the ``frame`` is the table the features were prepared from."""
        if name in self.encoded:
            column, value = self.encoded[name]
            return indicator(frame[column], value)
        return column_as_float(frame, name)

    @property
    def one_hot_columns(self) -> tuple[str, ...]:
        """The table columns encoded one-hot, in order."""
        return tuple(dict.fromkeys(column for column, _ in self.encoded.values()))

    def spread_note(self, advice: str = "") -> str | None:
        """A warning when the features' spreads differ by more than 10x and scaling is off."""
        return feature_choice.spread_note(
            self.columns, self.column_spreads, self.scaler.kind, advice
        )

    def exclusion_note(self, advice: str = "") -> str | None:
        """Which numeric columns the default choice left out, and why."""
        return feature_choice.exclusion_note(self.excluded, advice)

    def check_k(self, k: int) -> None:
        """Raise :class:`DataError` unless ``k`` clusters can be formed from the usable rows."""
        if k < 1:
            raise DataError(f"k must be at least 1, not {k}.")
        if k > self.n_used:
            why = (
                f" ({self.n_left_out:,} of {self.n_rows:,} rows were left out of the fit)"
                if self.n_left_out
                else ""
            )
            raise DataError(
                f"k = {k} is larger than the {self.n_used:,} usable rows{why}; "
                f"choose k of at most {self.n_used:,}."
            )

    @cached_property
    def column_ranges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each column's minimum, maximum and mean (fit units), computed once: every Run and
        sweep checks them, and the window computes them off its GUI thread when preparing."""
        X = self.X
        return X.min(axis=0), X.max(axis=0), X.mean(axis=0)  # no N x D temporary

    @cached_property
    def column_spreads(self) -> np.ndarray:
        """Each column's standard deviation (fit units), computed once (a million rows take
        tens of milliseconds: the window computes it off its GUI thread when preparing)."""
        return self.X.std(axis=0)

    def user_columns(self, columns: Sequence[int]) -> np.ndarray:
        """Some columns of the used rows in the user's units, (n_used, len(columns)): what a
        plot of two features needs, without converting every column. Written column by column
        into one C-order array: no N x len(columns) temporaries (at a million rows each is
        16 MB that a worker thread's heap keeps), and no copy for a view that wants C order."""
        index = list(columns)
        scaler = self.scaler
        out = np.empty((self.n_used, len(index)), np.float64)
        for j, c in enumerate(index):
            np.multiply(self.X[:, c], scaler.scale[c], out=out[:, j])
            out[:, j] += scaler.offset[c]
        return out

    def check_float32_range(self, metric: str = "euclidean", advice: str = "") -> None:
        """Raise :class:`DataError` naming the columns too large for the engine's float32.

        The engine clusters in float32 after centring each column on its mean: a value of
        1e38 or more cannot be held at all, and beyond 1e17 from the mean (over sqrt(D))
        squared distances overflow. Checking here names the columns and gives one piece of
        advice, instead of a NumPy overflow warning and an engine message about "X".
        ``advice`` ends the sentence, e.g. "rerun with --scale standard".
        """
        low, high, mean = self.column_ranges
        too_big = float32_overflow(high, low, mean if metric != "cosine" else None)
        if too_big.any():
            largest = float(np.abs(self.user_values()[:, too_big]).max())
            raise float32_range_error(self.columns, too_big, largest, advice)

    def notes(self) -> list[str]:
        """Sentences for the user about rows left out and cells filled in."""
        out = []
        if self.n_left_out:
            parts = [f"{count:,} with {reason}" for reason, count in self.left_out.items()]
            detail = self._per_column() if REASON_MISSING in self.left_out else ""
            out.append(
                f"{self.n_left_out:,} of {self.n_rows:,} rows were left out of the fit: "
                f"{'; '.join(parts)}{detail}. They get an empty cluster label."
            )
        if self.n_imputed:
            out.append(
                f"{self.n_imputed:,} missing or non-finite cells were filled with their "
                f"column mean{self._per_column()}."
            )
        return out

    def _per_column(self) -> str:
        counts = [f"'{c}' {n:,}" for c, n in self.missing_counts.items() if n]
        return f" (cells per column: {', '.join(counts)})" if counts else ""


@dataclass(frozen=True, eq=False)
class Fitted:
    """What a matrix of a few rows is built with when the whole table's figures are known (a
    piece of a streamed table): its scaling and the values that fill missing cells."""

    scaler: Scaler
    fill_values: np.ndarray | None  # (D,) user units, with missing="mean"
    first_row: int = 0  # the table's position of the frame's first row (for messages)


def prepare_features(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    missing: str = "drop",
    scale: str = "none",
    weight_column: str | None = None,
    one_hot: Sequence[str] = (),
    fitted: Fitted | None = None,
) -> FeatureMatrix:
    """The matrix to cluster from ``columns`` of ``frame`` plus the ``one_hot`` columns encoded.

    ``columns`` defaults to every numeric column that does not look like a year, a date or an
    identifier (see ``feature_choice.py``; the ones skipped are in ``excluded``). Raises
    :class:`DataError` for an unknown or repeated column, a text or date column, a column with
    no numbers at all, a one-hot column of too many values, negative weights, or when no row is
    usable. With ``fitted`` the scaling and fill values are given rather than learnt, and
    ``frame`` may be any piece of the table (no row of it need be usable).
    """
    check_policies(missing, scale)
    encode = check_one_hot(frame, one_hot, weight_column)
    chosen, excluded = choose_columns(frame, columns, weight_column, encode=encode)
    n = len(frame)
    values, weights_all = raw_values(
        frame, chosen, weight_column, fitted.first_row if fitted is not None else 0
    )
    encoded: dict[str, tuple[str, object]] = {}
    if encode:
        available = [str(c) for c in frame.columns]
        blocks = [values]
        for name in encode:
            names, categories, indicators = one_hot_encode(frame, name)
            clash = [c for c in names if c in available or c in chosen]
            if clash:
                raise DataError(
                    f"One-hot encoding '{name}' would make a column '{clash[0]}', which the "
                    "table already has; rename that column first."
                )
            encoded.update(zip(names, ((name, v) for v in categories), strict=True))
            blocks.append(indicators)
        values = np.column_stack(blocks)
    chosen = [*chosen, *encoded]
    finite = np.isfinite(values)
    finite_counts = finite.sum(axis=0)
    missing_counts = {name: int(n - c) for name, c in zip(chosen, finite_counts, strict=True)}
    if fitted is None:
        for name, count in zip(chosen, finite_counts, strict=True):
            if name not in encoded and not count:
                raise DataError(no_usable_numbers(name))

    n_imputed = 0
    fill_values = None
    if missing == "drop":
        features_ok = finite.all(axis=1)
    else:
        bad = ~finite
        n_imputed = int(bad.sum())
        # kept even when nothing was filled: a saved model fills new rows' gaps with them
        if fitted is not None:
            fill_values = fitted.fill_values
        else:
            fill_values = np.array([values[finite[:, j], j].mean() for j in range(len(chosen))])
            fill_values.setflags(write=False)
        if n_imputed:
            values = np.where(bad, fill_values, values)
        features_ok = np.ones(n, dtype=bool)

    weight_ok = np.ones(n, dtype=bool) if weights_all is None else np.isfinite(weights_all)
    row_mask = features_ok & weight_ok
    left_out = {}
    if (dropped := int(n - features_ok.sum())) > 0:
        left_out[REASON_MISSING] = dropped
    if (no_weight := int((features_ok & ~weight_ok).sum())) > 0:
        left_out[REASON_WEIGHT] = no_weight
    if fitted is None and not row_mask.any():
        raise DataError(no_usable_row(n, chosen, weight_column))
    used = values if row_mask.all() else values[row_mask]
    weights = None
    if weights_all is not None:
        weights = np.ascontiguousarray(weights_all[row_mask])
        if fitted is None and not (weights > 0).any():
            raise DataError(f"Every usable row has weight 0 in '{weight_column}'.")
    if fitted is not None:
        scaler = fitted.scaler
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            scaler = Scaler.fit(used, scale)
        check_scaler(scaler, chosen, scale)
    X = np.ascontiguousarray(scaler.to_fit_units(used)) if scale != "none" else used
    return FeatureMatrix(
        X=X,
        row_mask=row_mask,
        columns=tuple(chosen),
        scaler=scaler,
        weights=weights,
        weight_column=weight_column,
        missing=missing,
        missing_counts=missing_counts,
        left_out=left_out,
        n_imputed=n_imputed,
        fill_values=fill_values,
        encoded=encoded,
        excluded=excluded,
    )


def check_policies(missing: str, scale: str) -> None:
    if missing not in MISSING_POLICIES:
        raise DataError(f"Unknown missing-value policy '{missing}'; choose drop or mean.")
    if scale not in SCALINGS:
        raise DataError(f"Unknown scaling '{scale}'; choose one of {', '.join(SCALINGS)}.")


def check_one_hot(
    frame: pd.DataFrame, one_hot: Sequence[str], weight_column: str | None
) -> list[str]:
    """The columns to encode one-hot, checked: known, not repeated, not the weight column."""
    encode = [str(c) for c in one_hot]
    available = [str(c) for c in frame.columns]
    for name in encode:
        _check_known(name, available, role="column")
    if len(set(encode)) != len(encode):
        raise DataError(f"Column '{_first_repeat(encode)}' is one-hot encoded more than once.")
    if weight_column in encode:
        raise DataError(f"The weight column '{weight_column}' cannot also be a feature.")
    return encode


def choose_columns(
    frame: pd.DataFrame,
    columns: Sequence[str] | None,
    weight_column: str | None,
    numeric: Sequence[str] | None = None,
    encode: Sequence[str] = (),
    looks: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The numeric feature columns and those the default choice left out (name -> what it
    looks like): ``columns`` checked, or every ``numeric`` column (default: those of
    ``frame``) but the weight column, the ``encode`` ones and those that look like years,
    dates or identifiers (judged on ``frame``'s values, or given as ``looks``)."""
    available = [str(c) for c in frame.columns]
    if weight_column is not None:
        _check_known(weight_column, available, role="weight column")
    if columns is None:
        chosen, excluded = default_features(frame, [weight_column, *encode], numeric, looks)
        if not chosen and not encode:
            if excluded:
                raise DataError(
                    f"{feature_choice.exclusion_note(excluded)[:-1]}, and there is no other "
                    "numeric column; choose the feature columns by name."
                )
            raise DataError(
                f"The table has no numeric column to cluster (columns: {_listing(available)})."
            )
        return chosen, excluded
    chosen = [str(c) for c in columns]
    if not chosen and not encode:  # one-hot columns alone are features enough
        raise DataError("Choose at least one feature column.")
    for name in chosen:
        _check_known(name, available, role="column")
    repeated = sorted({c for c in chosen if chosen.count(c) > 1})
    if repeated:
        raise DataError(f"Column '{repeated[0]}' is chosen more than once.")
    if weight_column in chosen:
        raise DataError(f"The weight column '{weight_column}' cannot also be a feature.")
    both = [c for c in encode if c in chosen]
    if both:
        raise DataError(
            f"Column '{both[0]}' is both a feature and one-hot encoded; choose one of the two."
        )
    return chosen, {}


def raw_values(
    frame: pd.DataFrame,
    chosen: Sequence[str],
    weight_column: str | None,
    first_row: int = 0,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(the chosen columns as an (n, D) float64 array with NaN for missing cells, the weights
    or None); a negative weight is an error naming its row (the frame's first being the
    table's ``first_row``)."""
    columns = np.empty((len(chosen), len(frame)), dtype=np.float64)  # rows of columns: contiguous
    for j, name in enumerate(chosen):
        columns[j] = column_as_float(frame, name)
    values = np.ascontiguousarray(columns.T)  # one blocked transpose beats strided columns
    if weight_column is None:
        return values, None
    weights = column_as_float(frame, weight_column, role="weight column")
    negative = np.flatnonzero(np.isfinite(weights) & (weights < 0))
    if negative.size:
        row = int(negative[0])
        raise DataError(
            f"Weight column '{weight_column}' has a negative value on row {first_row + row + 1} "
            f"({weights[row]:g}); weights must be zero or positive."
        )
    return values, weights


def no_usable_numbers(name: str) -> str:
    return f"Column '{name}' has no usable numbers (every cell is empty, NaN or ±inf)."


def no_usable_row(n: int, chosen: Sequence[str], weight_column: str | None) -> str:
    return (
        f"No row is usable: every one of the {n:,} rows has a missing or non-finite value "
        f"in the chosen columns ({_listing(chosen)}"
        + (f" or the weight column '{weight_column}'" if weight_column else "")
        + ")."
    )


def check_scaler(scaler: Scaler, chosen: Sequence[str], scale: str) -> None:
    finite_map = np.isfinite(scaler.offset) & np.isfinite(scaler.scale)
    if not finite_map.all():
        names = [chosen[j] for j in np.flatnonzero(~finite_map)]
        raise DataError(
            f"{_quoted(names)} {'holds' if len(names) == 1 else 'hold'} values too large for "
            f"'{scale}' scaling (their spread overflows float64); divide them by a power of ten "
            "first."
        )


def float32_overflow(high: np.ndarray, low: np.ndarray, mean: np.ndarray | None) -> np.ndarray:
    """Per column (fit units), whether the engine's float32 cannot hold it: a value of 1e38
    or more, or (``mean`` given; not for the cosine metric) a spread beyond 1e17/sqrt(D)."""
    too_big = np.maximum(high, -low) >= FLOAT32_VALUE_LIMIT
    if mean is not None:
        extent = np.maximum(high - mean, mean - low)
        too_big |= extent * np.sqrt(len(high)) >= FLOAT32_EXTENT_LIMIT
    return too_big


def float32_range_error(
    columns: Sequence[str], too_big: np.ndarray, largest: float, advice: str = ""
) -> DataError:
    names = [columns[j] for j in np.flatnonzero(too_big)]
    advice = advice or "choose standard (z-score) scaling"
    return DataError(
        f"{_quoted(names)} {'holds' if len(names) == 1 else 'hold'} values too large for "
        f"the engine's float32 arithmetic (up to {largest:.3g}); {advice}."
    )


def column_as_float(
    frame: pd.DataFrame, name: str, role: str = "column", advice: str = "choose numeric columns"
) -> np.ndarray:
    """Column ``name`` as float64 with NaN for missing cells; text or dates raise DataError
    (``advice`` ends the sentence about text)."""
    series = frame[name]
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype):
        return series.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    if ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        raise DataError(f"The {role} '{name}' holds dates or times, not numbers.")
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
    numbers = pd.to_numeric(series.astype(object), errors="coerce")
    not_numbers = np.flatnonzero(numbers.isna().to_numpy() & series.notna().to_numpy())
    if not_numbers.size:
        row = int(not_numbers[0])
        value = str(series.iloc[row])
        value = value if len(value) <= 40 else value[:37] + "..."
        raise DataError(
            f"The {role} '{name}' holds text, not numbers (row {row + 1} is '{value}'); {advice}."
        )
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_known(name: str, available: list[str], role: str) -> None:
    if name in available:
        return
    by_lower = {a.lower(): a for a in reversed(available)}
    close = [by_lower[c] for c in difflib.get_close_matches(name.lower(), list(by_lower), n=1)]
    listing = _listing(available)
    hint = f" (did you mean '{close[0]}'?)" if close else f"; the columns are: {listing}"
    raise DataError(f"There is no {role} named '{name}'{hint}.")


def check_column(frame: pd.DataFrame, name: str, role: str = "column") -> None:
    """Raise :class:`DataError` naming ``name`` (and the closest column) if the table lacks it."""
    _check_known(name, [str(c) for c in frame.columns], role)


def _first_repeat(names: Sequence[str]) -> str:
    return next(n for i, n in enumerate(names) if n in names[:i])


def _listing(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _quoted(names: Sequence[str]) -> str:
    """ "Column 'a'" or "Columns 'a' and 'b'"."""
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        return f"Column {quoted[0]}"
    return f"Columns {', '.join(quoted[:-1])} and {quoted[-1]}"
