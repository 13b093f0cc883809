"""The data layer: load tables, choose and scale features, export results. pandas only.

No Qt and no TensorFlow here, so the GUI, the command line and tests share it freely::

    table = load_table("iris.csv", progress=lambda f, msg: ...)
    features = prepare_features(table.frame, ["sepal_length", "petal_length"], scale="standard")
    ...  # cluster features.X with the engine, then
    export_labelled(table, features, labels, distances, "iris-clusters.csv")
    export_centroids(features, centroids, sizes, "centroids.csv", source=table)
"""

from .centroids import final_centroids
from .errors import DataError
from .export import (
    EXPORT_FORMATS,
    SAVE_FILTER,
    PlannedWrite,
    centroid_frame,
    check_export_path,
    export_centroids,
    export_labelled,
    labelled_frame,
    plan_write,
    write_all,
    write_table,
)
from .features import (
    MISSING_POLICIES,
    SCALINGS,
    FeatureMatrix,
    Scaler,
    column_as_float,
    numeric_columns,
    prepare_features,
)
from .load import EXTENSIONS, OPEN_FILTER, CsvStyle, LoadedTable, ProgressCallback, load_table

__all__ = [
    "EXPORT_FORMATS",
    "EXTENSIONS",
    "MISSING_POLICIES",
    "OPEN_FILTER",
    "SAVE_FILTER",
    "SCALINGS",
    "CsvStyle",
    "DataError",
    "FeatureMatrix",
    "LoadedTable",
    "PlannedWrite",
    "ProgressCallback",
    "Scaler",
    "centroid_frame",
    "check_export_path",
    "column_as_float",
    "export_centroids",
    "export_labelled",
    "final_centroids",
    "labelled_frame",
    "load_table",
    "numeric_columns",
    "plan_write",
    "prepare_features",
    "write_all",
    "write_table",
]
