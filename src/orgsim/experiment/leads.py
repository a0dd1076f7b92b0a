"""Per-lead micro-data out: one row per lead of a run (``orgsim run --leads FILE``).

The columns and their meaning are :data:`orgsim.model.lifecycle.LEAD_COLUMNS`; the format
follows the file's suffix (``.parquet`` or ``.csv``). Files are written atomically: a temporary
file in the same folder, renamed into place, so a crash never leaves half a table.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from orgsim.errors import InputError

FORMATS = (".parquet", ".csv")


def check_leads_path(path: str | Path, force: bool = False) -> Path:
    """The output path if its suffix is a known format and its folder is writable (else InputError).

    An existing file is refused unless ``force`` (see :func:`orgsim.outputs.prepare_output`).
    """
    from orgsim.outputs import prepare_output

    path = prepare_output(path, "--leads", kind="file", force=True)  # name checks; existence below
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            f"--leads: {str(path)!r} has no known format; use a name ending in {' or '.join(FORMATS)}"
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"--leads: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(f"--leads: folder {str(folder)!r} is not writable")
    if path.is_dir():
        raise InputError(f"--leads: {str(path)!r} is a folder; give a file name")
    return prepare_output(path, "--leads", kind="file", force=force)


def write_leads(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the per-lead table to ``path`` (Parquet or CSV by suffix), atomically."""
    path = check_leads_path(path, force=True)  # the caller checked up front (before the run)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if path.suffix.lower() == ".csv":
            from orgsim.outputs import csv_safe

            csv_safe(table).to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
