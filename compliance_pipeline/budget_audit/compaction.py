"""Compaction: a day's live files replaced by one file, atomically for readers and beside appenders.

One compactor per day (the day's flock); appenders never wait for it. It considers only files a
reader would count (committed, not covered), so a batch in flight is left alone, and it tolerates
temp files that their writers rename or remove while it looks at them.
"""

from __future__ import annotations

import fcntl
import json
import time
from dataclasses import dataclass
from pathlib import Path

from compliance_pipeline.budget_audit import log_batches
from compliance_pipeline.budget_audit.log_files import (
    COMPACTED,
    DAY_PREFIX,
    day_dir,
    file_lock,
    file_name,
    file_ns,
    fsync_dir,
    parquet_names,
    remove_stale_temp_files,
    write_new_file,
    write_parquet,
)
from compliance_pipeline.budget_audit.parquet_log import COVERS_KEY, covered_names


@dataclass(frozen=True)
class Compaction:
    day: str
    files_before: int
    files_after: int
    rows: int
    bytes_after: int
    stale_removed: int


def compact_day(root: Path, day: str, *, now: float | None = None) -> Compaction:
    """Replace the day's live files by one file; then clean up what dead writers left behind."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    now = time.time() if now is None else now
    folder = day_dir(root, day)
    with file_lock(root, f"{DAY_PREFIX}{day}.lock", fcntl.LOCK_EX):
        markers = log_batches.Markers(root)  # before listing, as for readers
        names = parquet_names(folder)
        covered = covered_names(folder, names)
        # Files a previous compaction covered but died before deleting: readers already skip them.
        stale = [n for n in names if n in covered]
        for name in stale:
            (folder / name).unlink(missing_ok=True)
        live = [n for n in names if n not in covered and markers.is_live(n)]
        if len(live) > 1:
            # ParquetFile, not read_table: no hive-partition column from the folder name.
            table = pa.concat_tables(pq.ParquetFile(folder / n).read() for n in live)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                   COVERS_KEY: json.dumps(live).encode()})
            # Named after its newest input, so file-name order stays append order.
            name = file_name(COMPACTED, max(file_ns(n) for n in live))
            write_new_file(folder, name, write_parquet(table))
            for old in live:
                (folder / old).unlink()
            fsync_dir(folder)
            result = Compaction(day, len(live), 1, table.num_rows, (folder / name).stat().st_size, len(stale))
        else:
            rows = pq.read_metadata(folder / live[0]).num_rows if live else 0
            size = (folder / live[0]).stat().st_size if live else 0
            result = Compaction(day, len(live), len(live), rows, size, len(stale))
        remove_stale_temp_files(folder, now)
        remove_stale_temp_files(root / log_batches.BATCHES, now)
        log_batches.collect_garbage(root, folder, now)
        return result
