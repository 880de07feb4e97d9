"""Reading a table's rows in arrival order, never missing one: the horizon of an arrival_id
column (see migration 401 for how the column is filled on each backend).

Every row with arrival_id below the horizon is visible now and no row below it can appear
later, so a reader that has read [cursor, horizon) may keep the horizon as its next cursor.
"""

from __future__ import annotations

from compliance_pipeline.warehouse.connection import Connection

# Identifiers are not bound parameters: only these tables (with an arrival_id column) qualify.
_TABLES = frozenset({"monitor_snapshots"})


def arrival_horizon(conn: Connection, table: str) -> int:
    """One past the newest arrival_id, or on PostgreSQL the oldest transaction still running if
    that is lower (its rows, and those of every later one, are not final yet). Stable while
    nothing arrives, so a reader's stored cursor does not churn."""
    if table not in _TABLES:
        raise ValueError(f"{table} has no arrival_id column")
    if conn.is_postgres:
        # One statement, one snapshot: the max and the running transactions are seen together.
        return int(conn.scalar(
            f"SELECT LEAST(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
            f" COALESCE(max(arrival_id), 0) + 1) FROM {table}"))
    return int(conn.scalar(f"SELECT COALESCE(max(arrival_id), 0) + 1 FROM {table}"))
