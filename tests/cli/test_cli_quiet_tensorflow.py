"""No TensorFlow line reaches the user: not between a sweep's results, not with -q or --json."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TENSORFLOW_LINE = re.compile(r"tensorflow|retracing|absl|oneDNN|cuda|^[IWE]\d{4} ", re.I)

SCRIPT = """
import sys
from kmeans_gui.cli import main
iris = {iris!r}
for argv in (
    ["sweep", iris, "--k", "2:4"],
    ["sweep", iris, "--k", "2:4", "-q"],
    ["sweep", iris, "--k", "3:4", "--json"],
    ["cluster", iris, "-k", "3", "-q"],
    ["cluster", iris, "-k", "4", "--json"],
    ["cluster", iris, "-k", "5", "--algorithm", "gradient", "-q"],
):
    print("=== " + " ".join(argv[:1] + argv[2:]), file=sys.stderr, flush=True)
    assert main(argv) == 0
"""


def test_commands_print_no_tensorflow_line() -> None:
    script = SCRIPT.format(iris=str(REPO / "data" / "iris.csv"))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert done.returncode == 0, done.stderr
    noise = [
        line for line in (done.stdout + done.stderr).splitlines() if TENSORFLOW_LINE.search(line)
    ]
    assert noise == [], "\n".join(noise)
    assert done.stdout.count('"results"') + done.stdout.count("silhouette") >= 2  # results shown
