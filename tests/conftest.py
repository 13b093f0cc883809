"""Shared test setup: Qt renders offscreen and TensorFlow stays quiet, on any machine."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
