"""`kmeans-gui animate`: bad output names fail first, in one line; real runs decode to the frames
the run has (one per state, or assignment and update per iteration with --half-steps)."""

from __future__ import annotations

import json
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

from kmeans_gui import cli

DATA = Path(__file__).resolve().parents[2] / "data"


def run(argv: list, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("out", "sentence"),
    [
        (
            "run.webm",
            "Cannot tell the animation format of 'run.webm'; end the name with .gif or .mp4.",
        ),
        ("missing/run.gif", "the folder"),
        ("run.mp4 --half-steps --algorithm minibatch", "--half-steps is for --algorithm lloyd"),
        ("run.gif --size 20x20", "out of range"),
        ("run.gif --fps 500", "must be at most 60 frames a second"),
    ],
    ids=["extension", "folder", "half-steps", "size", "fps"],
)
def test_bad_output_is_one_line_and_exit_2_before_any_work(tmp_path, capsys, out, sentence):
    name, *more = out.split()
    # The input does not exist: the output is refused before anything is loaded.
    argv = ["animate", tmp_path / "no-such-table.csv", "-k", 3, "--out", tmp_path / name, *more]
    code, stdout, err = run(argv, capsys)
    assert code == 2 and stdout == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and sentence in err
    assert list(tmp_path.iterdir()) == []  # no file, not even a temporary one


def frame_count(path: Path) -> int:
    reader = imageio.get_reader(path)
    try:
        return reader.count_frames() if path.suffix == ".mp4" else len(list(reader))
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("name", "half_steps"), [("run.gif", False), ("run.mp4", False), ("run.gif", True)]
)
def test_animation_decodes_to_one_frame_per_state(tmp_path, capsys, name, half_steps):
    out = tmp_path / name
    argv = ["animate", DATA / "blobs.csv", "-k", 5, "--seed", 0, "--out", out, "--size", "321x240"]
    argv += ["--json", "-q", "--fps", 8, *(["--half-steps"] if half_steps else [])]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    report = json.loads(stdout)
    states = report["n_iter"] + 1  # iterations 0..n_iter, one state each
    assert report["frames"] == (2 * states - 1 if half_steps else states)
    assert frame_count(out) == report["frames"]
    assert [p.name for p in tmp_path.iterdir()] == [name]  # the temporary file is gone
    first = np.asarray(imageio.get_reader(out).get_data(0))
    expected = (240, 320) if name.endswith(".mp4") else (240, 321)  # H.264: even sides
    assert first.shape[:2] == expected
