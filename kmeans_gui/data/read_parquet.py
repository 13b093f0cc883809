"""Read a Parquet file, row group by row group, keeping integers with gaps as integers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from .errors import DataError, first_line
from .progress import Reporter


def load_parquet(file: Path, report: Reporter) -> pd.DataFrame:
    import pyarrow.parquet as pq  # loaded when a Parquet file is read, not with the package

    try:
        parquet = pq.ParquetFile(file)
        groups = parquet.num_row_groups
        tables = []
        for i in range(groups):
            tables.append(parquet.read_row_group(i))
            report(0.05 + 0.85 * (i + 1) / groups, f"Reading row group {i + 1} of {groups}")
        table = pa.concat_tables(tables) if tables else parquet.schema_arrow.empty_table()
        # integers stay integers where a cell is empty (Int64), as for CSV; a saved index is
        # restored from the pandas metadata
        frame = table.to_pandas(types_mapper=_nullable_integer)
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = first_line(exc)
        raise DataError(f"{file.name} is not a readable Parquet file: {reason}.") from None
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()  # a saved index is data the user had: keep it as columns
    return frame


def _nullable_integer(arrow_type: Any) -> Any:
    """pandas' nullable integer dtype for an Arrow integer type (int64 -> Int64), else None."""
    if not pa.types.is_integer(arrow_type):
        return None
    name = str(arrow_type)  # "int64", "uint8", ...
    return pd.api.types.pandas_dtype(name.replace("uint", "UInt").replace("int", "Int"))
