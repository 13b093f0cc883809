"""Shared test setup: Qt renders offscreen and TensorFlow stays quiet, on any machine.

Under pytest-xdist every worker (and every engine or command process a test starts) gets its
share of the cores for TensorFlow's thread pools instead of one thread per core each: two
workers on two cores, each with pools of two spinning threads, spent about a fifth of the
suite's time contending (tests/engine, 139 -> 108 s). The screenshot-mode test runs the
application with the default pools (``tests/app/test_main.py``).
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    _threads = str(max(1, (os.cpu_count() or 1) // _WORKERS))
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", _threads)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", _threads)
