"""``python -m orgsim`` and the ``orgsim`` command (its entry point).

Ctrl-C while the command line is still loading ends with one line, not a traceback: until
:func:`orgsim.cli.main` takes over (it reports an interruption itself), SIGINT exits at once.
"""

from __future__ import annotations

import _signal  # the C module: ready at once, where `signal` first builds its enums
import os
import sys
from typing import Any


def _interrupted_while_loading(signum: int, frame: Any) -> None:
    sys.stderr.write("orgsim: interrupted\n")
    sys.stderr.flush()
    os._exit(130)


def main() -> None:
    """Load the command line with Ctrl-C answered quietly, then run it."""
    watching = _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler  # not if ignored
    if watching:
        _signal.signal(_signal.SIGINT, _interrupted_while_loading)
    from orgsim.cli import main as cli_main

    if watching:
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    try:
        cli_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code and "pyarrow" in sys.modules:
            # An error exit after Parquet was read: skip the interpreter's teardown, where
            # Arrow's thread pool can abort the process (SIGABRT, apache/arrow#34314) after
            # the one-line error was printed. Writers have cleaned up before SystemExit.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        raise


if __name__ == "__main__":
    main()
