"""The ``kmeans-gui`` command: open the explorer, or cluster and sweep a table without a window.

``kmeans-gui [FILE]`` opens the GUI; ``kmeans-gui cluster`` and ``kmeans-gui sweep`` run the
engine headless on the data layer. TensorFlow and Qt are imported only when needed, so ``--help``
and argument errors answer at once. Every problem with the input prints one line
``error: <sentence>`` on stderr and exits with status 2, without a traceback and without
writing any output file; warnings go to stderr and leave the exit status alone. Anything
unexpected prints ``error: internal error: <type>: <message>`` and exits with status 1; ``--debug``
(or ``KMEANS_GUI_DEBUG=1``) shows its traceback instead.

The package, one module per idea: ``entry`` (``main``, exit codes, signals), ``arguments``
(parsers and the validation of values), ``progress`` (progress and warnings on stderr),
``fitting`` (loading features and fitting, shared by the commands), ``output`` (messages and
JSON), and one module per command (``cluster``, ``sweep``, ``predict``, ``gui``), with
``model_out`` for ``cluster --model-out``.
"""

from .entry import main
from .exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "main"]
