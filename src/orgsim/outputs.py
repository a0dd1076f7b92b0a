"""Output directories of reports: never overwrite a user's files, and fail before the work.

``orgsim compare --out DIR`` and ``orgsim report --out DIR`` write ``report.html``,
``summary.csv``, ``runs.csv`` and ``charts/``. They write only into a directory that is new,
empty, a sweep directory, or one orgsim wrote a report into before (it holds :data:`MARKER`);
anything else is refused with one line, exit code 2, before a single run starts. The location
is also probed for writing up front, so results are never lost at the last step.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from orgsim.errors import InputError

MARKER = ".orgsim-report"  # written into every directory orgsim writes a report into
SWEEP_MANIFEST = "manifest.json"


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _nearest_existing(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if parent.exists():
            return parent
    return Path(".")


def check_writable(path: Path, flag: str = "--out", name: Path | None = None) -> None:
    """Raise InputError unless a directory can be created (or written) at ``path``.

    Probes by creating and removing a temporary directory, so permissions, read-only
    mounts and a file in the way are all caught (checking mode bits alone is not enough).
    ``name`` is what the message names (a file to be written in ``path``), default ``path``.
    """
    shown = path if name is None else name
    base = _nearest_existing(path)
    if not base.is_dir():
        raise InputError(f"{flag}: {shown}: {base} is a file, not a directory")
    try:
        probe = tempfile.mkdtemp(prefix=".orgsim-probe-", dir=base)
        os.rmdir(probe)
    except OSError as exc:
        raise InputError(f"{flag}: {shown}: cannot write there ({_why(exc)})") from None
    if base != path:  # the directories still to create: their names must be valid
        try:
            rel = path.relative_to(base)
        except ValueError:
            return
        for part in rel.parts:
            if len(part.encode()) > 255:
                raise InputError(f"{flag}: {shown}: a directory name is longer than 255 bytes")


def check_report_dir(path: str | Path, flag: str = "--out") -> Path:
    """The report directory ``path`` if orgsim may write a report into it, else InputError.

    Allowed: a new or empty directory, a sweep directory (it holds ``manifest.json``), or a
    directory holding an earlier orgsim report (:data:`MARKER`).
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"{flag}: {out} is a file, not a directory")
    if out.is_dir():
        try:
            entries = [p.name for p in out.iterdir()]
        except OSError as exc:
            raise InputError(f"{flag}: {out}: cannot read it ({_why(exc)})") from None
        ours = MARKER in entries or SWEEP_MANIFEST in entries
        if entries and not ours:
            shown = ", ".join(sorted(entries)[:4]) + (", ..." if len(entries) > 4 else "")
            raise InputError(
                f"{flag}: {out} already holds files orgsim did not write ({shown}); "
                "use an empty or new directory"
            )
    check_writable(out, flag)
    return out


def claim_report_dir(path: str | Path, flag: str = "--out") -> Path:
    """Check ``path`` (see :func:`check_report_dir`), create it and mark it as an orgsim report's."""
    out = check_report_dir(path, flag)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text("This directory holds a report written by orgsim.\n")
    except OSError as exc:
        raise InputError(f"{flag}: {out}: cannot write there ({_why(exc)})") from None
    return out
