"""The command line's exit statuses, as a shell reads them."""

EXIT_OK = 0
EXIT_FAILURE = 1  # the environment failed us (no GUI, out of memory, an internal error)
EXIT_USAGE = 2  # bad arguments or data: the user can fix it
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
