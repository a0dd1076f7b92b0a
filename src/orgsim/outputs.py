"""Output safety: one check every command that writes calls before any run.

A directory is orgsim's only by a manifest orgsim wrote: ``manifest.json`` of a sweep or a
calibration, or the :data:`MARKER` of a report directory, each carrying a hash of its own
content (:func:`seal`), so a user's ``manifest.json`` (or one edited by hand) does not make a
folder orgsim's. orgsim writes only into a directory that is new, empty or its own; a symlink
inside it that leads out of it is refused rather than followed. A single file (``--leads``,
``--csv``, ``init --out``/``--targets``) is never replaced without ``--force``, and two
outputs of one command never name the same file. Names that cannot be written (a NUL byte, a
part longer than 255 bytes) and places that cannot be written (read-only, a file in the way)
are refused up front. Every refusal is one line naming the flag, exit code 2, before a run.

:func:`prepare_output` is that check; :func:`claim_report_dir` also creates and marks a report
directory. :func:`file_stem` turns a user's name (a scenario's) into a safe, unique file name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from orgsim.errors import InputError

MARKER = ".orgsim-report"  # sealed JSON written into every directory orgsim writes a report into
SWEEP_MANIFEST = "manifest.json"
HASH_KEY = "content_sha256"
MAX_NAME_BYTES = 255  # one path component (ext4, APFS, NTFS)
MAX_PATH_BYTES = 4095  # a whole path (Linux PATH_MAX less the NUL)


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _nearest_existing(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if parent.exists():
            return parent
    return Path(".")


# -- manifests orgsim wrote --------------------------------------------------------------------
def content_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of ``data`` without its own hash, as canonical JSON (sorted keys)."""
    body = {k: v for k, v in data.items() if k != HASH_KEY}
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, allow_nan=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def seal(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with :data:`HASH_KEY` set to its :func:`content_hash` (what orgsim writes)."""
    return {**{k: v for k, v in data.items() if k != HASH_KEY}, HASH_KEY: content_hash(data)}


def is_sealed(data: Any) -> bool:
    """True when ``data`` is a JSON object whose hash matches its content (orgsim wrote it, unedited)."""
    return isinstance(data, dict) and data.get(HASH_KEY) == content_hash(data)


def check_sealed(data: Any, path: Path | str) -> None:
    """InputError (one line) when a manifest carries a hash that no longer matches its content.

    A manifest with no hash (written by hand, or by an orgsim before hashes) is read as it is.
    """
    if isinstance(data, dict) and HASH_KEY in data and not is_sealed(data):
        raise InputError(
            f"{path}: edited after orgsim wrote it ({HASH_KEY} does not match its content); "
            "restore the original or run the sweep again into a new directory"
        )


def _read_sealed(path: Path) -> bool:
    try:
        if not path.is_file() or path.stat().st_size > 50_000_000:
            return False
        return is_sealed(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return False


def owned(directory: Path) -> bool:
    """True when orgsim wrote ``directory``: it holds a sealed report marker or manifest."""
    return _read_sealed(directory / MARKER) or _read_sealed(directory / SWEEP_MANIFEST)


def mark(directory: Path) -> None:
    """Write the sealed :data:`MARKER` that makes ``directory`` a report directory of orgsim's."""
    from orgsim import __version__

    body = seal({"written_by": "orgsim", "version": __version__, "what": "a report directory"})
    (directory / MARKER).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


# -- names and places ----------------------------------------------------------------------------
def check_name(path: str | Path, flag: str = "--out") -> Path:
    """``path`` as a Path if a file system can hold that name, else InputError (one line)."""
    text = str(path)
    shown = text if len(text) <= 60 else f"{text[:40]}...{text[-12:]} ({len(text):,} characters)"
    if "\0" in text:
        raise InputError(f"{flag}: {shown!r}: a file name cannot hold a NUL byte (\\0)")
    try:
        encoded = os.fsencode(text)
    except UnicodeError:
        raise InputError(f"{flag}: {shown!r}: not a name this system can encode") from None
    if len(encoded) > MAX_PATH_BYTES:
        raise InputError(f"{flag}: {shown}: the path is longer than {MAX_PATH_BYTES} bytes")
    for part in Path(text).parts:
        if len(os.fsencode(part)) > MAX_NAME_BYTES:
            raise InputError(
                f"{flag}: {shown}: a name in it is {len(os.fsencode(part))} bytes; at most {MAX_NAME_BYTES}"
            )
    return Path(text)


def check_writable(path: Path, flag: str = "--out", name: Path | None = None) -> None:
    """Raise InputError unless a directory can be created (or written) at ``path``.

    Probes by creating and removing a temporary directory, so permissions, read-only
    mounts and a file in the way are all caught (checking mode bits alone is not enough).
    ``name`` is what the message names (a file to be written in ``path``), default ``path``.
    """
    shown = path if name is None else name
    check_name(path, flag)
    base = _nearest_existing(path)
    if not base.is_dir():
        raise InputError(f"{flag}: {shown}: {base} is a file, not a directory")
    try:
        probe = tempfile.mkdtemp(prefix=".orgsim-probe-", dir=base)
        os.rmdir(probe)
    except OSError as exc:
        raise InputError(f"{flag}: {shown}: cannot write there ({_why(exc)})") from None


def _escaping_links(directory: Path) -> list[Path]:
    """Symlinks in ``directory`` (and its ``charts/``) that lead out of it."""
    root = directory.resolve()
    found = []
    for folder in (directory, directory / "charts"):
        if folder.is_symlink() and folder is not directory:
            target = folder.resolve()
            if not target.is_relative_to(root):
                found.append(folder)
            continue
        if not folder.is_dir():
            continue
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink() and not entry.resolve().is_relative_to(root):
                found.append(entry)
    return found


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def prepare_output(
    path: str | Path,
    flag: str = "--out",
    *,
    kind: Literal["dir", "file"] = "dir",
    force: bool = False,
    others: Iterable[tuple[str, str | Path | None]] = (),
) -> Path:
    """Check that orgsim may write ``path`` (before any run); return it as a Path, else InputError.

    ``kind="dir"``: a new or empty directory, or one orgsim wrote (:func:`owned`), with no symlink
    leading out of it. ``kind="file"``: a file that does not exist yet, or any with ``force``.
    Either way the name must be valid and the place writable, and ``path`` must not be the same
    file as another output of the command (``others``: ``(flag, path)`` pairs).
    """
    out = check_name(path, flag)
    for other_flag, other in others:
        if other is not None and _same_file(out, Path(other)):
            raise InputError(f"{flag} and {other_flag} name the same file ({out}); give two different paths")
    if kind == "file":
        if out.is_dir():
            raise InputError(f"{flag}: {out} is a directory; give a file name")
        if (out.exists() or out.is_symlink()) and not force:
            raise InputError(f"{flag}: {out} exists; use --force to replace it, or choose another path")
        check_writable(out.parent if str(out.parent) else Path("."), flag, out)
        return out
    if out.exists() and not out.is_dir():
        raise InputError(f"{flag}: {out} is a file, not a directory")
    if out.is_dir():
        try:
            entries = [p.name for p in out.iterdir()]
        except OSError as exc:
            raise InputError(f"{flag}: {out}: cannot read it ({_why(exc)})") from None
        if entries and not owned(out):
            shown = ", ".join(sorted(entries)[:4]) + (", ..." if len(entries) > 4 else "")
            raise InputError(
                f"{flag}: {out} already holds files orgsim did not write ({shown}); "
                "use an empty or new directory"
            )
        links = _escaping_links(out)
        if links:
            raise InputError(
                f"{flag}: {links[0]} is a symlink that leads out of {out}; orgsim does not follow it "
                "(remove it or use a new directory)"
            )
    check_writable(out, flag)
    return out


def check_report_dir(path: str | Path, flag: str = "--out") -> Path:
    """The report directory ``path`` if orgsim may write a report into it (:func:`prepare_output`)."""
    return prepare_output(path, flag, kind="dir")


def claim_report_dir(path: str | Path, flag: str = "--out") -> Path:
    """Check ``path`` (see :func:`prepare_output`), create it and mark it as an orgsim report's."""
    out = check_report_dir(path, flag)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not owned(out):
            mark(out)
    except OSError as exc:
        raise InputError(f"{flag}: {out}: cannot write there ({_why(exc)})") from None
    return out


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def file_stem(name: str, limit: int = 40) -> str:
    """A file-name-safe stem for a user's name (a scenario's), unique per name.

    Names of letters, digits, ``-`` and ``_`` (up to ``limit`` characters) are kept as they are;
    any other gets a slug (ASCII, at most ``limit`` characters) and 8 hex digits of its SHA-256,
    so "Acme v1.0" and "Acme v1.5" never share a file.
    """
    if name and len(name) <= limit and not _UNSAFE.search(name):
        return name
    slug = _UNSAFE.sub("_", name).strip("_")[:limit] or "name"
    return f"{slug}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


# -- CSV ------------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` made inert for a spreadsheet: text starting ``= + - @`` (or a tab/CR) gets a ``'``.

    Numbers are left alone (a negative number is data, not a formula); only text cells change.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame: Any) -> Any:
    """A copy of a DataFrame whose text cells and column names are :func:`csv_cell`-escaped."""
    out = frame.copy()
    for col in out.columns:
        if getattr(out[col].dtype, "kind", "O") not in "biufcmM":  # text, object or category columns
            out[col] = out[col].astype(object).map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def to_csv(frame: Any, path: str | Path | None = None) -> str | None:
    """Every CSV orgsim writes goes through here: ``frame`` escaped (:func:`csv_safe`), no index.

    With ``path`` the file is written (atomically) and None returned; without, the text.
    """
    text = csv_safe(frame).to_csv(index=False)
    if path is None:
        return text
    write_atomic(Path(path), text.encode())
    return None


def file_mode() -> int:
    """The mode a plain ``open()`` would give a new file (0o666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())  # mkstemp makes 0600; results are for the whole team
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
