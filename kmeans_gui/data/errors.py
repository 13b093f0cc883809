"""The data layer's one exception: a file or a choice of columns that cannot be used as asked."""


class DataError(ValueError):
    """A problem with the user's data, described in one sentence that says what and where.

    The command line prints it as ``error: <sentence>``; the GUI shows it in a dialog. The text
    names the file, line, row or column involved so the user can fix it without a traceback.
    """
