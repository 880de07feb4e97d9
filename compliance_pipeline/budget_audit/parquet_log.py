"""The on-disk audit log: immutable parquet files in UTC-day folders, appended and compacted atomically.

Layout under the log folder (BUDGET_AUDIT_DIR):

    day=YYYY-MM-DD/<ns>-p-<uuid>.parquet           an append whose rows are all of that day
    day=YYYY-MM-DD/<ns>-b-<key>-<attempt>.parquet  that day's part of a batch spanning days (or
                                                   carrying a batch id); live once committed
    day=YYYY-MM-DD/<ns>-c-<uuid>.parquet           a compaction of that day; its footer key
                                                   `budget_audit.covers` lists the file names it replaces
    day=YYYY-MM-DD/.<name>.tmp                     a file being written (never read)
    .batches/<key>                                 a batch's commit marker (log_batches)
    .locks/day=YYYY-MM-DD.lock, batches.lock       the day's compactor; batch writers vs cleanup

An append never reads or rewrites older files, so its cost is independent of the log's size.
A reader's "live" files are the parquet files not named in the `covers` list of a compacted file
of the same folder, minus batch files whose batch is not committed: rows are seen exactly once
before, during and after a compaction (which renames its file in, then deletes what it covers),
and a batch's rows in every day at once or not at all. `<ns>` is the write time in nanoseconds,
so file-name order is append order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compliance_pipeline.budget_audit import log_batches
from compliance_pipeline.budget_audit.core import COLUMNS, SlotRecord
from compliance_pipeline.budget_audit.log_files import (  # noqa: F401  (day_dir, arrow_schema: the API)
    APPEND,
    BATCH,
    COMPACTED,
    DAY_PREFIX,
    AuditDirError,
    arrow_schema,
    day_dir,
    file_kind,
    file_name,
    next_ns,
    parquet_names,
    write_new_file,
    write_parquet,
)

COVERS_KEY = b"budget_audit.covers"


@dataclass(frozen=True)
class Appended:
    rows: int  # rows this call made visible (0: the batch id was committed before)
    already_committed: bool = False


def append_records(root: Path, records: Sequence[SlotRecord], batch_id: str | None = None) -> Appended:
    """Write validated records durably: one new file per UTC day, visible all at once."""
    import pyarrow as pa

    by_day: dict[str, list[SlotRecord]] = {}
    for record in records:
        by_day.setdefault(record.date, []).append(record)
    schema = arrow_schema()
    tables = {day: pa.Table.from_pydict({c: [getattr(r, c) for r in rows] for c in COLUMNS}, schema=schema)
              for day, rows in by_day.items()}  # built before the first write: a type error writes nothing
    try:
        if len(tables) == 1 and batch_id is None:  # one rename is atomic on its own
            (day, table), = tables.items()
            write_new_file(day_dir(root, day), file_name(APPEND, next_ns()), write_parquet(table))
            return Appended(len(records))
        return _append_batch(root, tables, log_batches.BatchName.new(batch_id), len(records))
    except (NotADirectoryError, FileExistsError, PermissionError) as exc:
        raise AuditDirError(f"cannot write to the audit log folder {str(root)[:200]!r}: {exc.strerror}") from exc


def _append_batch(root: Path, tables: dict, batch: log_batches.BatchName, rows: int) -> Appended:
    with log_batches.writing(root):
        if batch.batch_id is not None and batch.key in log_batches.Markers(root).keys:
            return Appended(0, already_committed=True)
        written = []
        for day, table in sorted(tables.items()):
            name = file_name(BATCH, next_ns(), batch.tag)
            write_new_file(day_dir(root, day), name, write_parquet(table))
            written.append(day_dir(root, day) / name)
        if log_batches.commit(root, batch, sorted(tables), rows):
            return Appended(rows)
        for path in written:  # another attempt with this batch id committed first: ours never showed
            path.unlink(missing_ok=True)
        return Appended(0, already_committed=True)


# --------------------------------------------------------------------------- reading


def day_folders(root: Path, first: str | None = None, last: str | None = None) -> list[tuple[str, Path]]:
    """(day, folder) pairs in day order, optionally limited to first <= day <= last (ISO strings)."""
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return []  # nothing logged yet
    except OSError as exc:
        raise AuditDirError(f"audit log folder {str(root)[:200]!r} is not readable ({exc.strerror})") from exc
    found = []
    for entry in entries:
        if entry.name.startswith(DAY_PREFIX) and entry.is_dir():
            day = entry.name[len(DAY_PREFIX):]
            if (first is None or day >= first) and (last is None or day <= last):
                found.append((day, Path(entry.path)))
    return sorted(found)


def covered_names(folder: Path, names: Sequence[str]) -> set[str]:
    """Names listed in the `covers` footers of the compacted files among `names`."""
    import pyarrow.parquet as pq

    covered: set[str] = set()
    if len(names) <= 1:  # a compacted file never covers itself: skip the footer (the compacted day)
        return covered
    for name in names:
        if file_kind(name) == COMPACTED:
            metadata = pq.read_schema(folder / name).metadata or {}
            covered.update(json.loads(metadata.get(COVERS_KEY, b"[]")))
    return covered


def live_names(folder: Path, markers: log_batches.Markers) -> list[str]:
    """The folder's files a reader must scan: every committed row exactly once.

    `markers` must be taken before this listing. Raises FileNotFoundError when a compaction
    deleted a file meanwhile: take markers and list again.
    """
    names = parquet_names(folder)
    covered = covered_names(folder, names)
    return [n for n in names if n not in covered and markers.is_live(n)]


def live_files(root: Path, first: str | None = None, last: str | None = None) -> list[str]:
    markers = log_batches.Markers(root)
    return [str(folder / n) for _, folder in day_folders(root, first, last) for n in live_names(folder, markers)]
