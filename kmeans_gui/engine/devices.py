"""Where the engine runs: GPU when TensorFlow sees one, the CPU otherwise.

Importing this module configures TensorFlow once for clustering: GPU memory grows on demand
(so the GUI and other processes can share the card) and TF32 matrix multiplies are off, because
their 10-bit mantissa mislabels points in the distance GEMM (see KMEANS-NOTES.md).
"""

from __future__ import annotations

import contextlib

import tensorflow as tf  # its log level is set by the package (kmeans_gui.tf_startup)

from .choices import DEVICE_CHOICES
from .errors import DeviceError


def _configure() -> None:
    tf.config.experimental.enable_tensor_float_32_execution(False)
    for gpu in tf.config.list_physical_devices("GPU"):
        # RuntimeError: already initialised by the host application; keep its choice.
        with contextlib.suppress(RuntimeError):
            tf.config.experimental.set_memory_growth(gpu, True)


_configure()


def available_devices() -> list[str]:
    """Logical device names TensorFlow can place the engine on, GPUs first."""
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
    return gpus + cpus


def resolve_device(device: str = "auto") -> str:
    """Map "auto" | "cpu" | "gpu" (or an explicit "/GPU:1") to a TensorFlow device name."""
    if not isinstance(device, str):
        raise DeviceError(f"device must be one of {', '.join(DEVICE_CHOICES)}, not {device!r}")
    name = device.strip().lower()
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
    if name == "auto":
        return gpus[0] if gpus else cpus[0]
    if name == "cpu":
        return cpus[0]
    if name == "gpu":
        if not gpus:
            raise DeviceError(
                "device='gpu' was requested but TensorFlow sees no GPU on this machine; "
                "use device='auto' or 'cpu' (or install the 'gpu' extra and a CUDA driver)"
            )
        return gpus[0]
    for known in gpus + cpus:
        if known.lower().endswith(name.lstrip("/")):
            return known
    raise DeviceError(
        f"unknown device {device!r}: choose auto, cpu or gpu (found: {', '.join(gpus + cpus)})"
    )


def is_gpu(device_name: str) -> bool:
    return ":GPU:" in device_name.upper()
