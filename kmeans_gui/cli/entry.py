"""``main``: parse, dispatch to a command, and turn every way it can end into an exit status
and at most one line on stderr."""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress

from kmeans_gui.data import DataError
from kmeans_gui.engine.errors import DeviceError, KMeansInputError

from .animate import run_animate
from .arguments import COMMANDS, UsageError, build_command_parser, build_gui_parser
from .cluster import run_cluster
from .exit_codes import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
)
from .gui import open_gui
from .output import print_error
from .predict import run_predict
from .sweep import run_sweep

COMMAND_HANDLERS: dict[str, Callable] = {
    "cluster": run_cluster,
    "sweep": run_sweep,
    "predict": run_predict,
    "animate": run_animate,
}


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
                return COMMAND_HANDLERS[args.command](args)
        return open_gui(build_gui_parser().parse_args(args_list))
    except SystemExit as exc:  # --help and --version end argparse with exit(0)
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except (UsageError, DataError, KMeansInputError) as exc:
        print_error(str(exc))
        return EXIT_USAGE
    except DeviceError as exc:  # the engine speaks Python (device='gpu'); say it as flags
        text = re.sub(r"device='(\w+)'", r"--device \1", str(exc))
        print_error(text.replace(" or 'cpu'", " or --device cpu"))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print_error("interrupted; no output was written")
        return EXIT_INTERRUPTED
    except Terminated:
        print_error("terminated; no output was written")
        return EXIT_TERMINATED
    except BrokenPipeError:  # e.g. `kmeans-gui cluster ... | head`: the reader left early
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except MemoryError:
        print_error("out of memory; try fewer rows, fewer columns or a smaller k")
        return EXIT_FAILURE
    except Exception as exc:
        if debug:
            raise
        print_error(f"internal error: {type(exc).__name__}: {exc}")
        return EXIT_FAILURE
