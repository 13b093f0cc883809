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


def _round(rows, centres, counts, batches, max_stall=1000):
    """One compiled round of ``minibatch._minibatch_round`` on NumPy inputs."""
    import tensorflow as tf

    from kmeans_gui.engine import minibatch as minibatch_module

    out = minibatch_module._minibatch_round(
        tf.constant(rows, tf.float32),
        tf.constant(centres, tf.float64),
        tf.constant(counts, tf.float64),
        tf.constant(batches, tf.int32),
        tf.constant([-1.0, np.inf], tf.float64),
        tf.constant(0),
        tf.constant(0),
        tf.constant(0.1, tf.float64),
        tf.constant(max_stall),
        False,
    )
    return out[0].numpy(), out[1].numpy(), int(out[5])


def test_each_step_applies_sculleys_per_centre_rule_to_its_batch_only() -> None:
    """c <- c + (sum_b x - n_b c) / (n_c + n_b), n_c <- n_c + n_b, step after step, from the
    batch's rows alone: rows never drawn do not move any centre (unlike a Lloyd pass)."""
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(500, 2)).astype(np.float32)
    centres = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 5.0]])
    counts = np.array([3.0, 0.0, 7.0])
    batches = rng.integers(0, 250, size=(4, 16))  # only the first half is ever drawn
    expected_c, expected_n = centres.copy(), counts.copy()
    for batch in batches:
        x = rows[batch].astype(np.float64)
        labels = ((x[:, None] - expected_c[None]) ** 2).sum(axis=2).argmin(axis=1)
        n_b = np.bincount(labels, minlength=3).astype(float)
        sums = np.array([x[labels == j].sum(axis=0) for j in range(3)])
        new_n = expected_n + n_b
        rate = np.where(new_n > 0, 1.0 / np.where(new_n > 0, new_n, 1), 0)[:, None]
        expected_c = expected_c + (sums - n_b[:, None] * expected_c) * rate
        expected_n = new_n
    got_c, got_n, done = _round(rows, centres, counts, batches)
    assert done == 4
    np.testing.assert_allclose(got_c, expected_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got_n, expected_n)
    moved = rows.copy()
    moved[250:] += 100.0  # rows outside every batch
    np.testing.assert_array_equal(_round(moved, centres, counts, batches)[0], got_c)


def test_weighted_sampling_draws_rows_in_proportion_to_weight() -> None:
    from kmeans_gui.engine import minibatch as minibatch_module

    weights = np.array([0.0, 1.0, 3.0, 0.0, 6.0, 0.0])
    data, _ = prepare_input(np.arange(12.0).reshape(6, 2), 3, weights, "cpu")
    draws = minibatch_module._row_sampler(data)(np.random.default_rng(0), (200, 500))
    freq = np.bincount(draws.ravel(), minlength=6) / draws.size
    np.testing.assert_allclose(freq, weights / weights.sum(), atol=0.005)


def test_strongly_weighted_minibatch_equals_repeated_rows_in_expectation() -> None:
    """Weights 1 or 25: averaged over seeds, the weighted fit lands where the fit on repeated
    rows does (centres and weighted inertia within 2%), given the same number of steps.

    The stop rule's smoothing and the steps per round count rows, not weight (so that only
    relative weights matter, as in scikit-learn), hence the fixed step count here: one step per
    round (batch_size >= N / 10 for both) and no early stop."""
    rng = np.random.default_rng(11)
    X, _ = make_blobs(n_samples=600, centers=4, n_features=2, random_state=3, cluster_std=2.0)
    counts = np.where(rng.uniform(size=len(X)) < 0.2, 25, 1)
    repeated = np.repeat(X, counts, axis=0)
    init = X[[0, 1, 2, 3]]
    kwargs = dict(
        algorithm="minibatch",
        init=init,
        batch_size=400,
        tol=0.0,
        max_iter=25,
        max_no_improvement=10**6,
    )

    def mean_fit(fits):
        centres = np.mean([np.sort(f.cluster_centers_, axis=0) for f in fits], axis=0)
        return centres, np.mean([f.inertia_ for f in fits])

    seeds = range(8)
    wc, wi = mean_fit([KMeans(4, seed=s, **kwargs).fit(X, sample_weight=counts) for s in seeds])
    rc, ri = mean_fit([KMeans(4, seed=s, **kwargs).fit(repeated) for s in seeds])
    assert wi == pytest.approx(ri, rel=0.02)
    np.testing.assert_allclose(wc, rc, atol=0.02 * np.ptp(X))
