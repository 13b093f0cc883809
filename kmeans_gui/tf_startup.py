"""TensorFlow's log level, set in this one place, for the CLI and the engine process alike.

TensorFlow's native start-up lines (oneDNN notes, CUDA probing on a machine without a GPU,
"failed call to cuInit" included) are written straight to file descriptor 2 before it reads
TF_CPP_MIN_LOG_LEVEL, so Python cannot silence them. They are held back while TensorFlow
loads and only unexpected lines are passed on; its Python logger (``WARNING:tensorflow:``
lines such as retracing notes) is set to errors only. TF_CPP_MIN_LOG_LEVEL=0 or 1 in the
environment keeps them all.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

NATIVE_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called|[IW]\d{4} "
    r"|E\d{4} .*(cuInit|cuda_platform|cuda_dnn|cuFFT|cuBLAS)"
)


def default_log_level() -> None:
    """Warnings and errors only from TensorFlow's C++ side, unless the environment says
    otherwise; must run before TensorFlow's first import."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def quiet_requested() -> bool:
    """Hold the noise back unless the user asked for TensorFlow's logs (level 0 or 1)."""
    default_log_level()
    return os.environ["TF_CPP_MIN_LOG_LEVEL"] not in ("0", "1")


@contextmanager
def native_stderr_filtered(enabled: bool = True) -> Iterator[None]:
    """Send file descriptor 2 to a temporary file inside, then replay all but known noise."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (embedded interpreter): nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            for line in capture.read().decode(errors="replace").splitlines():
                if line.strip() and not NATIVE_NOISE.match(line):
                    print(line, file=sys.stderr)


_loaded: ModuleType | None = None


def import_engine() -> ModuleType:
    """The engine with TensorFlow loaded and its devices probed (where the CUDA probe logs).

    Filtered the first time only: later calls return the loaded engine at once.
    """
    global _loaded
    if _loaded is None:
        quiet = quiet_requested()
        with native_stderr_filtered(quiet):
            import kmeans_gui.engine as engine

            engine.available_devices()
        if quiet:
            logging.getLogger("tensorflow").setLevel(logging.ERROR)
        _loaded = engine
    return _loaded
