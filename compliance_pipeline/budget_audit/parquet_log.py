"""The on-disk audit log: immutable parquet files in UTC-day folders, appended and compacted atomically.

Layout under the log folder (BUDGET_AUDIT_DIR):

    day=YYYY-MM-DD/<ns>-p-<uuid>.parquet   one append (one row, or one `log_slots` batch for that day)
    day=YYYY-MM-DD/<ns>-c-<uuid>.parquet   a compaction of that day; its footer key
                                           `budget_audit.covers` lists the file names it replaces
    day=YYYY-MM-DD/.<name>.tmp             a file being written (never read; a crash leaves it behind)
    .locks/day=YYYY-MM-DD.lock             held by the one compactor of that day

A file only ever appears under its final name by rename(2) after fsync, so a reader sees whole
files or nothing. An append never reads or rewrites older files, so its cost is independent of
the log's size. A reader's "live" files are every parquet file not named in the `covers` list of
a compacted file present in the same folder: rows are seen exactly once before, during and after
a compaction (which first renames its file in, then deletes the files it covers). `<ns>` is the
write time in nanoseconds, so file-name order is append order.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from compliance_pipeline.budget_audit.core import COLUMNS, SlotRecord

COVERS_KEY = b"budget_audit.covers"
DAY_PREFIX = "day="
STALE_TMP_AGE_S = 3600  # a temp file this old belongs to a writer that died


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


def append_records(root: Path, records: Sequence[SlotRecord]) -> int:
    """Write validated records durably: one new file per UTC day in the batch. Returns rows written."""
    import pyarrow as pa

    by_day: dict[str, list[SlotRecord]] = {}
    for record in records:
        by_day.setdefault(record.date, []).append(record)
    schema = arrow_schema()
    for day, rows in by_day.items():
        table = pa.Table.from_pydict({c: [getattr(r, c) for r in rows] for c in COLUMNS}, schema=schema)
        _write_new_file(day_dir(root, day), table, _file_name("p", _next_ns()))
    return len(records)


_last_ns = 0


def _next_ns() -> int:
    """Wall-clock nanoseconds, strictly increasing within this process (file order = append order)."""
    global _last_ns
    _last_ns = max(time.time_ns(), _last_ns + 1)
    return _last_ns


def _file_name(kind: str, ns: int) -> str:
    return f"{ns:020d}-{kind}-{uuid.uuid4().hex}.parquet"


def _write_new_file(folder: Path, table, name: str) -> None:
    """Write to a temp name, fsync, rename into place, fsync the folder: whole file or nothing."""
    import pyarrow.parquet as pq

    created = not folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if created:
        _fsync_dir(folder.parent)  # the new day folder itself must survive a crash
    tmp = folder / f".{name}.tmp"
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, folder / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- reading


def day_folders(root: Path, first: str | None = None, last: str | None = None) -> list[tuple[str, Path]]:
    """(day, folder) pairs in day order, optionally limited to first <= day <= last (ISO strings)."""
    if not root.is_dir():
        return []
    found = []
    for entry in os.scandir(root):
        if entry.is_dir() and entry.name.startswith(DAY_PREFIX):
            day = entry.name[len(DAY_PREFIX):]
            if (first is None or day >= first) and (last is None or day <= last):
                found.append((day, Path(entry.path)))
    return sorted(found)


def _parquet_names(folder: Path) -> list[str]:
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(".parquet") and not n.startswith("."))
    except FileNotFoundError:
        return []


def _covered(folder: Path, names: Iterable[str]) -> set[str]:
    import pyarrow.parquet as pq

    covered: set[str] = set()
    for name in names:
        if "-c-" in name:
            metadata = pq.read_schema(folder / name).metadata or {}
            covered.update(json.loads(metadata.get(COVERS_KEY, b"[]")))
    return covered


def live_names(folder: Path) -> list[str]:
    """The folder's files a reader must scan: every row exactly once.

    Raises FileNotFoundError when a compaction deleted a file meanwhile: list again.
    """
    names = _parquet_names(folder)
    if len(names) <= 1:  # nothing can be covered: skip reading footers (the common, compacted case)
        return names
    covered = _covered(folder, names)
    return [n for n in names if n not in covered]


def live_files(root: Path, first: str | None = None, last: str | None = None) -> list[str]:
    return [str(folder / n) for _, folder in day_folders(root, first, last) for n in live_names(folder)]


# --------------------------------------------------------------------------- compaction


@dataclass(frozen=True)
class Compaction:
    day: str
    files_before: int
    files_after: int
    rows: int
    bytes_after: int
    stale_removed: int


@contextmanager
def _day_lock(root: Path, day: str) -> Iterator[None]:
    locks = root / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{DAY_PREFIX}{day}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # one compactor per day; appenders never take it
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def compact_day(root: Path, day: str) -> Compaction:
    """Replace the day's live files by one file, atomically for readers and beside live appenders."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = day_dir(root, day)
    with _day_lock(root, day):
        names = _parquet_names(folder)
        covered = _covered(folder, names) if len(names) > 1 else set()
        # Files a previous compaction covered but died before deleting: readers already skip them.
        stale = [n for n in names if n in covered]
        for name in stale:
            (folder / name).unlink(missing_ok=True)
        _remove_stale_tmp(folder)
        live = [n for n in names if n not in covered]
        if len(live) <= 1:
            rows = pq.read_metadata(folder / live[0]).num_rows if live else 0
            size = (folder / live[0]).stat().st_size if live else 0
            return Compaction(day, len(live), len(live), rows, size, len(stale))
        # ParquetFile, not read_table: no hive-partition column from the folder name.
        table = pa.concat_tables(pq.ParquetFile(folder / n).read() for n in live)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               COVERS_KEY: json.dumps(live).encode()})
        # Named after its newest input, so file-name order stays append order.
        name = _file_name("c", max(int(n.split("-", 1)[0]) for n in live))
        _write_new_file(folder, table, name)
        for old in live:
            (folder / old).unlink()
        _fsync_dir(folder)
        return Compaction(day, len(live), 1, table.num_rows, (folder / name).stat().st_size, len(stale))


def _remove_stale_tmp(folder: Path) -> None:
    if not folder.is_dir():
        return
    cutoff = time.time() - STALE_TMP_AGE_S
    for entry in os.scandir(folder):
        if entry.name.endswith(".tmp") and entry.stat().st_mtime < cutoff:
            os.unlink(entry.path)
