"""Lloyd's passes over a tf.distribute strategy give the single-device result exactly.

Each case runs in a fresh interpreter: logical devices and a multi-worker cluster must be set
up before TensorFlow starts its runtime, which the rest of the suite has already done.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from kmeans_gui.engine import KMeans, KMeansInputError

COMPARE = """
import numpy as np
from kmeans_gui.engine import KMeans
rng = np.random.default_rng(0)
X = rng.normal(size=(30_011, 3)) * [1, 2, 3] + rng.integers(0, 4, size=(30_011, 1)) * 4 + 1e4
w = rng.uniform(0.5, 2.0, size=len(X))
one = KMeans(4, seed=0, tol=0, max_iter=40).fit(X, w)
many = KMeans(4, seed=0, tol=0, max_iter=40, strategy=strategy).fit(X, w)
print(json.dumps(dict(
    same_labels=bool((one.labels_ == many.labels_).all()),
    inertia=[one.inertia_, many.inertia_],
    n_iter=[one.n_iter_, many.n_iter_],
    centre_diff=float(np.abs(one.cluster_centers_ - many.cluster_centers_).max()),
    device=many.device_,
)))
"""


def run_python(code: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
    )


def result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


def check_same(res: dict) -> None:
    assert res["same_labels"]
    assert res["n_iter"][0] == res["n_iter"][1]
    np.testing.assert_allclose(res["inertia"][0], res["inertia"][1], rtol=1e-9)
    assert res["centre_diff"] < 1e-6


def test_mirrored_strategy_over_two_devices_matches_one_device():
    setup = textwrap.dedent(
        """
        import json
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        """
    )
    res = result(run_python(setup + COMPARE))
    check_same(res)
    assert res["device"].startswith("MirroredStrategy, 2 replicas")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_multi_worker_strategy_on_two_local_processes_matches_one_process():
    cluster = {"worker": [f"localhost:{p}" for p in free_ports(2)]}
    setup = textwrap.dedent(
        """
        import json
        import tensorflow as tf
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        """
    )
    procs = [
        run_python(
            setup + COMPARE,
            {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})},
        )
        for i in range(2)
    ]
    for res in [result(p) for p in procs]:
        check_same(res)
        assert "2 replicas" in res["device"]


def test_a_strategy_is_refused_where_it_is_not_supported():
    import tensorflow as tf

    X = np.random.default_rng(0).normal(size=(50, 2))
    strategy = tf.distribute.get_strategy()  # the default (no-op) strategy
    with pytest.raises(KMeansInputError, match="'lloyd' algorithm only"):
        KMeans(2, algorithm="gradient", strategy=strategy).fit(X)
    with pytest.raises(KMeansInputError, match=r"tf\.distribute\.Strategy"):
        KMeans(2, strategy="mirrored").fit(X)


def test_the_default_strategy_runs_in_process_like_no_strategy():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    X = rng.normal(size=(2_001, 4)) + rng.integers(0, 3, size=(2_001, 1)) * 6
    from kmeans_gui.engine.distributed import _compiled_step

    strategy = tf.distribute.get_strategy()
    one = KMeans(3, seed=0, tol=0).fit(X)
    many = KMeans(3, seed=0, tol=0, strategy=strategy).fit(X)
    np.testing.assert_array_equal(one.labels_, many.labels_)
    assert many.inertia_ == pytest.approx(one.inertia_, rel=1e-12)
    assert "1 replica " in many.device_
    KMeans(3, seed=1, n_init=2, strategy=strategy).fit(X)  # new fits and restarts: no retrace
    assert _compiled_step(strategy).experimental_get_tracing_count() == 1


def test_the_compiled_step_goes_with_its_strategy() -> None:
    import gc
    import weakref

    import tensorflow as tf

    from kmeans_gui.engine.distributed import _compiled_step

    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    assert _compiled_step(strategy) is _compiled_step(strategy)
    alive = weakref.ref(strategy)
    del strategy
    gc.collect()
    assert alive() is None
