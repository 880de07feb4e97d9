"""The audit log's file names and durable-write primitives (the layout is described in parquet_log).

A file only appears under its final name after its bytes are fsynced (rename or link of a temp
file, then an fsync of the folder), so whoever lists a folder sees whole files or nothing.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import BinaryIO

from compliance_pipeline.errors import InputError

DAY_PREFIX = "day="
LOCKS = ".locks"
STALE_AGE_S = 3600  # a temp or uncommitted file this old belongs to a writer that died

APPEND, BATCH, COMPACTED = "p", "b", "c"


class AuditDirError(InputError, OSError):
    """The configured log folder cannot be used (a file, unreadable): bad input, from the OS."""


def arrow_schema():
    import pyarrow as pa

    return pa.schema([
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("date", pa.string()),
        ("slot_index", pa.int64()),
        ("planned_offset_deg", pa.float64()),
        ("actual_offset_deg", pa.float64()),
        ("energy_cost_kwh", pa.float64()),
        ("budget_spent_kwh", pa.float64()),
        ("budget_remaining_kwh", pa.float64()),
        ("gate_passed", pa.bool_()),
        ("source", pa.string()),
        ("stage_id", pa.string()),
    ])


def day_dir(root: Path, day: str | date) -> Path:
    return root / f"{DAY_PREFIX}{day if isinstance(day, str) else day.isoformat()}"


_last_ns = 0


def next_ns() -> int:
    """Wall-clock nanoseconds, strictly increasing within this process (file order = append order)."""
    global _last_ns
    _last_ns = max(time.time_ns(), _last_ns + 1)
    return _last_ns


def file_name(kind: str, ns: int, tag: str | None = None) -> str:
    return f"{ns:020d}-{kind}-{tag or uuid.uuid4().hex}.parquet"


def file_kind(name: str) -> str:
    """'p', 'b' or 'c' from `<ns>-<kind>-<tag>.parquet`; any other parquet name counts as an append."""
    parts = name.split("-", 2)
    return parts[1] if len(parts) == 3 else APPEND


def file_ns(name: str) -> int:
    return int(name.split("-", 1)[0])


def parquet_names(folder: Path) -> list[str]:
    """The folder's parquet files in name (= append) order; temp files start with a dot."""
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(".parquet") and not n.startswith("."))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise AuditDirError(f"audit log folder {folder} is not readable ({exc.strerror})") from exc


def write_temp(folder: Path, name: str, write: Callable[[BinaryIO], None]) -> Path:
    """Write `.<name>.tmp` in folder (created if needed) and fsync it. The caller renames or links it."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        fsync_dir(folder.parent)  # the new folder itself must survive a crash
    tmp = folder / f".{name}.tmp"
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_new_file(folder: Path, name: str, write: Callable[[BinaryIO], None]) -> None:
    """Whole file under `name` or nothing (temp, fsync, rename, fsync the folder)."""
    tmp = write_temp(folder, name, write)
    try:
        os.rename(tmp, folder / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)


def write_parquet(table) -> Callable[[BinaryIO], None]:
    import pyarrow.parquet as pq

    return lambda fh: pq.write_table(table, fh, compression="zstd")


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temp_files(folder: Path, now: float) -> int:
    """Delete temp files older than STALE_AGE_S; a file renamed or removed meanwhile is skipped."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if not entry.name.endswith(".tmp"):
            continue
        try:
            if entry.stat().st_mtime < now - STALE_AGE_S:
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:
            continue  # its writer just renamed it into place (or another cleaner removed it)
    return removed


@contextmanager
def file_lock(root: Path, name: str, mode: int) -> Iterator[bool]:
    """flock `.locks/<name>` with mode (LOCK_SH / LOCK_EX, | LOCK_NB): yields whether it was taken."""
    locks = root / LOCKS
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / name, "a") as fh:
        try:
            fcntl.flock(fh, mode)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def check_root(root: Path, label: str) -> None:
    """InputError unless root is a readable folder or does not exist yet (an empty log)."""
    try:
        mode = os.stat(root).st_mode
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:  # ENOTDIR (a parent is a file), ELOOP, embedded NUL ...
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AuditDirError(f"{label} {str(root)[:200]!r} cannot be used: {reason}") from exc
    if not stat.S_ISDIR(mode):
        raise AuditDirError(f"{label} {str(root)[:200]!r} is a file, not a folder")
    if not os.access(root, os.R_OK | os.X_OK):
        raise AuditDirError(f"{label} {str(root)[:200]!r} is not readable")
