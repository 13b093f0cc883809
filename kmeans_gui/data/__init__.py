"""The data layer: load tables, choose and scale features, export results. pandas only.

No Qt and no TensorFlow here, so the GUI, the command line and tests share it freely::

    table = load_table("iris.csv", progress=lambda f, msg: ...)
    features = prepare_features(table.frame, ["sepal_length", "petal_length"], scale="standard")
    ...  # cluster features.X with the engine, then
    export_labelled(table, features, labels, distances, "iris-clusters.csv")
    export_centroids(features, centroids, sizes, "centroids.csv", source=table)

Fitted clusterings are kept as model files (``model_file``: written by ``cluster --model-out``,
read by ``predict``) and runs as session files (``session``), both versioned JSON;
``reproduction_script`` turns a session into Python that repeats its run.
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
from .reproduce import reproduction_script
from .session import (
    SESSION_VERSION,
    DataLocation,
    DataSource,
    FeatureSpec,
    RunResult,
    RunSpec,
    Session,
    data_changed,
    data_source,
    is_session_file,
    locate_data,
    read_session,
    write_session,
)

__all__ = [
    "EXPORT_FORMATS",
    "EXTENSIONS",
    "MISSING_POLICIES",
    "MODEL_VERSION",
    "OPEN_FILTER",
    "SAVE_FILTER",
    "SCALINGS",
    "SESSION_VERSION",
    "ClusterModel",
    "CsvStyle",
    "DataError",
    "DataLocation",
    "DataSource",
    "FeatureMatrix",
    "FeatureSpec",
    "FitSummary",
    "LoadedTable",
    "PlannedWrite",
    "ProgressCallback",
    "RunResult",
    "RunSpec",
    "Scaler",
    "Session",
    "build_model",
    "centroid_frame",
    "check_export_path",
    "check_model_path",
    "column_as_float",
    "data_changed",
    "data_source",
    "export_centroids",
    "export_labelled",
    "file_sha256",
    "final_centroids",
    "is_session_file",
    "labelled_frame",
    "load_table",
    "locate_data",
    "model_features",
    "numeric_columns",
    "one_hot_feature",
    "plan_model_write",
    "plan_write",
    "prepare_features",
    "read_model",
    "read_session",
    "reproduction_script",
    "write_all",
    "write_model",
    "write_session",
    "write_table",
]
