"""Ctrl-C seen during a command, shared by the handlers that catch it (the CLI's, a sweep's).

A Ctrl-C to the process group ends the worker processes at once, so the parent may first see
a broken pool and only then its own SIGINT; every handler notes the signal here, and a broken
pool after one is reported as an interruption (exit code 130), not as a failure.
"""

from __future__ import annotations

SIGNALS: list[int] = []


def note(signum: int) -> int:
    """Remember that ``signum`` arrived; return how many have arrived."""
    SIGNALS.append(signum)
    return len(SIGNALS)


def seen() -> bool:
    """True once Ctrl-C (or SIGTERM) reached this process during the command."""
    return bool(SIGNALS)
