"""What the data panel needs to know of a new table's columns, beyond which hold numbers.

Which numeric columns look like years, dates or identifiers (not ticked by default, as
``cluster`` without ``--features`` leaves them out: ``data.feature_choice``), and which text
columns hold few enough distinct values to be one-hot encoded (``data.one_hot``). Run once per
table with the load, on its worker thread (``jobs.load_for_screen``): a text column of names is
rejected from its first rows, so a million-row table costs a full count only for its real
category columns.
"""

from __future__ import annotations

from typing import Any

HEAD_ROWS = 10_000  # a column with too many values here has too many overall


def default_exclusions(frame: Any, numeric: list[str]) -> dict[str, str]:
    """Numeric column -> what it looks like ('a year', 'a date', 'an identifier')."""
    from kmeans_gui.data.feature_choice import default_exclusions as exclusions

    return exclusions(frame, numeric)


def category_columns(frame: Any, numeric: list[str]) -> dict[str, int]:
    """Non-numeric column -> its number of distinct values, for those one-hot can encode."""
    from kmeans_gui.data.one_hot import MAX_CATEGORIES

    found = {}
    numeric_set = set(numeric)
    for name in frame.columns:
        if str(name) in numeric_set:
            continue
        series = frame[name]
        if series.dtype.kind in "mM":  # dates are not categories
            continue
        try:
            if series.iloc[:HEAD_ROWS].nunique(dropna=True) > MAX_CATEGORIES:
                continue
            count = int(series.nunique(dropna=True))
        except TypeError:  # unhashable cells (lists read from JSON): not categories
            continue
        if 2 <= count <= MAX_CATEGORIES:
            found[str(name)] = count
    return found


def exclusion_note(excluded: dict[str, str]) -> str | None:
    """One sentence naming the columns not ticked by default, and that they can be ticked."""
    from kmeans_gui.data.feature_choice import exclusion_note as note

    return note(excluded, "tick them to use them" if len(excluded) > 1 else "tick it to use it")
