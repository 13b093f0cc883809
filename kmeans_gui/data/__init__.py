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
    cluster_profiles(features, labels, frame=table.frame).table  # what each cluster is
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
from .feature_choice import default_exclusions, not_a_measurement, spread_note
from .features import (
    MISSING_POLICIES,
    SCALINGS,
    FeatureMatrix,
    Scaler,
    check_column,
    column_as_float,
    default_features,
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
from .one_hot import MAX_CATEGORIES, category_names
from .profiles import ClusterProfiles, cluster_profiles, statistic_column
from .records import file_sha256
from .reference import ReferenceLabels, reference_labels
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
    "MAX_CATEGORIES",
    "MISSING_POLICIES",
    "MODEL_VERSION",
    "OPEN_FILTER",
    "SAVE_FILTER",
    "SCALINGS",
    "SESSION_VERSION",
    "ClusterModel",
    "ClusterProfiles",
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
    "ReferenceLabels",
    "RunResult",
    "RunSpec",
    "Scaler",
    "Session",
    "build_model",
    "category_names",
    "centroid_frame",
    "check_column",
    "check_export_path",
    "check_model_path",
    "cluster_profiles",
    "column_as_float",
    "data_changed",
    "data_source",
    "default_exclusions",
    "default_features",
    "export_centroids",
    "export_labelled",
    "file_sha256",
    "final_centroids",
    "is_session_file",
    "labelled_frame",
    "load_table",
    "locate_data",
    "model_features",
    "not_a_measurement",
    "numeric_columns",
    "one_hot_feature",
    "plan_model_write",
    "plan_write",
    "prepare_features",
    "read_model",
    "read_session",
    "reference_labels",
    "reproduction_script",
    "spread_note",
    "statistic_column",
    "write_all",
    "write_model",
    "write_session",
    "write_table",
]
