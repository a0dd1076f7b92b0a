"""Sweep storage: tidy Parquet written in atomic chunks, and a manifest.

Layout of a sweep's output directory::

    DIR/manifest.json          the experiment (and its hash), versions, start/end, run count
    DIR/runs/part-000000.parquet   one row per run: ids, seed, status, error, elapsed, factors,
                                   every measure of RunResult.flat()
    DIR/series/part-000000.parquet per-day series (run_id, day, ...) when the experiment asks

Every file is written to a temporary name and renamed into place, so a crash or a kill leaves
only whole files: a directory is always consistent and a sweep resumes from what it holds.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orgsim.errors import InputError

RUNS = "runs"
SERIES = "series"
MANIFEST = "manifest.json"
PACKAGES = ("orgsim", "mesa", "numpy", "pandas", "pyarrow", "SALib", "scipy", "dask", "distributed")


def now() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    """Versions of Python and the packages that decide or record the results."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically."""
    blob = json.dumps(manifest, indent=2, sort_keys=False, default=str, allow_nan=False)
    write_atomic(out_dir / MANIFEST, blob.encode())


def load_manifest(out_dir: str | Path) -> dict[str, Any]:
    """A sweep directory's manifest."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise InputError(f"{path}: not found (is {out_dir} the --out DIR of `orgsim sweep`?)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: malformed JSON: {exc}") from None


def _parts(out_dir: Path, kind: str) -> list[Path]:
    return sorted((out_dir / kind).glob("part-*.parquet"))


class ChunkWriter:
    """Appends rows as numbered Parquet parts, each written atomically, with a fixed schema."""

    def __init__(self, out_dir: Path, kind: str, schema: pa.Schema | None = None) -> None:
        self.dir = out_dir / kind
        self.schema = schema
        existing = _parts(out_dir, kind)
        self.next = int(existing[-1].stem.split("-")[1]) + 1 if existing else 0

    def write(self, table: pa.Table) -> None:
        """Write one part."""
        if table.num_rows == 0:
            return
        if self.schema is not None:
            table = table.select(self.schema.names).cast(self.schema)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        write_atomic(self.dir / f"part-{self.next:06d}.parquet", sink.getvalue().to_pybytes())
        self.next += 1

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        """Write rows (dicts) as one part."""
        if rows:
            self.write(pa.Table.from_pylist(rows, schema=self.schema))


def completed_run_ids(out_dir: Path) -> set[int]:
    """Run ids already stored (only whole parts exist, so these runs are complete)."""
    done: set[int] = set()
    for part in _parts(out_dir, RUNS):
        done.update(pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist())
    return done


def _read(out_dir: Path, kind: str, columns: Iterable[str] | None = None) -> pd.DataFrame | None:
    parts = _parts(out_dir, kind)
    if not parts:
        return None
    cols = list(columns) if columns is not None else None
    frames = [pq.read_table(p, columns=cols).to_pandas() for p in parts]
    return pd.concat(frames, ignore_index=True)


def load_runs(out_dir: str | Path, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """All runs of a sweep as one DataFrame, one row per run, sorted by run id."""
    out_dir = Path(out_dir)
    frame = _read(out_dir, RUNS, columns)
    if frame is None:
        raise InputError(f"{out_dir / RUNS}: no part-*.parquet files (has the sweep written any run yet?)")
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def load_series(out_dir: str | Path) -> pd.DataFrame | None:
    """The per-day series of a sweep (run_id, day, ...), or None if none were recorded."""
    frame = _read(Path(out_dir), SERIES)
    if frame is None:
        return None
    return frame.sort_values(["run_id", "day"], kind="stable").reset_index(drop=True)
