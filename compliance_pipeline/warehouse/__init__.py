"""The one database layer: DuckDB (embedded default) or PostgreSQL, chosen by a URL.

    from compliance_pipeline.warehouse import Warehouse
    wh = Warehouse.from_env()
    with wh.transaction() as conn:
        conn.execute("UPDATE t SET x = ? WHERE id = ?", (1, 2))

SQL uses `?` placeholders on both backends; values are always bound, never formatted in.
"""

from compliance_pipeline.warehouse.connection import Connection, Warehouse
from compliance_pipeline.warehouse.errors import (
    WarehouseError,
    WarehouseLockedError,
    WarehouseNotInitialisedError,
    WarehouseUnavailableError,
)
from compliance_pipeline.warehouse.url import WarehouseURL, default_url, parse_url

__all__ = [
    "Connection",
    "Warehouse",
    "WarehouseError",
    "WarehouseLockedError",
    "WarehouseNotInitialisedError",
    "WarehouseUnavailableError",
    "WarehouseURL",
    "default_url",
    "parse_url",
]
