"""Scratch folders for benchmark data, removed afterwards: one `make bench` writes several GB
(PostgreSQL data directories, DuckDB files) that must not pile up in /tmp run after run."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A new folder under the temp dir, deleted with everything in it when the block ends (stop
    any server using it inside the block)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
