"""`kmeans-gui cluster --distribute`: the same result through tf.distribute, one chief output."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_gui import cli

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_mirrored_gives_the_single_device_result(capsys) -> None:
    base = ["cluster", DATA / "blobs.csv", "-k", "4", "--seed", "0", "--json", "-q"]
    code, out, err = run(base, capsys)
    assert code == 0, err
    code, out_m, err = run([*base, "--distribute", "mirrored"], capsys)
    assert code == 0, err
    one, mirrored = json.loads(out), json.loads(out_m)
    assert mirrored["device"].startswith("MirroredStrategy, 1 replica")
    assert mirrored["sizes"] == one["sizes"] and mirrored["n_iter"] == one["n_iter"]
    assert mirrored["inertia"] == pytest.approx(one["inertia"], rel=1e-12)


def test_distribute_with_another_algorithm_is_refused_before_loading(capsys) -> None:
    missing = DATA / "no-such-file.csv"  # refused before the file is even looked at
    argv = ["cluster", missing, "-k", "3", "--algorithm", "kmedoids", "--distribute", "mirrored"]
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("error: --distribute is for --algorithm lloyd, not kmedoids")


def test_multi_worker_without_tf_config_is_one_line(capsys, monkeypatch) -> None:
    monkeypatch.delenv("TF_CONFIG", raising=False)
    code, out, err = run(
        ["cluster", DATA / "blobs.csv", "-k", "4", "--distribute", "multi-worker"], capsys
    )
    assert code == 2 and out == ""
    assert err.startswith("error: --distribute multi-worker needs TF_CONFIG")
    assert len(err.strip().splitlines()) == 1


def test_two_workers_agree_with_one_process_and_only_the_chief_writes(tmp_path) -> None:
    sockets = [socket.socket() for _ in range(2)]
    for s in sockets:
        s.bind(("localhost", 0))
    cluster = {"worker": [f"localhost:{s.getsockname()[1]}" for s in sockets]}
    for s in sockets:
        s.close()
    command = [sys.executable, "-m", "kmeans_gui", "cluster", str(DATA / "blobs.csv"), "-k", "4"]
    procs = []
    for index in range(2):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        out = tmp_path / f"labels{index}.csv"
        procs.append(
            subprocess.Popen(
                [
                    *command,
                    "--seed",
                    "0",
                    "--distribute",
                    "multi-worker",
                    "--json",
                    "-q",
                    "--out",
                    out,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO,
                env={**os.environ, "TF_CONFIG": json.dumps(config)},
            )
        )
    results = [p.communicate(timeout=240) for p in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-2000:]
    chief = json.loads(results[0][0])
    assert results[1][0] == "" and not (tmp_path / "labels1.csv").exists()
    assert "2 replicas" in chief["device"]

    single = tmp_path / "single.csv"
    code = cli.main(
        ["cluster", str(DATA / "blobs.csv"), "-k", "4", "--seed", "0", "-q", "--out", str(single)]
    )
    assert code == 0
    labels = pd.read_csv(tmp_path / "labels0.csv")["cluster"].to_numpy()
    np.testing.assert_array_equal(labels, pd.read_csv(single)["cluster"].to_numpy())


def test_two_streaming_workers_each_read_their_row_groups_and_match_one_machine(tmp_path) -> None:
    """Each worker reads only its share of the row groups (unit u goes to worker u mod 2);
    the chief's outputs are the single-machine streamed run's, byte for byte."""
    frame = pd.read_csv(DATA / "blobs.csv")
    frame.loc[[5, 333, 700], frame.columns[0]] = np.nan  # rows left out, in two shares
    table = tmp_path / "blobs.parquet"
    frame.to_parquet(table, row_group_size=97, index=False)  # 9 row groups, the last short
    sockets = [socket.socket() for _ in range(2)]
    for s in sockets:
        s.bind(("localhost", 0))
    cluster = {"worker": [f"localhost:{s.getsockname()[1]}" for s in sockets]}
    for s in sockets:
        s.close()
    options = ["-k", "4", "--seed", "3", "--stream", "--chunk-rows", "40", "--json", "-q"]
    command = [sys.executable, "-m", "kmeans_gui", "cluster", str(table), *options]
    procs = []
    for index in range(2):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        outs = ["--out", tmp_path / f"labels{index}.csv"]
        outs += ["--centroids-out", tmp_path / f"c{index}.csv"]
        procs.append(
            subprocess.Popen(
                [*command, "--distribute", "multi-worker", *map(str, outs)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO,
                env={**os.environ, "TF_CONFIG": json.dumps(config)},
            )
        )
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-2000:]
    chief = json.loads(results[0][0])
    assert results[1][0] == "" and not (tmp_path / "labels1.csv").exists()
    assert "2 replicas" in chief["device"] and chief["rows_left_out"] == 3

    single = [tmp_path / "single.csv", tmp_path / "single-c.csv"]
    outs = ["--out", str(single[0]), "--centroids-out", str(single[1])]
    code = cli.main(["cluster", str(table), *options, *outs])
    assert code == 0
    assert (tmp_path / "labels0.csv").read_bytes() == single[0].read_bytes()
    assert (tmp_path / "c0.csv").read_bytes() == single[1].read_bytes()
