"""The ``kmeans-gui`` command: open the explorer, or cluster and sweep a table without a window.

``kmeans-gui [FILE]`` opens the GUI; ``kmeans-gui cluster`` and ``kmeans-gui sweep`` run the
engine headless on the data layer. TensorFlow and Qt are imported only when needed, so ``--help``
and argument errors answer at once. Every problem with the input prints one line
``error: <sentence>`` on stderr and exits with status 2, without a traceback and without
writing any output file; warnings go to stderr and leave the exit status alone. Anything
unexpected prints ``error: internal error: <type>: <message>`` and exits with status 1; ``--debug``
(or ``KMEANS_GUI_DEBUG=1``) shows its traceback instead.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import re
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, TextIO

import numpy as np

from kmeans_gui import __version__
from kmeans_gui.data import (
    MISSING_POLICIES,
    SCALINGS,
    DataError,
    FeatureMatrix,
    LoadedTable,
    centroid_frame,
    check_export_path,
    column_as_float,
    labelled_frame,
    load_table,
    plan_write,
    prepare_features,
    write_all,
)
from kmeans_gui.data.errors import counted
from kmeans_gui.engine.choices import (  # plain data: importing it does not load TensorFlow
    ALGORITHM_NAMES,
    DEFAULT_MAX_CANDIDATES,
    DEVICE_CHOICES,
    INIT_CHOICES,
    METRIC_NAMES,
    OPTIMIZERS,
    PARAMETERS,
)
from kmeans_gui.engine.errors import DeviceError, KMeansInputError
from kmeans_gui.report import centroids_and_distances
from kmeans_gui.tf_startup import import_engine, native_stderr_filtered, quiet_requested

EXIT_OK = 0
EXIT_FAILURE = 1  # the environment failed us (no GUI, out of memory)
EXIT_USAGE = 2  # bad arguments or data: the user can fix it
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM

COMMANDS = ("cluster", "sweep")
CENTROID_TABLE_LIMIT = 20  # print the centroids when k is at most this
PROGRESS_AFTER_S = 1.0  # quick runs print no progress at all
PROGRESS_EVERY_S = {True: 0.2, False: 5.0}  # on a terminal (rewritten line) / in a log
DEBUG_HELP = "show the traceback of an internal error (also: KMEANS_GUI_DEBUG=1)"


_SCALE_ADVICE = "rerun with --scale standard (or --scale minmax) to cluster them"


class UsageError(Exception):
    """Raised instead of argparse's print-usage-and-exit, so main() prints one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, so cleanup (``finally``) runs as for Ctrl-C.

    Without it, ``kill`` during an export would end the process at once and leave the hidden
    temporary file behind. A BaseException, like KeyboardInterrupt, so ``except Exception``
    does not swallow it.
    """


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` inside (main thread only), then restore."""
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):  # not the main thread, or no SIGTERM on this platform
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list or os.environ.get("KMEANS_GUI_DEBUG", "") not in ("", "0")
    try:
        if args_list and args_list[0] in COMMANDS:
            args, extra = build_command_parser().parse_known_args(args_list)
            if extra:  # named against the subcommand, whose --help lists its options
                raise UsageError(
                    f"unrecognized arguments: {' '.join(extra)} "
                    f"(see 'kmeans-gui {args.command} --help')"
                )
            with _sigterm_raises():  # headless only: the GUI keeps Qt's own handling
                return _COMMAND_HANDLERS[args.command](args)
        return _open_gui(build_gui_parser().parse_args(args_list))
    except SystemExit as exc:  # --help and --version end argparse with exit(0)
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except (UsageError, DataError, KMeansInputError) as exc:
        return _fail(str(exc))
    except DeviceError as exc:  # the engine speaks Python (device='gpu'); say it as flags
        text = re.sub(r"device='(\w+)'", r"--device \1", str(exc))
        return _fail(text.replace(" or 'cpu'", " or --device cpu"))
    except KeyboardInterrupt:
        _print_error("interrupted; no output was written")
        return EXIT_INTERRUPTED
    except Terminated:
        _print_error("terminated; no output was written")
        return EXIT_TERMINATED
    except BrokenPipeError:  # e.g. `kmeans-gui cluster ... | head`: the reader left early
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except MemoryError:
        _print_error("out of memory; try fewer rows, fewer columns or a smaller k")
        return EXIT_FAILURE
    except Exception as exc:
        if debug:
            raise
        _print_error(f"internal error: {type(exc).__name__}: {exc}")
        return EXIT_FAILURE


def _fail(message: str) -> int:
    _print_error(message)
    return EXIT_USAGE


def _print_error(message: str) -> None:
    text = " ".join(message.split())  # one line whatever the source
    print(f"error: {text}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"warning: {' '.join(message.split())}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Argument parsing


def build_gui_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kmeans-gui",
        usage=(
            "kmeans-gui [FILE] [-k K] [--screenshot OUT.png]\n"
            "       kmeans-gui cluster FILE -k K [options]\n"
            "       kmeans-gui sweep FILE --k 2:12 [options]"
        ),
        description=(
            "Watch k-means work, iteration by iteration. With no command, open the explorer "
            "(on FILE when given)."
        ),
        epilog=(
            "commands:\n"
            "  cluster   cluster a table without a window; print a summary, write labels\n"
            "  sweep     run k-means for a range of k and print inertia and silhouette\n"
            "Run 'kmeans-gui cluster --help' or 'kmeans-gui sweep --help' for their options."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="table to open (CSV, TSV, ...)")
    parser.add_argument("-k", "--k", type=_positive_int, help="number of clusters to start with")
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
        type=_column_list,
        metavar="A,B,C",
        help="feature columns, comma-separated (default: every numeric column)",
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
    group.add_argument("--n-init", type=_positive_int, default=1, metavar="N", help="restarts")
    group.add_argument("--tol", type=_non_negative_float, default=1e-4, metavar="T")
    group.add_argument("--max-iter", type=_positive_int, default=300, metavar="M")
    group.add_argument("--seed", type=_non_negative_int, metavar="S", help="for reproducible runs")
    group.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    group.add_argument("--algorithm", choices=ALGORITHM_NAMES, default="lloyd")
    group.add_argument("--metric", choices=METRIC_NAMES, default="euclidean")
    group.add_argument("--batch-size", type=_positive_int, metavar="N", help="minibatch only")
    group.add_argument(
        "--learning-rate",
        type=_positive_float,
        metavar="LR",
        help="gradient only: the optimiser's step size. With sgd each step moves a centroid "
        "2 x LR x (its cluster's share of the weight) of the way to its cluster's mean "
        "(default 0.5); with adam steps are about LR standard deviations of the data "
        "(default 0.05). minibatch has none: each centre moves at 1 / (weight it has absorbed)",
    )
    group.add_argument("--optimizer", choices=OPTIMIZERS, help="gradient only")
    group.add_argument(
        "--max-candidates",
        type=_positive_int,
        metavar="N",
        help="kmedoids only: a cluster with more members tries a seeded sample of N of them "
        f"as its medoid instead of all (default {DEFAULT_MAX_CANDIDATES})",
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
        "-k", "--k", "--n-clusters", dest="k", type=_positive_int, required=True, metavar="K"
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
        default="k-means++",
        metavar="METHOD|CENTROIDS.csv",
        help="k-means++ (default), random, uniform, or a table with the feature columns as "
        "header and K rows, in the data's units",
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
        "--overwrite-input",
        action="store_true",
        help="allow --out/--centroids-out to replace the input file",
    )

    sweep = commands.add_parser(
        "sweep",
        parents=[data, engine, output],
        help="run k-means for a range of k (elbow and silhouette)",
        description="Run k-means on FILE for every k in a range and report inertia and silhouette.",
    )
    sweep.add_argument(
        "-k",
        "--k",
        dest="ks",
        type=_k_range,
        required=True,
        metavar="RANGE",
        help="e.g. 2:12 (both ends included), 2:20:2 or 2,3,5,8",
    )
    sweep.add_argument(
        "--init",
        type=_init_method,
        default="k-means++",
        metavar="METHOD",
        help=f"{', '.join(INIT_CHOICES)} (default k-means++)",
    )
    sweep.add_argument(
        "--silhouette-sample",
        type=_positive_int,
        default=10_000,
        metavar="N",
        help="rows the silhouette is computed on (default: 10000)",
    )
    return parser


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 0, not {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not '{text}'") from None


def _non_negative_float(text: str) -> float:
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or positive, not {text}")
    return value


def _positive_float(text: str) -> float:
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


def _init_method(text: str) -> str:
    """One of INIT_CHOICES; a near miss such as 'kmeans++' is answered with the right name."""
    if text in INIT_CHOICES:
        return text
    raise argparse.ArgumentTypeError(f"'{text}' is not an initialiser{_init_hint(text)}")


def _init_match(text: str) -> str | None:
    """The initialiser ``text`` is a near miss of ('kmeans++' -> 'k-means++'), if any."""
    squashed = {re.sub(r"[-_ ]", "", c.lower()): c for c in INIT_CHOICES}
    match = squashed.get(re.sub(r"[-_ ]", "", text.lower()))
    if match is None:
        close = difflib.get_close_matches(text.lower(), INIT_CHOICES, n=1, cutoff=0.6)
        match = close[0] if close else None
    return match


def _init_hint(text: str) -> str:
    """ "; did you mean 'k-means++'?" for a near miss, else the list of choices."""
    match = _init_match(text)
    if match is not None:
        return f"; did you mean '{match}'?"
    return f"; choose {', '.join(INIT_CHOICES)}"


def _column_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("needs at least one column name")
    return names


def _k_range(text: str) -> list[int]:
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


# ---------------------------------------------------------------------------------------------
# The GUI


def _open_gui(args: argparse.Namespace) -> int:
    if args.file is not None:
        path = Path(args.file).expanduser()
        if not path.exists():
            raise DataError(f"No such file: {path}.")
        if path.is_dir():
            raise DataError(f"{path} is a folder, not a file; choose a table file inside it.")
    if args.screenshot is not None:
        folder = Path(args.screenshot).expanduser().parent
        if not folder.is_dir():
            raise DataError(f"Cannot write {args.screenshot}: the folder {folder} does not exist.")
    try:
        from kmeans_gui.app.main import run_app
    except ImportError as exc:
        _print_error(
            f"the GUI cannot start ({exc}); 'kmeans-gui cluster FILE -k K' works without it"
        )
        return EXIT_FAILURE
    return int(run_app(args.file, screenshot=args.screenshot, k=args.k) or 0)


# ---------------------------------------------------------------------------------------------
# Shared steps of cluster and sweep


def _load_features(
    args: argparse.Namespace, reporter: _Progress
) -> tuple[LoadedTable, FeatureMatrix, list[str]]:
    """Load FILE and build the feature matrix; returns the warnings shown along the way."""
    notes: list[str] = []
    table = load_table(args.file, progress=reporter.loading)
    reporter.done()
    columns = [name for group in args.columns for name in group] if args.columns else None
    features = prepare_features(
        table.frame,
        columns,
        missing=args.missing,
        scale=args.scale,
        weight_column=args.weight_column,
    )
    notes += [*table.notes, *features.notes()]
    for note in notes:
        _warn(note)
    return table, features, notes


def _engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments every engine call shares, algorithm parameters only when given."""
    options: dict[str, Any] = {
        "algorithm": args.algorithm,
        "metric": args.metric,
        "n_init": args.n_init,
        "tol": args.tol,
        "max_iter": args.max_iter,
        "seed": args.seed,
        "device": args.device,
    }
    for name in ("batch_size", "learning_rate", "optimizer", "max_candidates"):
        if getattr(args, name) is not None:
            if name not in PARAMETERS[args.algorithm]:
                users = [a for a, params in PARAMETERS.items() if name in params]
                raise UsageError(
                    f"--{name.replace('_', '-')} is for --algorithm {' or '.join(users)}, "
                    f"not {args.algorithm}"
                )
            options[name] = getattr(args, name)
    return options


DISTRIBUTE_CHOICES = ("none", "mirrored", "multi-worker")


def check_distribute(kind: str, algorithm: str = "lloyd") -> None:
    """Refuse, before loading any file, what ``--distribute`` cannot do."""
    if kind != "none" and algorithm != "lloyd":
        raise UsageError(f"--distribute is for --algorithm lloyd, not {algorithm}")
    if kind == "multi-worker" and not os.environ.get("TF_CONFIG"):
        raise DataError(
            "--distribute multi-worker needs TF_CONFIG in the environment (the workers' "
            "host:port list and this process's task), as tf.distribute documents it."
        )


def _make_strategy(kind: str) -> tuple[Any, bool]:
    """The tf.distribute strategy for ``--distribute`` and whether this process is the chief.

    Created before anything else touches TensorFlow: a multi-worker strategy must configure
    the runtime's collectives before the runtime starts. ``check_distribute`` has passed.
    """
    if kind == "none":
        return None, True
    with native_stderr_filtered(quiet_requested()):
        import tensorflow as tf

        if kind == "mirrored":
            return tf.distribute.MirroredStrategy(), True
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    resolver = strategy.cluster_resolver
    chief = resolver.task_type == "chief" or (
        resolver.task_type == "worker"
        and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict()
    )
    return strategy, chief


def _import_engine() -> ModuleType:
    """The engine, imported on first use: TensorFlow takes seconds to load (quietly)."""
    return import_engine()


@dataclass
class _Fit:
    centroids: np.ndarray  # (K, D) in the units of features.X
    labels: np.ndarray  # (n_used,)
    inertia: float
    n_iter: int
    converged: bool
    device: str
    n_relocated: int
    restart_inertias: list[float]
    seconds: float


class _Progress:
    """Progress on stderr: a self-rewriting line on a terminal, a line every few seconds
    otherwise, and nothing for runs that finish within a second or with --quiet."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.interval = PROGRESS_EVERY_S[self.tty]
        self.started = time.perf_counter()
        self.last = self.started
        self.drawn = False

    def restart(self) -> None:
        self.started = self.last = time.perf_counter()

    def show(self, message: str) -> None:
        now = time.perf_counter()
        if (
            not self.enabled
            or now - self.started < PROGRESS_AFTER_S
            or now - self.last < self.interval
        ):
            return
        self.last = now
        if self.tty:
            self.stream.write(f"\r\033[K{message}")
            self.drawn = True
        else:
            self.stream.write(f"{message}\n")
        self.stream.flush()

    def loading(self, fraction: float, message: str) -> None:
        self.show(f"{message} ({fraction:.0%})")

    def done(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False
        self.restart()


def _fit(
    engine: ModuleType,
    features: FeatureMatrix,
    k: int,
    init: str | np.ndarray,
    options: dict[str, Any],
    reporter: _Progress,
) -> _Fit:
    """Fit ``engine.KMeans``, showing every iteration as progress; keeps the best restart."""
    relocated: dict[int, int] = {}  # empty clusters repaired, per restart

    def on_state(state: Any) -> None:
        relocated[state.restart] = relocated.get(state.restart, 0) + state.n_relocated
        restart = (
            f" (restart {state.restart + 1}/{state.n_restarts})" if state.n_restarts > 1 else ""
        )
        reporter.show(
            f"iteration {state.iteration}{restart}: inertia {state.inertia:.6g}, "
            f"{state.n_changed:,} labels changed"
        )

    started = time.perf_counter()
    model = engine.KMeans(k, init=init, **options)
    model.fit(features.X, features.weights, on_state=on_state)
    reporter.done()
    inertias = [float(v) for v in model.restart_inertias_]
    return _Fit(
        centroids=np.asarray(model.cluster_centers_, dtype=np.float64),
        labels=np.asarray(model.labels_),
        inertia=float(model.inertia_),
        n_iter=int(model.n_iter_),
        converged=bool(model.converged_),
        device=str(model.device_),
        n_relocated=relocated.get(int(np.argmin(inertias)), 0),  # the restart fit() kept
        restart_inertias=inertias,
        seconds=time.perf_counter() - started,
    )


def _distinct_points(features: FeatureMatrix, stop_at: int, metric: str) -> int:
    """Distinct rows of the feature matrix as the engine counts them, up to about ``stop_at``.

    Like the engine: rows of weight 0 do not count, and rows are compared in float32 after
    centring (or scaling to unit length for the cosine metric), so rows that differ only below
    float32 resolution are one point.
    """
    X = features.X
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        rows = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    else:
        rows = X - X.mean(axis=0)
    if features.weights is not None:
        rows = rows[features.weights > 0]
    rows = rows.astype(np.float32) + np.float32(0.0)  # -0.0 and 0.0 are one value
    prefix = min(rows.shape[0], max(1024, 8 * stop_at))  # usually decides it on a prefix
    found = int(np.unique(rows[:prefix], axis=0).shape[0])
    if found >= stop_at or prefix == rows.shape[0]:
        return found
    return int(np.unique(rows, axis=0).shape[0])


class _WarningsToStderr:
    """Show Python warnings raised inside (e.g. by the engine) as 'warning: ...' lines, once."""

    def __enter__(self) -> list[str]:
        self._context = warnings.catch_warnings(record=True)
        self._caught = self._context.__enter__()
        warnings.simplefilter("always")
        self.messages: list[str] = []
        return self.messages

    def __exit__(self, *exc_info: object) -> None:
        self._context.__exit__(*exc_info)
        for item in self._caught:
            if issubclass(item.category, DeprecationWarning):
                continue
            message = str(item.message)
            if message not in self.messages:
                self.messages.append(message)
                _warn(message)


def _read_init(path_text: str, features: FeatureMatrix, k: int) -> np.ndarray:
    """Initial centroids from a table file, in the units of ``features.X``."""
    table = load_table(path_text)
    name = table.path.name
    frame = table.frame
    columns = list(features.columns)
    if not table.has_header and frame.shape[1] == len(columns):
        frame = frame.set_axis(columns, axis=1)  # headerless: the columns in feature order
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise DataError(
            f"The initial-centroids file {name} has no "
            f"{'column' if len(absent) == 1 else 'columns'} {', '.join(map(repr, absent))}; "
            f"its header must name the feature columns ({', '.join(columns)})."
        )
    if len(frame) != k:
        raise DataError(
            f"The initial-centroids file {name} has {len(frame)} row(s) but k is {k}; "
            "give one row per cluster."
        )
    try:
        values = np.column_stack([column_as_float(frame, c) for c in columns])
    except DataError as exc:
        text = str(exc)
        raise DataError(
            f"In the initial-centroids file {name}, {text[0].lower()}{text[1:]}"
        ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"The initial-centroids file {name} has a missing or non-finite value in column "
            f"'{columns[col]}' on row {row + 1}."
        )
    return features.to_fit_units(values)


def _json_ready(value: Any) -> Any:
    """NaN and inf become null; NumPy scalars and arrays become plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_ready(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ---------------------------------------------------------------------------------------------
# cluster


def _cluster(args: argparse.Namespace) -> int:
    typo = (  # a near miss of an initialiser, not a missing centroids file
        args.init not in INIT_CHOICES
        and not Path(args.init).expanduser().exists()
        and _init_match(args.init) is not None
    )
    if typo:
        raise UsageError(
            f"argument --init: '{args.init}' is neither an initialiser nor a file"
            f"{_init_hint(args.init)}"
        )
    check_distribute(args.distribute, args.algorithm)
    reporter = _Progress(enabled=not args.quiet)
    table, features, notes = _load_features(args, reporter)
    features.check_k(args.k)
    features.check_float32_range(args.metric, advice=_SCALE_ADVICE)
    outputs = [p for p in (args.out, args.centroids_out) if p is not None]
    checked = [
        check_export_path(p, source=table, overwrite_input=args.overwrite_input)[0] for p in outputs
    ]
    if len(checked) == 2 and checked[0].resolve() == checked[1].resolve():
        raise DataError("--out and --centroids-out name the same file; give two names.")
    k = args.k
    init: str | np.ndarray = args.init
    if args.init not in INIT_CHOICES:
        init = _read_init(args.init, features, k)
    distinct = _distinct_points(features, k, args.metric)
    if distinct < k:
        if not isinstance(init, str):  # the user gave k centroids: lowering k would drop some
            raise DataError(
                f"The data have only {distinct} distinct point(s), fewer than the {k} initial "
                f"centroids in {Path(args.init).name}; give at most {distinct} centroids."
            )
        message = (
            f"only {distinct} distinct points, fewer than k = {k}; clustering with k = {distinct}"
        )
        _warn(message)
        notes.append(message)
        k = distinct
    strategy, chief = _make_strategy(args.distribute)
    engine = _import_engine()
    options = _engine_options(args)
    if strategy is not None:
        options["strategy"] = strategy
    with _WarningsToStderr() as engine_warnings:
        fit = _fit(engine, features, k, init, options, reporter)
    if not chief:  # another worker of a multi-worker run: the chief reports and writes
        return EXIT_OK
    notes += engine_warnings
    if fit.n_relocated:
        message = f"{fit.n_relocated} empty cluster(s) were re-seeded during the run"
        _warn(message)
        notes.append(message)
    if not fit.converged:
        message = (
            f"did not converge within --max-iter {args.max_iter} iterations; "
            "the result is the last state reached"
        )
        _warn(message)
        notes.append(message)

    centroids, distances = centroids_and_distances(
        features,
        fit.labels,
        fit.centroids,
        algorithm=args.algorithm,
        metric=args.metric,
        frame=table.frame,
    )
    sizes = np.bincount(fit.labels, minlength=k)
    written = _write_outputs(args, table, features, fit, centroids, distances, sizes)
    if args.json:
        report = {
            "file": str(table.path),
            "format": table.format,
            "rows": features.n_rows,
            "rows_used": features.n_used,
            "rows_left_out": features.n_left_out,
            "left_out_reasons": features.left_out,
            "cells_imputed": features.n_imputed,
            "columns": list(features.columns),
            "weight_column": features.weight_column,
            "k": k,
            "k_requested": args.k,
            "scale": args.scale,
            "missing": args.missing,
            "init": args.init,
            "algorithm": args.algorithm,
            "metric": args.metric,
            "n_init": args.n_init,
            "seed": args.seed,
            "n_iter": fit.n_iter,
            "converged": fit.converged,
            "inertia": fit.inertia,
            "restart_inertias": fit.restart_inertias,
            "n_relocated": fit.n_relocated,
            "device": fit.device,
            "seconds": fit.seconds,
            "load_seconds": table.seconds,
            "centroids": centroids,
            "sizes": sizes,
            "outputs": written,
            "warnings": notes,
        }
        print(json.dumps(_json_ready(report), allow_nan=False))
        return EXIT_OK

    used = f"{features.n_used:,} of {features.n_rows:,} rows used"
    if features.n_left_out:
        used += f", {features.n_left_out:,} left out"
    state = "converged" if fit.converged else "did NOT converge"
    restarts = f", best of {args.n_init} restarts" if args.n_init > 1 else ""
    units = f" (in {args.scale}-scaled units)" if args.scale != "none" else ""
    lines = [
        f"{table.path.name}: {used}; {counted(len(features.columns), 'feature')} "
        f"({', '.join(features.columns)}); k = {k}",
        f"{state} after {counted(fit.n_iter, 'iteration')}{restarts}; "
        f"inertia {fit.inertia:.10g}{units}",
        f"device {fit.device}, {fit.seconds:.2f} s",
        f"cluster sizes: {', '.join(f'{int(s):,}' for s in sizes)}",
    ]
    if k <= CENTROID_TABLE_LIMIT:
        frame = centroid_frame(features, centroids, sizes, user_units=True)
        # 10 significant digits: GPS coordinates to the centimetre
        lines += ["centroids:", frame.to_string(index=False, float_format=lambda v: f"{v:.10g}")]
    for kind, path_text in written.items():
        lines.append(f"wrote {kind} to {path_text}")
    print("\n".join(lines))
    return EXIT_OK


def _write_outputs(
    args: argparse.Namespace,
    table: LoadedTable,
    features: FeatureMatrix,
    fit: _Fit,
    centroids: np.ndarray,
    distances: np.ndarray,
    sizes: np.ndarray,
) -> dict[str, str]:
    """Write --out and --centroids-out together: both files appear, or neither changes."""
    planned = {}
    if args.out:
        planned["labelled"] = plan_write(
            labelled_frame(table.frame, features, fit.labels, distances),
            args.out,
            source=table,
            overwrite_input=args.overwrite_input,
            sheet_name="clusters",
        )
    if args.centroids_out:
        planned["centroids"] = plan_write(
            centroid_frame(features, centroids, sizes, user_units=True),
            args.centroids_out,
            source=table,
            overwrite_input=args.overwrite_input,
            sheet_name="centroids",
        )
    paths = write_all(list(planned.values()))
    return {kind: str(path) for kind, path in zip(planned, paths, strict=True)}


# ---------------------------------------------------------------------------------------------
# sweep


def _sweep(args: argparse.Namespace) -> int:
    reporter = _Progress(enabled=not args.quiet)
    _, features, _ = _load_features(args, reporter)
    features.check_k(max(args.ks))
    features.check_float32_range(args.metric, advice=_SCALE_ADVICE)
    engine = _import_engine()
    options = _engine_options(args)
    points = []
    header = f"{'k':>4}  {'inertia':>14}  {'silhouette':>10}  {'sample':>7}  {'iters':>5}  {'s':>7}"
    with _WarningsToStderr():
        stream = engine.sweep(
            features.X,
            args.ks,
            init=args.init,
            sample_weight=features.weights,
            silhouette_sample=args.silhouette_sample,
            **options,
        )
        for point in stream:
            points.append(point)
            if args.json:  # the table itself shows progress otherwise
                reporter.show(f"k = {point.k} done ({len(points)} of {len(args.ks)})")
            else:
                if len(points) == 1:
                    print(header)
                print(
                    f"{point.k:>4}  {point.inertia:>14.6g}  {_silhouette(point.silhouette):>10}  "
                    f"{point.sample_size:>7}  {point.n_iter:>5}  {point.seconds:>7.2f}",
                    flush=True,
                )
    if args.json:
        rows = [
            {
                "k": p.k,
                "inertia": p.inertia,
                "silhouette": p.silhouette,
                "sample_size": p.sample_size,
                "n_iter": p.n_iter,
                "seconds": p.seconds,
            }
            for p in points
        ]
        print(json.dumps(_json_ready(rows), allow_nan=False))
    return EXIT_OK


def _silhouette(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "-"


_COMMAND_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "cluster": _cluster,
    "sweep": _sweep,
}
