"""The data layer: load tables, choose and scale features, export results. pandas only.

No Qt and no TensorFlow here, so the GUI, the command line and tests share it freely::

    table = load_table("iris.csv", progress=lambda f, msg: ...)
    features = prepare_features(table.frame, ["sepal_length", "petal_length"], scale="standard")
    ...  # cluster features.X with the engine, then
    export_labelled(table, features, labels, distances, "iris-clusters.csv")
    export_centroids(features, centroids, sizes, "centroids.csv", source=table)
    cluster_profiles(features, labels, frame=table.frame).table  # what each cluster is
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
from .one_hot import MAX_CATEGORIES, category_names
from .profiles import ClusterProfiles, cluster_profiles, statistic_column
from .reference import ReferenceLabels, reference_labels

__all__ = [
    "EXPORT_FORMATS",
    "EXTENSIONS",
    "MAX_CATEGORIES",
    "MISSING_POLICIES",
    "OPEN_FILTER",
    "SAVE_FILTER",
    "SCALINGS",
    "ClusterProfiles",
    "CsvStyle",
    "DataError",
    "FeatureMatrix",
    "LoadedTable",
    "PlannedWrite",
    "ProgressCallback",
    "ReferenceLabels",
    "Scaler",
    "atomic_write",
    "category_names",
    "centroid_frame",
    "check_column",
    "check_export_path",
    "cluster_profiles",
    "column_as_float",
    "default_exclusions",
    "default_features",
    "export_centroids",
    "export_labelled",
    "final_centroids",
    "labelled_frame",
    "load_table",
    "not_a_measurement",
    "numeric_columns",
    "plan_write",
    "prepare_features",
    "reference_labels",
    "spread_note",
    "statistic_column",
    "write_all",
    "write_table",
]
