"""The data layer's one exception (a file or a choice of columns that cannot be used as asked)
and the wording its sentences share."""


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
