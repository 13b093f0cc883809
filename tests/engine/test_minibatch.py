"""Mini-batch k-means (Sculley): scikit-learn's MiniBatchKMeans quality, whole-set labels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, KMeansInputError, iterate
from kmeans_gui.engine.init import kmeans_plusplus
from kmeans_gui.engine.prepare import prepare_input


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=4000, centers=6, n_features=3, random_state=7, cluster_std=1.5)
    return X + 300.0


def test_quality_matches_sklearn_minibatch(blobs) -> None:
    """Same initial centres, same batch size: final inertia within a few percent of sklearn's
    mini-batch and of full-batch Lloyd from the same start."""
    data, _ = prepare_input(blobs, 6, None, "cpu")
    ours, theirs, lloyd = [], [], []
    for seed in range(3):
        init = kmeans_plusplus(data, 6, np.random.default_rng(seed)) + data.offset
        mb = KMeans(6, init=init, seed=seed, algorithm="minibatch", batch_size=256).fit(blobs)
        ours.append(mb.inertia_)
        ref = MiniBatchKMeans(6, init=init, n_init=1, batch_size=256, random_state=seed)
        theirs.append(ref.fit(blobs).inertia_)
        lloyd.append(SkKMeans(6, init=init, n_init=1).fit(blobs).inertia_)
    assert np.mean(ours) <= np.mean(theirs) * 1.02
    assert np.mean(ours) <= np.mean(lloyd) * 1.02


def test_every_state_labels_the_whole_set(blobs) -> None:
    states = list(iterate(blobs, 6, algorithm="minibatch", seed=1, batch_size=128, init="random"))
    assert states[-1].final and states[-1].converged and not any(s.final for s in states[:-1])
    assert [s.iteration for s in states] == list(range(len(states)))
    for s in [*states[:: max(1, len(states) // 4)], states[-1]]:
        d = ((blobs[:, None, :] - s.centroids[None]) ** 2).sum(axis=2)
        np.testing.assert_array_equal(s.labels, d.argmin(axis=1))
        assert s.inertia == pytest.approx(d.min(axis=1).sum(), rel=1e-4)
        assert s.algorithm == "minibatch" and s.labels.shape == (len(blobs),)
    assert states[-1].inertia < 0.8 * states[0].inertia
    assert states[-1].n_iter == len(states) - 1


def test_seed_reproduces_the_run_and_changes_it(blobs) -> None:
    def run(seed):
        return [s.inertia for s in iterate(blobs, 6, algorithm="minibatch", seed=seed)]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_smaller_patience_stops_sooner(blobs) -> None:
    init = blobs[:6]
    kwargs = dict(init=init, seed=0, algorithm="minibatch", batch_size=64, tol=0.0)
    quick = KMeans(6, max_no_improvement=1, **kwargs).fit(blobs)
    patient = KMeans(6, max_no_improvement=30, **kwargs).fit(blobs)
    assert quick.converged_ and patient.converged_
    assert quick.n_iter_ < patient.n_iter_


def test_max_iter_counts_rounds_and_batch_larger_than_data_works() -> None:
    X, _ = make_blobs(n_samples=200, centers=3, n_features=2, random_state=0)
    states = list(iterate(X, 3, algorithm="minibatch", seed=0, max_iter=3, tol=0.0))
    assert len(states) <= 4 and states[-1].final  # batch_size 1024 > 200 rows is capped
    assert states[-1].inertia < states[0].inertia


def test_cosine_minibatch_matches_spherical_lloyd() -> None:
    rng = np.random.default_rng(4)
    directions = np.eye(3)
    X = np.concatenate([d + 0.1 * rng.normal(size=(300, 3)) for d in directions])
    X *= rng.uniform(0.5, 20, size=(len(X), 1))
    init = X[[0, 300, 600]]
    lloyd = KMeans(3, init=init, metric="cosine").fit(X)
    mb = KMeans(3, init=init, metric="cosine", algorithm="minibatch", batch_size=100, seed=0)
    mb.fit(X)
    assert (mb.labels_ == lloyd.labels_).mean() > 0.99
    assert mb.inertia_ == pytest.approx(lloyd.inertia_, rel=0.02)
    np.testing.assert_allclose(np.linalg.norm(mb.cluster_centers_, axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"max_no_improvement": 0}, "max_no_improvement"),
        ({"learning_rate": 0.1}, "learning_rate"),
    ],
)
def test_bad_parameters_are_named(blobs, params, word) -> None:
    with pytest.raises(KMeansInputError, match=word):
        next(iterate(blobs, 3, algorithm="minibatch", **params))
