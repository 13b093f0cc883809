"""The data layer's one exception (a file or a choice of columns that cannot be used as asked)
and the wording its sentences share."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """A problem with the user's data, described in one sentence that says what and where.

    The command line prints it as ``error: <sentence>``; the GUI shows it in a dialog. The text
    names the file, line, row or column involved so the user can fix it without a traceback.
    """


def counted(n: int, noun: str) -> str:
    """'1 field', '3 fields': sentences say counts in the singular when there is one."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, without its full stop, to end a sentence with."""
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".") if text else type(exc).__name__


def cannot_read(file: Path, exc: OSError) -> DataError:
    """The error for an OSError met while reading ``file``: raise it ``from None``."""
    return DataError(f"Cannot read {file}: {exc.strerror or exc}.")


def only_blank_lines(file: Path) -> DataError:
    """The error for a text file without a single non-blank line."""
    return DataError(f"{file.name} holds no table (only blank lines).")


def require_openpyxl(action: str) -> None:
    """Raise unless the optional openpyxl is installed; ``action`` is "Reading" or "Writing"."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise DataError(
            f"{action} Excel files needs the optional openpyxl package: "
            "pip install 'kmeans-gui[excel]'."
        ) from None
