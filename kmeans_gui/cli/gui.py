"""``kmeans-gui [FILE]``: check what the window is given, then open it (Qt loads only here)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kmeans_gui.data import DataError

from .exit_codes import EXIT_FAILURE
from .output import print_error


def open_gui(args: argparse.Namespace) -> int:
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
        from kmeans_gui.app.display_check import window_problem
        from kmeans_gui.app.main import run_app
    except ImportError as exc:
        print_error(
            f"the GUI cannot start ({exc}); 'kmeans-gui cluster FILE -k K' works without it"
        )
        return EXIT_FAILURE
    problem = None if args.screenshot else window_problem()
    if problem:  # Qt would abort the process with a message that names the wrong library
        print_error(problem)
        return EXIT_FAILURE
    return int(run_app(args.file, screenshot=args.screenshot, k=args.k) or 0)
