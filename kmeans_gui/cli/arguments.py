"""The command line's arguments: the parsers, and the checks that turn a bad value into one
sentence naming the flag (argparse's ``error`` raises :class:`UsageError` instead of exiting)."""

from __future__ import annotations

import argparse
import difflib
import math
import re
from pathlib import Path
from typing import NoReturn

from kmeans_gui import __version__
from kmeans_gui.data import MISSING_POLICIES, SCALINGS
from kmeans_gui.data.table_stream import DEFAULT_CHUNK_ROWS, parse_size
from kmeans_gui.engine.choices import (  # plain data: importing it does not load TensorFlow
    ALGORITHM_NAMES,
    DEFAULT_GAP_REFERENCES,
    DEFAULT_INIT_ROUNDS,
    DEFAULT_MAX_CANDIDATES,
    DEFAULT_OVERSAMPLING,
    DEFAULT_SWEEP_SAMPLE,
    DEVICE_CHOICES,
    INIT_CHOICES,
    METRIC_NAMES,
    OPTIMIZERS,
    SILHOUETTE_EXACT_ROWS,
)
from kmeans_gui.engine.errors import KMeansInputError
from kmeans_gui.engine.refine_options import (
    BASE_PATIENCE,
    REFINE_CHOICES,
    parse_refine_budget,
)

from .predict import add_predict_parser

COMMANDS = ("cluster", "sweep", "predict", "animate")
DISTRIBUTE_CHOICES = ("none", "mirrored", "multi-worker")
DEBUG_HELP = "show the traceback of an internal error (also: KMEANS_GUI_DEBUG=1)"


class UsageError(Exception):
    """Raised instead of argparse's print-usage-and-exit, so main() prints one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_gui_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kmeans-gui",
        usage=(
            "kmeans-gui [FILE] [-k K] [--screenshot OUT.png]\n"
            "       kmeans-gui cluster FILE -k K [options]\n"
            "       kmeans-gui sweep FILE --k 2:12 [options]\n"
            "       kmeans-gui predict MODEL.json FILE [--out LABELLED.csv]\n"
            "       kmeans-gui animate FILE -k K --out RUN.gif|RUN.mp4 [options]"
        ),
        description=(
            "Watch k-means work, iteration by iteration. With no command, open the explorer "
            "(on FILE when given)."
        ),
        epilog=(
            "commands:\n"
            "  cluster   cluster a table without a window; print a summary, write labels\n"
            "  sweep     run k-means for a range of k and print the scores that help choose k\n"
            "  predict   assign the rows of a table to the clusters of a saved model\n"
            "  animate   cluster a table and write the run as a GIF or MP4\n"
            "Run 'kmeans-gui COMMAND --help' for a command's options."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="table to open (CSV, TSV, ...)")
    parser.add_argument("-k", "--k", type=positive_int, help="number of clusters to start with")
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="run once without showing a window and save the final frame as OUT.png",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    return parser


def build_command_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kmeans-gui", description="Headless k-means on a table file.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    data = _Parser(add_help=False)
    group = data.add_argument_group("data")
    group.add_argument(
        "file",
        metavar="FILE",
        help="CSV, TSV (also .gz, .bz2, .xz or .zip compressed), Parquet, Excel .xlsx or JSON",
    )
    group.add_argument(
        "--columns",
        action="append",
        type=column_list,
        metavar="A,B,C",
        help="feature columns, comma-separated (default: every numeric column except those "
        "that look like years, dates or identifiers)",
    )
    group.add_argument(
        "--one-hot",
        action="append",
        type=column_list,
        metavar="A,B",
        help="category columns (text, or a few distinct values) to add as features, one 0/1 "
        "column 'A=value' per category",
    )
    group.add_argument("--weight-column", metavar="NAME", help="column of per-row weights (>= 0)")
    group.add_argument(
        "--missing",
        choices=MISSING_POLICIES,
        default="drop",
        help="rows with a missing/non-finite feature: leave them out (drop, the default) "
        "or fill with the column mean",
    )
    group.add_argument(
        "--scale", choices=SCALINGS, default="none", help="feature scaling (default: none)"
    )

    engine = _Parser(add_help=False)
    group = engine.add_argument_group("k-means")
    group.add_argument("--n-init", type=positive_int, default=1, metavar="N", help="restarts")
    group.add_argument("--tol", type=non_negative_float, default=1e-4, metavar="T")
    group.add_argument("--max-iter", type=positive_int, default=300, metavar="M")
    group.add_argument("--seed", type=non_negative_int, metavar="S", help="for reproducible runs")
    group.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    group.add_argument("--algorithm", choices=ALGORITHM_NAMES, default="lloyd")
    group.add_argument("--metric", choices=METRIC_NAMES, default="euclidean")
    group.add_argument("--batch-size", type=positive_int, metavar="N", help="minibatch only")
    group.add_argument(
        "--learning-rate",
        type=positive_float,
        metavar="LR",
        help="gradient only: the optimiser's step size. With sgd each step moves a centroid "
        "2 x LR x (its cluster's share of the weight) of the way to its cluster's mean "
        "(default 0.5); with adam steps are about LR standard deviations of the data "
        "(default 0.05). minibatch has none: each centre moves at 1 / (weight it has absorbed)",
    )
    group.add_argument("--optimizer", choices=OPTIMIZERS, help="gradient only")
    group.add_argument(
        "--oversampling",
        type=positive_float,
        metavar="F",
        help="--init k-means|| only: candidates drawn per round, l = F x k "
        f"(default {DEFAULT_OVERSAMPLING:g}, as in Bahmani et al.)",
    )
    group.add_argument(
        "--init-rounds",
        type=positive_int,
        metavar="R",
        help=f"--init k-means|| only: sampling rounds (default {DEFAULT_INIT_ROUNDS})",
    )
    group.add_argument(
        "--max-candidates",
        type=positive_int,
        metavar="N",
        help="kmedoids only: a cluster with more members tries a seeded sample of N of them "
        f"as its medoid instead of all (default {DEFAULT_MAX_CANDIDATES})",
    )
    group.add_argument(
        "--refine",
        choices=REFINE_CHOICES,
        default="none",
        help="lloyd only: 'swap' moves centroids out of bad local optima after Lloyd "
        "converges (swap trials, each kept only if the inertia falls), then runs Lloyd again",
    )
    group.add_argument(
        "--refine-budget",
        type=refine_budget,
        metavar="N|Ns",
        help="with --refine swap: N swap trials, or seconds such as 10s (then results depend "
        f"on speed); default: until {BASE_PATIENCE} + k trials in a row fail",
    )

    output = _Parser(add_help=False)
    group = output.add_argument_group("output")
    group.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    group.add_argument("--debug", action="store_true", help=DEBUG_HELP)

    cluster = commands.add_parser(
        "cluster",
        parents=[data, engine, output],
        help="cluster a table and write the labels",
        description="Cluster FILE into K clusters without opening a window.",
    )
    cluster.add_argument(
        "-k", "--k", "--n-clusters", dest="k", type=positive_int, required=True, metavar="K"
    )
    cluster.add_argument(
        "--distribute",
        choices=DISTRIBUTE_CHOICES,
        default="none",
        help="spread Lloyd's passes with tf.distribute: 'mirrored' over this machine's GPUs, "
        "'multi-worker' over the machines in TF_CONFIG (run the same command on each; only "
        "the chief writes outputs)",
    )
    cluster.add_argument(
        "--init",
        metavar="METHOD|CENTROIDS.csv",
        help="k-means++ (default), k-means|| (few-pass k-means++, the default of a streamed "
        "run), random, uniform, or a table with the feature columns as header and K rows, in "
        "the data's units",
    )
    cluster.add_argument(
        "--stream",
        action="store_true",
        help="read the table a chunk at a time instead of loading it (Parquet file or folder, "
        "plain CSV/TSV; Lloyd only): memory stays bounded by the chunk, not the rows. Chosen "
        "by itself, with a note, when the table would not fit --memory-budget",
    )
    cluster.add_argument(
        "--memory-budget",
        type=memory_size,
        metavar="SIZE",
        help="memory an in-memory run may take, e.g. 8G or 500M (default: half the memory "
        "available); a larger table is streamed",
    )
    cluster.add_argument(
        "--chunk-rows",
        type=positive_int,
        default=DEFAULT_CHUNK_ROWS,
        metavar="N",
        help=f"rows per chunk of a streamed run (default {DEFAULT_CHUNK_ROWS:,})",
    )
    cluster.add_argument(
        "--out",
        metavar="LABELLED.csv",
        help="write the table with two more columns: cluster, and distance (from each row to "
        "its centroid, in the units the clustering ran in: the data's own with --scale none, "
        "else the scaled ones)",
    )
    cluster.add_argument("--centroids-out", metavar="CENTROIDS.csv", help="write the centroids")
    cluster.add_argument(
        "--model-out",
        metavar="MODEL.json",
        help="write the fitted model (features, missing values, scaling, metric, centroids) "
        "for 'kmeans-gui predict'",
    )
    cluster.add_argument(
        "--profile-out",
        metavar="PROFILE.csv",
        help="write one row per cluster: size, share, and each feature's mean, std and median "
        "in the data's units",
    )
    cluster.add_argument(
        "--silhouette",
        action="store_true",
        help="add each row's silhouette (exact, in the run's metric and scaling) to --out, and "
        f"report the exact mean (otherwise sampled beyond {SILHOUETTE_EXACT_ROWS:,} rows); "
        "costs N^2/2 distances",
    )
    cluster.add_argument(
        "--compare-to",
        metavar="COLUMN",
        help="hold the clusters against a label column (text or numbers): adjusted Rand "
        "index, normalised mutual information and the contingency table",
    )
    cluster.add_argument(
        "--overwrite-input",
        action="store_true",
        help="allow --out/--centroids-out/--profile-out to replace the input file",
    )

    sweep = commands.add_parser(
        "sweep",
        parents=[data, engine, output],
        help="run k-means for a range of k (elbow, silhouette, gap statistic...)",
        description="Run k-means on FILE for every k in a range; report inertia, silhouette, "
        "Calinski-Harabasz, Davies-Bouldin and the gap statistic, and the k they suggest.",
    )
    sweep.add_argument(
        "-k",
        "--k",
        dest="ks",
        type=k_range,
        required=True,
        metavar="RANGE",
        help="e.g. 2:12 (both ends included), 2:20:2 or 2,3,5,8",
    )
    sweep.add_argument(
        "--init",
        type=init_method,
        default="k-means++",
        metavar="METHOD",
        help=f"{', '.join(INIT_CHOICES)} (default k-means++)",
    )
    sweep.add_argument(
        "--silhouette-sample",
        type=positive_int,
        default=DEFAULT_SWEEP_SAMPLE,
        metavar="N",
        help="rows (a seeded sample) the silhouette and the gap statistic are computed on "
        f"(default: {DEFAULT_SWEEP_SAMPLE})",
    )
    sweep.add_argument(
        "--gap-references",
        type=non_negative_int,
        default=DEFAULT_GAP_REFERENCES,
        metavar="B",
        help="reference sets of the gap statistic, each fitted for every k (default: "
        f"{DEFAULT_GAP_REFERENCES}; 0 turns the gap statistic off)",
    )
    add_predict_parser(commands, output)
    from .animate import add_animate_parser  # here: animate.py imports this module

    add_animate_parser(commands, [data, engine, output])
    return parser


def positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text}")
    return value


def memory_size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a size such as 8G, 500M or a number of bytes, not '{text}'"
        ) from None


def non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 0, not {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not '{text}'") from None


def non_negative_float(text: str) -> float:
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or positive, not {text}")
    return value


def positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not '{text}'") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def refine_budget(text: str) -> int | str:
    """A number of swap trials, or seconds such as '10s' (kept as text for the engine)."""
    try:
        budget = parse_refine_budget(text, k=1)
    except KMeansInputError:
        raise argparse.ArgumentTypeError(
            f"must be a number of swap trials such as 500 or seconds such as 10s, not '{text}'"
        ) from None
    return budget.trials if budget.trials is not None else f"{budget.seconds:g}s"


def init_method(text: str) -> str:
    """One of INIT_CHOICES; a near miss such as 'kmeans++' is answered with the right name."""
    if text in INIT_CHOICES:
        return text
    raise argparse.ArgumentTypeError(f"'{text}' is not an initialiser{init_hint(text)}")


def check_init_choice(init: str) -> None:
    """Refuse a near miss of an initialiser ('kmeans++') that is not a centroids file either."""
    typo = init not in INIT_CHOICES and not Path(init).expanduser().exists()
    if typo and init_match(init) is not None:
        raise UsageError(
            f"argument --init: '{init}' is neither an initialiser nor a file{init_hint(init)}"
        )


def init_match(text: str) -> str | None:
    """The initialiser ``text`` is a near miss of ('kmeans++' -> 'k-means++'), if any."""
    squashed = {re.sub(r"[-_ ]", "", c.lower()): c for c in INIT_CHOICES}
    match = squashed.get(re.sub(r"[-_ ]", "", text.lower()))
    if match is None:
        close = difflib.get_close_matches(text.lower(), INIT_CHOICES, n=1, cutoff=0.6)
        match = close[0] if close else None
    return match


def init_hint(text: str) -> str:
    """ "; did you mean 'k-means++'?" for a near miss, else the list of choices."""
    match = init_match(text)
    if match is not None:
        return f"; did you mean '{match}'?"
    return f"; choose {', '.join(INIT_CHOICES)}"


def column_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("needs at least one column name")
    return names


def k_range(text: str) -> list[int]:
    """'2:12' -> [2..12], '2:20:2' -> [2, 4, ..., 20], '2,3,5' -> [2, 3, 5]."""
    try:
        if ":" in text:
            parts = [int(p) for p in text.split(":")]
            if len(parts) not in (2, 3):
                raise ValueError
            start, stop, step = parts[0], parts[1], parts[2] if len(parts) == 3 else 1
            if step < 1 or stop < start:
                raise ValueError
            ks = list(range(start, stop + 1, step))
        else:
            ks = [int(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a range of k such as 2:12, 2:20:2 or 2,3,5"
        ) from None
    if min(ks) < 1:
        raise argparse.ArgumentTypeError("every k must be at least 1")
    if len(set(ks)) != len(ks):
        raise argparse.ArgumentTypeError(f"'{text}' repeats a k")
    return ks
