"""Locking primitives whose SQL differs by backend, so no domain module branches on it.

PostgreSQL: several processes may run the same write path at once, so these take real locks.
DuckDB allows one writing process per file, which already serialises writers: the locks
are no-ops there and a claim is a plain UPDATE.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from compliance_pipeline.warehouse.connection import Connection


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (pg_advisory_xact_lock takes a bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def _require_transaction(conn: Connection, what: str) -> None:
    if not conn.in_transaction:
        raise RuntimeError(f"{what} needs an open transaction (it is released at COMMIT/ROLLBACK)")


def advisory_xact_lock(conn: Connection, name: str) -> None:
    """Wait for the named lock, held until this transaction ends. Read what the lock protects
    AFTER taking it: at READ COMMITTED each later statement sees what the previous holder committed."""
    _require_transaction(conn, "advisory_xact_lock")
    if conn.is_postgres:
        conn.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(name),))


def lock_rows_for_update(conn: Connection, table: str, key_column: str, keys: Sequence[Any]) -> None:
    """Row locks on the given keys until this transaction ends, taken in key order (no deadlock
    between two passes locking overlapping sets). table/key_column are names from code, not input."""
    _require_transaction(conn, "lock_rows_for_update")
    if conn.is_postgres and keys:
        conn.execute(f"SELECT 1 FROM {table} WHERE {key_column} = ANY(?) ORDER BY {key_column} FOR UPDATE",
                     (sorted(keys),))


def claim_rows(conn: Connection, *, table: str, assignments: str, assignment_params: Sequence[Any],
               where: str, where_params: Sequence[Any], order_by: str, limit: int,
               returning: str, key: str = "id") -> list[tuple]:
    """UPDATE up to `limit` rows matching `where` (first in `order_by`) and return them, skipping
    rows another transaction holds: two concurrent claims never get the same row. The SQL
    fragments come from code; values are bound (`?`)."""
    skip_locked = " FOR UPDATE SKIP LOCKED" if conn.is_postgres else ""
    return conn.query(
        f"UPDATE {table} SET {assignments} WHERE {key} IN ("
        f"SELECT {key} FROM {table} WHERE {where} ORDER BY {order_by} LIMIT ?{skip_locked})"
        f" RETURNING {returning}",
        (*assignment_params, *where_params, limit),
    )
