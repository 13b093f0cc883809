"""Streamed k-means (``cluster --stream``) on a table larger than the budget, against in-memory.

Run by hand (not in CI):  .venv/bin/python benchmarks/stream.py [--rows N] [--small N] ...

Generates, in a temporary folder (free disk is checked first; about 6 GB is used at the peak):
``big.parquet``, ``--rows`` (default 50,000,000) x 8 float32 columns, 16 overlapping Gaussian
blobs, row groups of 1,048,576 rows (about 1.6 GB), and ``small.parquet``, its first
``--small`` (default 10,000,000) rows.

``memory``: ``kmeans-gui cluster FILE --stream -k 16 --out labelled.parquet`` (k-means||, 8
Lloyd passes) in a fresh process, on both tables: peak resident memory, sampled every 5 ms
from /proc, above the process's level once TensorFlow and kmeans_gui are imported (the idle
process). Target: at most 1 GB above idle, whatever the row count. The in-memory command on
the small table is measured the same way, for contrast.

``speed``: on the small table, seconds per Lloyd pass per million rows, streamed (the engine's
passes over its float32 cache on disk) against the compiled loop ``KMeans.fit`` runs on the
matrix the in-memory command builds. In-memory per pass = (a loop of ``--long`` passes - one
of ``--short``) / (long - short) on data prepared once; streamed per pass = the best of as
many single passes (each timed on its own, so the fixed costs of a streamed fit, the first
pass over Parquet and the exact finals, do not blur it; the first pass is printed apart).
Sides take turns; best of rounds. Target: streamed at most 1.5x in-memory.

``agreement``: from the same initial centroids (16 random rows, then k-means|| seed 0), the
streamed labels of the 10,000,000 rows against the in-memory ones (tol 1e-4, as run by
default): rows labelled alike, iterations, inertia. Target: identical but for float32 ties.

The machine's load (``uptime``) is printed before and after: timings on a shared machine are
noisy, which is why sides alternate and the best round counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

REPO = Path(__file__).resolve().parents[1]
K, D = 16, 8
ROW_GROUP = 1 << 20
PAGE = os.sysconf("SC_PAGE_SIZE")


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """``rows`` x 8 float32 in row groups of ``ROW_GROUP``; any prefix is the same rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, (K, D)).astype(np.float32)
    schema = pa.schema([(f"f{j}", pa.float32()) for j in range(D)])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, ROW_GROUP):
            m = min(ROW_GROUP, rows - start)
            X = rng.standard_normal((m, D), dtype=np.float32) * 3 + centres[rng.integers(0, K, m)]
            writer.write_table(pa.table({f"f{j}": X[:, j] for j in range(D)}, schema=schema))


# ---------------------------------------------------------------------------------------------
# memory: a child process per run, sampling its own resident memory

CHILD = textwrap.dedent(
    """
    import json, os, sys, threading, time
    page = os.sysconf("SC_PAGE_SIZE")
    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page
    from kmeans_gui import cli
    from kmeans_gui.tf_startup import import_engine
    import_engine()
    import kmeans_gui.engine.streamed, kmeans_gui.data.table_stream  # noqa: F401
    idle = peak = rss()
    done = threading.Event()
    def sample():
        global peak
        while not done.wait(0.005):
            peak = max(peak, rss())
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    code = cli.main(sys.argv[1:])
    seconds = time.perf_counter() - started
    done.set(); thread.join()
    peak = max(peak, rss())
    print(json.dumps({"code": code, "idle": idle, "peak": peak, "seconds": seconds}))
    """
)


def measure_command(argv: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return result


def part_memory(folder: Path, big: Path, small: Path) -> None:
    print("\nmemory: peak resident memory above the idle process (TensorFlow imported)")
    print(f"{'run':<34} {'rows':>12} {'idle MB':>9} {'peak MB':>9} {'above MB':>9} {'s':>7}")
    common = ["-k", str(K), "--seed", "0", "--tol", "0", "--max-iter", "8", "-q"]
    runs = [
        ("streamed", small, ["--stream"]),
        ("streamed", big, ["--stream"]),
        ("in memory (for contrast)", small, ["--init", "k-means||"]),
    ]
    for name, table, extra in runs:
        out = folder / "labelled.parquet"
        r = measure_command(["cluster", str(table), *common, *extra, "--out", str(out)])
        out.unlink(missing_ok=True)
        rows = ARGS.rows if table == big else ARGS.small
        above = (r["peak"] - r["idle"]) / 2**20
        print(
            f"{name:<34} {rows:>12,} {r['idle'] / 2**20:>9.0f} {r['peak'] / 2**20:>9.0f} "
            f"{above:>9.0f} {r['seconds']:>7.1f}",
            flush=True,
        )
    print("target: streamed at most 1024 MB above idle, whatever the row count")


# ---------------------------------------------------------------------------------------------
# speed and agreement, in this process


def streamed_source(path: Path):
    from kmeans_gui.data.streamed_features import feature_stats
    from kmeans_gui.data.table_stream import open_table_stream
    from kmeans_gui.engine.streamed_data import ChunkedRows, RowChunk

    table = open_table_stream(path)
    features = feature_stats(table, None).finished("none")

    def read():
        for piece in table.pieces(list(features.columns)):
            matrix = features.piece(piece)
            yield RowChunk(matrix.X, matrix.weights, piece.unit)

    return ChunkedRows(read)


def fit_streamed(source, init, max_iter: int, tol: float = 0.0, seed: int | None = None):
    from kmeans_gui.data.scratch_files import DiskScratch
    from kmeans_gui.engine.streamed import StreamedKMeans

    scratch = DiskScratch()
    model = StreamedKMeans(K, init=init, tol=tol, max_iter=max_iter, seed=seed, scratch=scratch)
    started = time.perf_counter()
    model.fit(source)
    seconds = time.perf_counter() - started
    return model, seconds, scratch


def part_speed(small: Path) -> None:
    """Per pass, each side measured on its own pass: the in-memory compiled loop (what
    ``KMeans.fit`` runs) on the prepared matrix, fits of ``--long`` minus ``--short`` passes;
    the streamed passes (``StreamedPasses.run``) reading the disk cache, timed one by one.
    Sides take turns; best of rounds."""
    import pandas as pd

    from kmeans_gui.data.scratch_files import DiskScratch
    from kmeans_gui.engine.devices import resolve_device
    from kmeans_gui.engine.lloyd_loop import lloyd_result
    from kmeans_gui.engine.prepare import prepare
    from kmeans_gui.engine.streamed_data import StreamedData
    from kmeans_gui.engine.streamed_lloyd import StreamedPasses

    print(f"\nspeed: seconds per Lloyd pass per million rows, {ARGS.small:,} rows x {D}, k = {K}")
    X = pd.read_parquet(small).to_numpy(np.float64)  # what the in-memory command clusters
    device = resolve_device("auto")
    data = prepare(X, None, device, K)
    init = X[np.random.default_rng(1).choice(len(X), K, replace=False)] - data.offset

    def memory(passes: int) -> float:
        started = time.perf_counter()
        (state,) = lloyd_result(data, init, tol=0, max_iter=passes)
        assert state.n_iter == passes, "converged early: lower --short/--long or raise k"
        return time.perf_counter() - started

    scratch = DiskScratch()
    streamed = StreamedData(streamed_source(small), device=device, scratch=scratch).open(K)
    passes = StreamedPasses(streamed, K)
    start = init.astype(np.float32)

    def streamed_pass() -> float:
        started = time.perf_counter()
        passes.run(start)
        return time.perf_counter() - started

    started = time.perf_counter()
    streamed_pass()  # the first pass: reads the Parquet file, writes the float32 cache
    first = time.perf_counter() - started
    memory(ARGS.short)  # warm-up: tracing, compiling
    streamed_pass()
    best = {"memory": np.inf, "streamed": np.inf}
    try:
        for round_number in range(ARGS.rounds):
            span = ARGS.long - ARGS.short
            best["memory"] = min(best["memory"], (memory(ARGS.long) - memory(ARGS.short)) / span)
            best["streamed"] = min(best["streamed"], min(streamed_pass() for _ in range(span)))
            print(f"  round {round_number + 1}: {json.dumps(best)}", flush=True)
    finally:
        passes.close()
        streamed.close()
        scratch.close()
    millions = ARGS.small / 1e6
    print(f"{'side':<12} {'s/pass/M rows':>14}")
    for side in ("memory", "streamed"):
        print(f"{side:<12} {best[side] / millions:>14.4f}")
    print(f"streamed first pass (Parquet to cache): {first / millions:.4f} s/M rows")
    print(f"ratio streamed / in-memory: {best['streamed'] / best['memory']:.2f} (target <= 1.5)")


def part_agreement(small: Path) -> None:
    import pandas as pd

    from kmeans_gui.engine import KMeans

    print(f"\nagreement: streamed against in-memory labels, {ARGS.small:,} rows, tol 1e-4")
    X = pd.read_parquet(small).to_numpy(np.float64)
    source = streamed_source(small)
    init = X[np.random.default_rng(2).choice(len(X), K, replace=False)]
    for name, start, seed in (("16 random rows", init, None), ("k-means|| seed 0", "k-means||", 0)):
        memory = KMeans(K, init=start, tol=1e-4, max_iter=300, seed=seed).fit(X)
        streamed, _, scratch = fit_streamed(source, start, 300, tol=1e-4, seed=seed)
        labels = streamed.labels_.values()
        scratch.close()
        differ = int((labels != memory.labels_).sum())
        print(
            f"  {name:<18} rows labelled alike {len(X) - differ:,} of {len(X):,} "
            f"({differ} differ); iterations {streamed.n_iter_} / {memory.n_iter_}; "
            f"inertia rel. diff {streamed.inertia_ / memory.inertia_ - 1:+.2e}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--small", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--short", type=int, default=3)
    parser.add_argument("--long", type=int, default=11)
    parser.add_argument("--parts", nargs="+", default=["memory", "speed", "agreement"])
    parser.add_argument("--keep", type=Path, help="reuse (and keep) the tables in this folder")
    global ARGS
    ARGS = parser.parse_args()
    print(f"load before: {load()}")
    folder = ARGS.keep or Path(tempfile.mkdtemp(prefix="kmeans-gui-stream-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    need = ARGS.rows * D * 4 * 4  # the table, its labelled copy, the cache, slack
    free = shutil.disk_usage(folder).free
    print(f"tables in {folder}; free disk {free / 2**30:.1f} GiB, need about {need / 2**30:.1f}")
    if free < need:
        sys.exit("not enough free disk for the benchmark's tables; set TMPDIR elsewhere")
    try:
        big, small = folder / "big.parquet", folder / "small.parquet"
        for path, rows in ((big, ARGS.rows), (small, ARGS.small)):
            if not path.exists():
                started = time.perf_counter()
                generate(path, rows)
                size = path.stat().st_size / 2**30
                print(
                    f"wrote {path.name}: {rows:,} rows, {size:.2f} GiB, "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
        if "memory" in ARGS.parts:
            part_memory(folder, big, small)
        if "speed" in ARGS.parts:
            part_speed(small)
        if "agreement" in ARGS.parts:
            part_agreement(small)
    finally:
        if ARGS.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\nload after: {load()}")


ARGS: argparse.Namespace

if __name__ == "__main__":
    main()
