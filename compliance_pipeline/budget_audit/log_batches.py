"""Batches that span days (or carry a caller's batch id): visible all at once, or not at all.

A batch writes one `<ns>-b-<key>-<attempt>.parquet` per UTC day, then commits by hard-linking a
fsynced marker `.batches/<key>` (JSON: attempt, days, rows). link(2) fails when the name exists,
so of two attempts with one batch id exactly one commits. A batch file is live only when the
marker of its key names its attempt. Readers take the marker names *before* listing day folders:
a marker they saw was linked after all its files were renamed in, one they did not see hides the
whole batch. Writers hold `.locks/batches.lock` shared from their first file to their commit; the
compactor removes uncommitted files only while it holds that lock exclusively (no batch in flight).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from compliance_pipeline.budget_audit.log_files import (
    BATCH,
    STALE_AGE_S,
    day_dir,
    file_kind,
    file_lock,
    fsync_dir,
    parquet_names,
    write_temp,
)
from compliance_pipeline.errors import InputError

BATCHES = ".batches"
BATCH_LOCK = "batches.lock"
BATCH_ID_RETENTION_S = 7 * 86400  # a caller's batch id is remembered (a retry appends nothing) this long
MAX_BATCH_ID_CHARS = 200


@dataclass(frozen=True)
class BatchName:
    key: str  # the marker's name: a random id, or a hash of the caller's batch id
    attempt: str  # this write attempt (a retry with the same batch id is a new attempt)
    batch_id: str | None = None

    @classmethod
    def new(cls, batch_id: str | None = None) -> BatchName:
        if batch_id is None:
            return cls(uuid.uuid4().hex, uuid.uuid4().hex[:16])
        if not isinstance(batch_id, str) or not 1 <= len(batch_id) <= MAX_BATCH_ID_CHARS \
                or not batch_id.isprintable():
            raise InputError(f"batch id must be 1 to {MAX_BATCH_ID_CHARS} printable characters, "
                             f"got {str(batch_id)[:60]!r}")
        try:
            digest = hashlib.sha256(batch_id.encode("utf-8")).hexdigest()[:32]
        except UnicodeEncodeError as exc:
            raise InputError("batch id must be valid Unicode text") from exc
        return cls(digest, uuid.uuid4().hex[:16], batch_id)

    @property
    def tag(self) -> str:  # the file-name part after `<ns>-b-`
        return f"{self.key}-{self.attempt}"


def _split_tag(name: str) -> tuple[str, str]:
    """(key, attempt) of a batch file; ("", "") for a name this log did not write (never live)."""
    parts = name.split("-", 2)[2].removesuffix(".parquet").split("-", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else ("", "")


def commit(root: Path, batch: BatchName, days: list[str], rows: int) -> bool:
    """Make the batch's files visible at once. False: this batch id was committed before."""
    folder = root / BATCHES
    marker = {"attempt": batch.attempt, "days": days, "rows": rows, "batch_id": batch.batch_id}
    tmp = write_temp(folder, f"{batch.tag}.json", lambda fh: fh.write(json.dumps(marker).encode()))
    try:
        os.link(tmp, folder / batch.key)  # the commit point
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(folder)
    return True


def read_marker(root: Path, key: str) -> dict:
    return json.loads((root / BATCHES / key).read_bytes())


class Markers:
    """The committed batches as of construction: take it before listing day folders."""

    def __init__(self, root: Path):
        self.root = root
        try:
            self.keys = {n for n in os.listdir(root / BATCHES) if not n.startswith(".")}
        except FileNotFoundError:
            self.keys = set()
        self._attempts: dict[str, str] = {}

    def is_live(self, name: str) -> bool:
        """Whether a reader counts file `name`. Raises FileNotFoundError if its marker went away
        meanwhile (its files were compacted): list again."""
        if file_kind(name) != BATCH:
            return True
        key, attempt = _split_tag(name)
        if key not in self.keys:
            return False
        if key not in self._attempts:
            self._attempts[key] = read_marker(self.root, key)["attempt"]
        return self._attempts[key] == attempt


def collect_garbage(root: Path, folder: Path, now: float) -> int:
    """Remove the folder's dead batch files and markers whose files are all compacted away.

    Only while no batch is being written (the batch lock taken exclusively, without waiting);
    a dead file must also be older than STALE_AGE_S. Returns how many files were removed.
    """
    with file_lock(root, BATCH_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB) as taken:
        if not taken:
            return 0
        markers, removed = Markers(root), 0
        for name in parquet_names(folder):
            path = folder / name
            if file_kind(name) == BATCH and not markers.is_live(name) \
                    and path.stat().st_mtime < now - STALE_AGE_S:
                path.unlink()
                removed += 1
        for key in markers.keys:
            marker = read_marker(root, key)
            if marker["batch_id"] is not None and \
                    (root / BATCHES / key).stat().st_mtime >= now - BATCH_ID_RETENTION_S:
                continue
            prefix = f"-{BATCH}-{key}-"
            if not any(prefix in n for day in marker["days"] for n in parquet_names(day_dir(root, day))):
                (root / BATCHES / key).unlink()
        return removed


def writing(root: Path):
    """Held (shared) by a batch writer from its first file to its commit."""
    return file_lock(root, BATCH_LOCK, fcntl.LOCK_SH)
