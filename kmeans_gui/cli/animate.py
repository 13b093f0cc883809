"""``kmeans-gui animate FILE -k K --out RUN.gif|RUN.mp4``: a run as an animation, headless.

The engine runs as for ``cluster`` (same loading, options and initial centroids), its states are
kept as the window keeps them (:class:`~kmeans_gui.app.history.RunHistory`), and the frames are
drawn offscreen by the window's own scatter view, legend and title line
(:class:`~kmeans_gui.app.animation.FrameRenderer`, Qt's offscreen platform), then encoded
atomically. Of several restarts the best is animated. The output name, size and frame rate are
checked before anything is loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from kmeans_gui.data import DataError, FeatureMatrix
from kmeans_gui.engine.choices import INIT_CHOICES

from .arguments import UsageError, check_init_choice, positive_float, positive_int
from .exit_codes import EXIT_OK
from .fitting import (
    SCALE_ADVICE,
    engine_options,
    load_engine,
    load_features,
    progress_line,
    read_init,
)
from .output import json_ready
from .progress import Progress, WarningsToStderr

DEFAULT_SIZE = (960, 720)
DEFAULT_FPS = 4.0


def frame_dimensions(text: str) -> tuple[int, int]:
    """'960x720' -> (960, 720)."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size such as 960x720")
    return int(match.group(1)), int(match.group(2))


def frame_rate(text: str) -> float:
    from kmeans_gui.app.animation_file import MAX_FPS

    value = positive_float(text)
    if value > MAX_FPS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_FPS:g} frames a second, not {text}")
    return value


def add_animate_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """The ``animate`` subcommand: ``parents`` are the data, k-means and output options."""
    animate = commands.add_parser(
        "animate",
        parents=parents,
        help="cluster a table and write the run as a GIF or MP4",
        description="Cluster FILE into K clusters and write every iteration as a frame of an "
        "animated GIF or an MP4 video, drawn as the window draws it (points, centroid trails, "
        "legend, iteration and inertia).",
    )
    animate.add_argument(
        "-k", "--k", "--n-clusters", dest="k", type=positive_int, required=True, metavar="K"
    )
    animate.add_argument(
        "--init",
        default="k-means++",
        metavar="METHOD|CENTROIDS.csv",
        help="k-means++ (default), random, uniform, or a table with the feature columns as "
        "header and K rows, in the data's units",
    )
    animate.add_argument(
        "--out", required=True, metavar="RUN.gif|RUN.mp4", help="the animation to write"
    )
    animate.add_argument(
        "--fps",
        type=frame_rate,
        default=DEFAULT_FPS,
        metavar="N",
        help=f"frames a second (default {DEFAULT_FPS:g})",
    )
    animate.add_argument(
        "--size",
        type=frame_dimensions,
        default=DEFAULT_SIZE,
        metavar="WxH",
        help=f"frame size in pixels (default {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}; "
        "MP4 rounds odd sides down to even)",
    )
    animate.add_argument(
        "--half-steps",
        action="store_true",
        help="two frames per iteration: the assignment (points recolour), then the update "
        "(centroids move to their members' means); lloyd only",
    )
    animate.add_argument(
        "--plot",
        metavar="A,B|pca",
        help="what the axes show: two feature columns, or pca for the first two principal "
        "components (default: the features when there are two, else pca)",
    )
    animate.add_argument(
        "--voronoi",
        action="store_true",
        help="tint the plane by nearest centroid (when the plot shows the only two features)",
    )


def run_animate(args: argparse.Namespace) -> int:
    from kmeans_gui.app.animation_file import check_animation_path, frame_size

    target, fmt = check_animation_path(args.out)  # before any work
    size = frame_size(fmt, *args.size)
    if args.half_steps and args.algorithm != "lloyd":
        raise UsageError(
            f"--half-steps is for --algorithm lloyd (assignment, then the mean update), "
            f"not {args.algorithm}"
        )
    check_init_choice(args.init)
    started = time.perf_counter()
    reporter = Progress(enabled=not args.quiet)
    table, features, _notes = load_features(args, reporter)
    features.check_k(args.k)
    features.check_float32_range(args.metric, advice=SCALE_ADVICE)
    plot = _plot_choice(args.plot, features)
    if args.voronoi and not (plot is not None and features.X.shape[1] == 2 and plot[0] != plot[1]):
        raise UsageError(
            "--voronoi needs a plot of the only two features: with more, the plane's regions "
            "are not the clusters' (choose two with --columns A,B)"
        )
    init: str | np.ndarray = args.init
    if args.init not in INIT_CHOICES:
        init = read_init(args.init, features, args.k)
    engine = load_engine()
    history = _run(engine, features, args.k, init, engine_options(args), reporter)
    best = history.best_restart()
    first, last = history.restart_range(best if best is not None else 0)
    space = _plot_space(plot, features)
    init_name = args.init if args.init in INIT_CHOICES else Path(args.init).name
    frames = _render(
        args, table.path.name, history, space, init_name, size, fmt, target, first, last
    )
    final = history.frames[last]
    if args.json:
        report = {
            "file": str(table.path),
            "out": str(target),
            "format": fmt,
            "frames": frames,
            "fps": args.fps,
            "size": list(size),
            "half_steps": args.half_steps,
            "k": len(final.centroids),
            "n_iter": final.iteration,
            "inertia": final.inertia,
            "seconds": time.perf_counter() - started,
        }
        print(json.dumps(json_ready(report), allow_nan=False))
    else:
        print(
            f"wrote {frames} frames ({size[0]}x{size[1]}, {frames / args.fps:.1f} s at "
            f"{args.fps:g} frames a second) to {target}; iteration {final.iteration}, "
            f"inertia {final.inertia:.10g}"
        )
    return EXIT_OK


def _plot_choice(text: str | None, features: FeatureMatrix) -> tuple[int, int] | None:
    """Feature indices for the axes, or None for principal components."""
    columns = list(features.columns)
    if text is None:
        return (0, min(1, len(columns) - 1)) if len(columns) <= 2 else None
    if text.strip().lower() == "pca":
        if len(columns) < 2:
            raise UsageError("--plot pca needs at least two feature columns")
        return None
    names = [n.strip() for n in text.split(",")]
    if len(names) != 2:
        raise UsageError(f"--plot takes two feature columns such as A,B, or pca; not '{text}'")
    absent = [n for n in names if n not in columns]
    if absent:
        raise DataError(
            f"--plot names {absent[0]!r}, which is not a feature column; "
            f"choose two of {', '.join(columns)}."
        )
    return columns.index(names[0]), columns.index(names[1])


def _plot_space(plot: tuple[int, int] | None, features: FeatureMatrix) -> Any:
    from kmeans_gui.app.plot_space import PlotSpace

    if plot is not None:
        return PlotSpace.of_features(features, *plot)
    from kmeans_gui.engine_host.jobs import projection

    result = projection(features.X, features.weights)
    return PlotSpace.of_components(
        features, result["scores"], result["affine"], result["explained"]
    )


def _run(
    engine: Any,
    features: FeatureMatrix,
    k: int,
    init: str | np.ndarray,
    options: dict[str, Any],
    reporter: Progress,
) -> Any:
    """Every state of the run, kept compactly as the window keeps them."""
    from kmeans_gui.app.history import RunHistory

    history = RunHistory()
    with WarningsToStderr():
        for state in engine.iterate(
            features.X, k, init=init, sample_weight=features.weights, **options
        ):
            history.append(state)
            reporter.show(progress_line(state))
    reporter.done()
    return history


def _render(
    args: argparse.Namespace,
    file_name: str,
    history: Any,
    space: Any,
    init_name: str,
    size: tuple[int, int],
    fmt: str,
    target: Path,
    first: int,
    last: int,
) -> int:
    """Draw and encode the frames offscreen; returns how many were written."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # headless, whatever display there is
        app = QApplication([sys.argv[0]])
    from kmeans_gui.app.animation import FrameLook, FrameRenderer, render_all
    from kmeans_gui.app.animation_file import write_animation
    from kmeans_gui.app.animation_frames import frame_steps
    from kmeans_gui.app.main import _quiet_qt
    from kmeans_gui.app.plot_export import RunTitle

    final = history.frames[last]
    title = RunTitle(file_name, len(final.centroids), args.algorithm, init_name, args.metric)
    steps = frame_steps(first, last, args.half_steps)
    reporter = Progress(enabled=not args.quiet)
    with _quiet_qt():
        renderer = FrameRenderer(history, space, title, size, FrameLook(voronoi=args.voronoi))
        try:
            write_animation(
                target,
                fmt,
                args.fps,
                render_all(renderer, steps),
                lambda n: reporter.show(f"frame {n} of {len(steps)}"),
            )
        finally:
            renderer.close()
            app.processEvents()
    reporter.done()
    return len(steps)
