"""Device choice: the CPU fallback and the messages, without ever needing a GPU."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from kmeans_gui.engine import DeviceError, KMeans, available_devices, resolve_device

HAS_GPU = bool(tf.config.list_logical_devices("GPU"))


def test_auto_picks_gpu_when_present_else_cpu() -> None:
    expected = "GPU" if HAS_GPU else "CPU"
    assert expected in resolve_device("auto")
    assert "CPU" in resolve_device("cpu")
    assert resolve_device("auto") in available_devices()


@pytest.mark.skipif(HAS_GPU, reason="only meaningful where no GPU exists")
def test_gpu_requested_without_gpu_is_a_clear_error() -> None:
    with pytest.raises(DeviceError, match="no GPU"):
        resolve_device("gpu")
    with pytest.raises(DeviceError, match="no GPU"):
        KMeans(2, device="gpu").fit(np.random.default_rng(0).normal(size=(20, 2)))


def test_unknown_device_names_the_choices() -> None:
    with pytest.raises(DeviceError, match="auto, cpu or gpu"):
        resolve_device("tpu")
    with pytest.raises(DeviceError):
        resolve_device(3)  # type: ignore[arg-type]


def test_results_say_which_device_ran() -> None:
    km = KMeans(2, device="cpu", seed=0).fit(np.random.default_rng(0).normal(size=(20, 2)))
    assert "CPU" in km.device_


def test_tf32_is_disabled_for_the_distance_gemm() -> None:
    assert not tf.config.experimental.tensor_float_32_execution_enabled()


def test_gpu_variant_of_the_pass_agrees_with_cpu_variant() -> None:
    """The one-hot update used on GPUs, run here on the CPU, gives the same sums."""
    from kmeans_gui.engine import kernels

    rng = np.random.default_rng(0)
    blocks = tf.constant(rng.normal(size=(3, 64, 4)).astype(np.float32))
    weights = tf.constant(rng.uniform(0, 2, size=(3, 64)).astype(np.float32))
    centroids = tf.constant(rng.normal(size=(5, 4)).astype(np.float32))
    previous = tf.fill((3, 64), -1)
    cpu = kernels.lloyd_pass(blocks, weights, previous, centroids, on_gpu=False)
    gpu = kernels.lloyd_pass(blocks, weights, previous, centroids, on_gpu=True)
    for a, b in zip(cpu, gpu, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-4)
