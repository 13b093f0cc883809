"""The data layer: load tables, choose and scale features, export results. pandas only.

No Qt and no TensorFlow here, so the GUI, the command line and tests share it freely::

    table = load_table("iris.csv", progress=lambda f, msg: ...)
    features = prepare_features(table.frame, ["sepal_length", "petal_length"], scale="standard")
    ...  # cluster features.X with the engine, then
    export_labelled(table, features, labels, distances, "iris-clusters.csv")
    export_centroids(features, centroids, sizes, "centroids.csv", source=table)

Fitted clusterings are kept as model files (``model_file``: written by ``cluster --model-out``,
read by ``predict``), versioned JSON.
"""

from .centroids import final_centroids
from .errors import DataError
from .export import (
    EXPORT_FORMATS,
    SAVE_FILTER,
    PlannedWrite,
    atomic_write,
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
from .model_file import (
    MODEL_VERSION,
    ClusterModel,
    FitSummary,
    build_model,
    check_model_path,
    model_features,
    one_hot_feature,
    plan_model_write,
    read_model,
    write_model,
)
from .records import file_sha256

__all__ = [
    "EXPORT_FORMATS",
    "EXTENSIONS",
    "MISSING_POLICIES",
    "MODEL_VERSION",
    "OPEN_FILTER",
    "SAVE_FILTER",
    "SCALINGS",
    "ClusterModel",
    "CsvStyle",
    "DataError",
    "FeatureMatrix",
    "FitSummary",
    "LoadedTable",
    "PlannedWrite",
    "ProgressCallback",
    "Scaler",
    "atomic_write",
    "build_model",
    "centroid_frame",
    "check_export_path",
    "check_model_path",
    "column_as_float",
    "export_centroids",
    "export_labelled",
    "file_sha256",
    "final_centroids",
    "labelled_frame",
    "load_table",
    "model_features",
    "numeric_columns",
    "one_hot_feature",
    "plan_model_write",
    "plan_write",
    "prepare_features",
    "read_model",
    "write_all",
    "write_model",
    "write_table",
]
