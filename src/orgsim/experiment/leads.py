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


def check_leads_path(path: str | Path) -> Path:
    """The output path if its suffix is a known format and its folder is writable (else InputError)."""
    path = Path(path)
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
    return path


def write_leads(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the per-lead table to ``path`` (Parquet or CSV by suffix), atomically."""
    path = check_leads_path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if path.suffix.lower() == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
