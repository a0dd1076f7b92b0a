"""Sweep storage: tidy Parquet written in atomic chunks, and a manifest.

Layout of a sweep's output directory::

    DIR/manifest.json          the experiment (and its hash), versions, start/end, run count
    DIR/runs/part-000000.<crc32>.parquet   one row per run: ids, seed, status, error, elapsed,
                                   factors, every measure of RunResult.flat()
    DIR/series/part-000000.<crc32>.parquet per-day series (run_id, day, ...) when asked
    DIR/.lock                  held (flock) by the sweep writing here; released when it ends

Parts carry page checksums and the CRC-32 of their bytes in their name; a part that fails
either is reported by name (:class:`DamagedPartError`) and set aside when the sweep resumes,
so its runs run again. Every file is written to a temporary name and renamed into place, so a
crash or a kill leaves only whole files: a directory is always consistent and a sweep resumes
from what it holds.
A run's series part is written before its runs part, so a kill between the two can leave
series of a run that is not stored yet; it is run again on resume and :func:`load_series`
keeps one copy of each run's days, and only for stored runs.
"""

from __future__ import annotations

import json
import os
import platform
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orgsim.errors import InputError
from orgsim.experiment.manifest import Manifest
from orgsim.outputs import file_mode, write_atomic

RUNS = "runs"
SERIES = "series"
MANIFEST = "manifest.json"
LOCK = ".lock"
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


def write_manifest(out_dir: Path, manifest: Manifest) -> None:
    """Write the manifest atomically (its JSON form, :meth:`Manifest.to_dict`, sealed with its hash)."""
    from orgsim.outputs import seal

    body = json.loads(json.dumps(manifest.to_dict(), default=str, allow_nan=False))  # the JSON values hashed
    blob = json.dumps(seal(body), indent=2, sort_keys=False, allow_nan=False)
    write_atomic(out_dir / MANIFEST, blob.encode())


def load_manifest(out_dir: str | Path) -> Manifest:
    """A sweep directory's manifest, checked (one-line InputError for a missing or wrong-shape file)."""
    path = Path(out_dir) / MANIFEST
    if not Path(out_dir).is_dir():
        raise InputError(
            f"{path}: not found ({out_dir} is not a directory; give the --out DIR of `orgsim sweep`)"
        )
    if not path.is_file():
        n_parts = len(list((Path(out_dir) / RUNS).glob("part-*.parquet")))
        if n_parts:  # deleted, most likely: the runs are still there
            raise InputError(
                f"{path}: not found (deleted?), but {n_parts} part(s) of stored runs are in {out_dir}: "
                f"orgsim.load_runs({str(out_dir)!r}) reads them; restore {MANIFEST} to analyze or resume"
            )
        raise InputError(f"{path}: not found (is {out_dir} the --out DIR of `orgsim sweep`?)")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: malformed JSON: {exc}") from None
    from orgsim.outputs import HASH_KEY, check_sealed

    check_sealed(data, path)  # a digit changed by hand would state the wrong levels
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != HASH_KEY}
    return Manifest.from_dict(data, source=str(path))


DAMAGED = ".damaged"  # suffix a damaged part is renamed to on resume (kept for inspection)


class DamagedPartError(InputError):
    """A Parquet part that cannot be read back intact (truncated, emptied, bits flipped)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        sweep_dir = path.parent.parent
        super().__init__(
            f"{path}: damaged ({reason}); run the same `orgsim sweep ... --out {sweep_dir}` again "
            "to set it aside and re-run its runs"
        )


def _parts(out_dir: Path, kind: str) -> list[Path]:
    return sorted((out_dir / kind).glob("part-*.parquet"))


def part_name(index: int, blob: bytes) -> str:
    """A part's file name: its number and the CRC-32 of its bytes, ``part-000003.1a2b3c4d.parquet``.

    Page checksums cover the data pages only; the name's CRC covers every byte, footer and
    schema included, so no flipped bit reads back as a changed value or column name.
    """
    return f"part-{index:06d}.{zlib.crc32(blob):08x}.parquet"


def part_index(path: Path) -> int:
    """The number of a part from its name (with or without the CRC)."""
    return int(path.name.split(".")[0].split("-")[1])


def read_part(path: Path, columns: Iterable[str] | None = None) -> pa.Table:
    """One Parquet part, verified (CRC of its name, page checksums); else :class:`DamagedPartError`."""
    cols = list(columns) if columns is not None else None
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise DamagedPartError(path, f"cannot read it: {exc.strerror}") from None
    fields = path.name.split(".")
    if len(fields) == 3 and f"{zlib.crc32(blob):08x}" != fields[1]:  # parts written before: no CRC
        raise DamagedPartError(path, "its bytes changed since it was written (CRC-32 mismatch)")
    try:
        # One thread: parts are small, and Arrow's thread pool torn down at exit can abort the
        # process (SIGABRT, "terminate called without an active exception") after an error.
        return pq.read_table(
            pa.BufferReader(blob), columns=cols, page_checksum_verification=True, use_threads=False
        )
    except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DamagedPartError(path, reason[:200]) from None


class ChunkWriter:
    """Appends rows as numbered Parquet parts, each written atomically, with a fixed schema."""

    def __init__(self, out_dir: Path, kind: str, schema: pa.Schema | None = None) -> None:
        self.dir = out_dir / kind
        self.schema = schema
        existing = _parts(out_dir, kind)
        self.next = max(part_index(p) for p in existing) + 1 if existing else 0

    def write(self, table: pa.Table) -> None:
        """Write one part."""
        if table.num_rows == 0:
            return
        if self.schema is not None:
            table = table.select(self.schema.names).cast(self.schema)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd", write_page_checksum=True)
        blob = sink.getvalue().to_pybytes()
        write_atomic(self.dir / part_name(self.next, blob), blob)
        self.next += 1

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        """Write rows (dicts) as one part."""
        if rows:
            self.write(pa.Table.from_pylist(rows, schema=self.schema))


def set_aside_damaged(out_dir: Path) -> list[Path]:
    """Rename every damaged part (runs and series) to ``*.parquet.damaged``; returns the new paths.

    Its runs are then missing, so a resumed sweep runs them again.
    """
    moved = []
    for kind in (RUNS, SERIES):
        for part in _parts(out_dir, kind):
            try:
                read_part(part)
            except DamagedPartError:
                target = part.with_name(part.name + DAMAGED)
                os.replace(part, target)
                moved.append(target)
    return moved


def completed_run_ids(out_dir: Path) -> set[int]:
    """Run ids already stored (only whole parts exist, so these runs are complete)."""
    done: set[int] = set()
    for part in _parts(out_dir, RUNS):
        done.update(read_part(part, ["run_id"]).column("run_id").to_pylist())
    return done


def completed_mask(out_dir: Path, n_runs: int) -> np.ndarray:
    """A bool per run id in ``[0, n_runs)``: True if stored (memory: one byte per run)."""
    done = np.zeros(n_runs, dtype=bool)
    for part in _parts(out_dir, RUNS):
        ids = read_part(part, ["run_id"]).column("run_id").to_numpy()
        done[ids[(ids >= 0) & (ids < n_runs)]] = True
    return done


def status_counts(out_dir: Path) -> dict[str, int]:
    """Stored runs by status, e.g. ``{"ok": 1998, "error": 2}`` (a run stored twice counts once)."""
    frame = _read(out_dir, RUNS, ["run_id", "status"])
    if frame is None:
        return {}
    frame = frame.drop_duplicates("run_id", keep="last")
    return {str(k): int(v) for k, v in frame["status"].value_counts(sort=False).items()}


def _read(out_dir: Path, kind: str, columns: Iterable[str] | None = None) -> pd.DataFrame | None:
    parts = _parts(out_dir, kind)
    if not parts:
        return None
    frames = [read_part(p, columns).to_pandas(use_threads=False) for p in parts]
    return pd.concat(frames, ignore_index=True)


def load_runs(out_dir: str | Path, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """All runs of a sweep as one DataFrame, one row per run, sorted by run id."""
    out_dir = Path(out_dir)
    cols = None if columns is None else list(dict.fromkeys(["run_id", *columns]))
    frame = _read(out_dir, RUNS, cols)
    if frame is None:
        raise InputError(f"{out_dir / RUNS}: no part-*.parquet files (has the sweep written any run yet?)")
    # a run re-run after its series part was found damaged is stored twice: keep the later copy
    frame = frame.drop_duplicates("run_id", keep="last").sort_values("run_id", kind="stable")
    if columns is not None:
        frame = frame[list(columns)]
    return frame.reset_index(drop=True)


def load_series(out_dir: str | Path) -> pd.DataFrame | None:
    """The per-day series of a sweep (run_id, day, ...) of its stored runs, or None if none.

    One row per run and day: a copy left by a kill between a series part and its runs part
    (that run was run again on resume) is dropped, as are series of runs not stored yet.
    """
    out_dir = Path(out_dir)
    frame = _read(out_dir, SERIES)
    if frame is None:
        return None
    stored = completed_run_ids(out_dir)
    frame = frame[frame["run_id"].isin(stored)].drop_duplicates(["run_id", "day"], keep="last")
    return frame.sort_values(["run_id", "day"], kind="stable").reset_index(drop=True)


class DirectoryLock:
    """An exclusive lock on a sweep directory, so two sweeps never write into it at once.

    Uses ``flock`` on ``DIR/.lock``: the kernel releases it when the process ends, even on
    SIGKILL, so a killed sweep never leaves a stale lock behind.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK
        self._fd: int | None = None

    def __enter__(self) -> DirectoryLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, file_mode())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise InputError(
                f"{self.path.parent}: another sweep (pid {holder}) is writing here; "
                "wait for it to end or use another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
