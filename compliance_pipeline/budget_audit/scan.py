"""Rollup queries over the parquet log: DuckDB (in-memory) scans the live files, hive-partitioned.

DuckDB aggregates in one pass without loading rows into Python. Sums use fsum (compensated), so
the total does not depend on DuckDB's thread scheduling. A compaction may delete a listed file
between our listing and DuckDB opening it; the scan then lists again (never reads a row twice).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from compliance_pipeline.budget_audit.core import COLUMNS, DayAggregate, LogAggregate
from compliance_pipeline.budget_audit.parquet_log import live_files

_SLOTS = "read_parquet(?, hive_partitioning = true, filename = true, file_row_number = true)"
_RETRIES = 50


class LogChangedTooOften(RuntimeError):
    """The log's files kept changing under the scan (a compaction loop?)."""


def listed(root: Path, list_files):
    """list_files(), listed again while a compaction deletes files under it."""
    for _ in range(_RETRIES):
        try:
            return list_files()
        except FileNotFoundError:
            continue  # a compacted file or a batch marker went away while we read it
    raise LogChangedTooOften(f"the audit log under {root} changed during {_RETRIES} listings in a row")


def _scan(root: Path, sql: str, *, first: str | None = None, last: str | None = None,
          df: bool = False):
    """Run `sql` (with {slots} as the table) over the live files; None when there are none."""
    import duckdb

    for _ in range(_RETRIES):
        files = listed(root, lambda: live_files(root, first, last))
        if not files:
            return None
        try:
            with duckdb.connect() as con:
                con.execute("SET TimeZone = 'UTC'")
                result = con.sql(sql.format(slots=_SLOTS), params=[files])
                return result.to_arrow_table().to_pandas() if df else result.fetchall()
        except duckdb.IOException:
            if all(Path(f).exists() for f in files):
                raise  # a real disk or format error, not a compaction race
    raise LogChangedTooOften(f"the audit log under {root} changed during {_RETRIES} scans in a row")


def day_aggregates(root: Path, first: date, last: date) -> list[DayAggregate]:
    """One aggregate per day that has rows, first <= day <= last."""
    rows = _scan(root, """
        SELECT date, count(*), fsum(energy_cost_kwh), count(*) FILTER (WHERE gate_passed),
               max(abs(actual_offset_deg)),
               -- the day's last row: newest timestamp, then append order (file name, row)
               arg_max(budget_remaining_kwh, (timestamp, filename, file_row_number))
        FROM {slots} GROUP BY date ORDER BY date""", first=first.isoformat(), last=last.isoformat())
    return [DayAggregate(date.fromisoformat(d), n, total, gates, max_abs, last_remaining)
            for d, n, total, gates, max_abs, last_remaining in rows or []]


def log_aggregate(root: Path, *, first: date | None = None, last: date | None = None) -> LogAggregate:
    rows = _scan(root, """
        SELECT count(*), count(DISTINCT date), fsum(energy_cost_kwh),
               count(*) FILTER (WHERE gate_passed)
        FROM {slots}""", first=first and first.isoformat(), last=last and last.isoformat())
    if not rows or rows[0][0] == 0:
        return LogAggregate(rows=0)
    n, days, total, gates = rows[0]
    return LogAggregate(rows=n, days=days, total_cost_kwh=total, interventions=gates)


def load_frame(root: Path):
    """The whole log as a pandas DataFrame in append order (the original script's `load`)."""
    import pandas as pd

    frame = _scan(root, f"SELECT {', '.join(COLUMNS)} FROM {{slots}} ORDER BY filename, file_row_number",
                  df=True)
    return pd.DataFrame() if frame is None else frame
