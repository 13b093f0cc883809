"""What each cluster is: its size and share, and per feature the mean, standard deviation and
median in the data's own units, plus standardised means for a heat map.

The statistics are those of the table's rows as written (pandas' groupby on the clustered rows:
the sample standard deviation, ddof = 1, nan for a cluster of one row; a cell filled in with
the column mean for the fit does not count), so they can be checked against any other tool. They
are unweighted, describing rows; with a weight column the table adds each cluster's ``weight``
and ``weight_share`` (the centroids are the weighted means). A one-hot feature's mean is the
share of the cluster's rows in that category.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .features import FeatureMatrix

STATISTICS = ("mean", "std", "median")


@dataclass(frozen=True, eq=False)
class ClusterProfiles:
    """``table``: one row per cluster (``cluster``, ``size``, ``share``, [``weight``,
    ``weight_share``], then ``mean(f)``, ``std(f)``, ``median(f)`` for every feature f).
    ``standardised``: clusters x features, (cluster mean - overall mean) / overall standard
    deviation (0 for a constant feature), what a heat map of how clusters differ shows."""

    table: pd.DataFrame
    standardised: pd.DataFrame


def statistic_column(statistic: str, feature: str) -> str:
    """The profile table's column of ``statistic`` for ``feature``: 'mean(petal_length)'."""
    return f"{statistic}({feature})"


def cluster_profiles(
    features: FeatureMatrix,
    labels: np.ndarray,
    k: int | None = None,
    frame: pd.DataFrame | None = None,
) -> ClusterProfiles:
    """Profiles of clusters 0..k-1 (default: up to the largest label) of the clustered rows.

    ``labels`` hold one cluster per used row (``features.n_used``). Give the table ``frame`` the
    features came from to describe the values as written; without it, the fitted values in the
    user's units are described (imputed cells then hold the column mean).
    """
    labels = np.asarray(labels)
    if labels.shape != (features.n_used,):
        raise ValueError(f"labels must have shape ({features.n_used},), got {labels.shape}")
    k = int(labels.max()) + 1 if k is None else int(k)
    if frame is None:
        values = features.user_values()
    else:
        values = np.column_stack(
            [features.written_values(frame, name)[features.row_mask] for name in features.columns]
        )
    rows = pd.DataFrame(values, columns=list(features.columns))
    clusters = pd.RangeIndex(k, name="cluster")
    grouped = rows.groupby(labels, sort=True)
    stats = {s: getattr(grouped, s)().reindex(clusters) for s in STATISTICS}
    size = np.bincount(labels, minlength=k)[:k]
    columns: dict[str, np.ndarray] = {
        "cluster": np.arange(k, dtype=np.int64),
        "size": size.astype(np.int64),
        "share": size / max(features.n_used, 1),
    }
    if features.weights is not None:
        weight = np.bincount(labels, weights=features.weights, minlength=k)[:k]
        columns["weight"] = weight
        columns["weight_share"] = weight / features.weights.sum()
    for name in features.columns:
        for statistic in STATISTICS:
            columns[statistic_column(statistic, name)] = stats[statistic][name].to_numpy()
    spread = rows.std()
    # a constant feature: every cluster's mean is the overall mean, so 0 (nan stays nan)
    standardised = (stats["mean"] - rows.mean()) / spread.where(spread > 0, np.inf) + 0.0
    return ClusterProfiles(table=pd.DataFrame(columns), standardised=standardised)
