"""What the command line prints: one-line errors and warnings on stderr, JSON on stdout."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np


def print_error(message: str) -> None:
    """``error: <message>`` on one line, whatever line breaks the source put in it."""
    print(f"error: {' '.join(message.split())}", file=sys.stderr)


def warn(message: str) -> None:
    print(f"warning: {' '.join(message.split())}", file=sys.stderr)


def json_ready(value: Any) -> Any:
    """NaN and inf become null; NumPy scalars and arrays become plain JSON values."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
