"""PostgreSQL planner switches a query may need, for the current transaction (or, outside one,
the session). DuckDB has no such switches: a no-op there."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compliance_pipeline.warehouse.connection import Connection


def without_memoize(conn: Connection) -> None:
    """No result cache in front of a parameterized inner scan. For nested loops whose inner keys
    never repeat (one probe per distinct row) the cache only misses and evicts."""
    if conn.is_postgres:
        conn.execute("SELECT set_config('enable_memoize', 'off', ?)", (conn.in_transaction,))
