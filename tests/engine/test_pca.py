from __future__ import annotations

import numpy as np
from sklearn.datasets import load_wine
from sklearn.decomposition import PCA

from kmeans_gui.engine import principal_components


def test_principal_components_match_sklearn_up_to_sign() -> None:
    X = load_wine().data
    ours = principal_components(X, 2)
    ref = PCA(2).fit_transform(X)
    for j in range(2):
        sign = np.sign(ours[:, j] @ ref[:, j])
        np.testing.assert_allclose(ours[:, j], sign * ref[:, j], rtol=1e-6, atol=1e-6)


def test_principal_components_far_from_origin_and_few_features() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3)) * [3, 1, 0.1] + 1e5
    proj = principal_components(X, 2)
    assert proj.shape == (500, 2)
    assert proj[:, 0].var() > proj[:, 1].var() > 0.5
    assert principal_components(X[:, :1], 2).shape == (500, 1)


def test_explained_variance_matches_sklearn() -> None:
    from sklearn.decomposition import PCA

    X = np.random.default_rng(3).normal(size=(400, 5)) * [5.0, 2.0, 1.0, 0.5, 0.1]
    _, explained = principal_components(X, 2, return_explained=True)
    np.testing.assert_allclose(explained, PCA(2).fit(X).explained_variance_ratio_, rtol=1e-9)
