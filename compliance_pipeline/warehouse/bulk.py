"""Bulk loading: COPY on PostgreSQL, an Arrow table scan on DuckDB.

Row-by-row INSERTs are 10-100x slower at demo/benchmark scale; these paths keep
`compliance-pipeline demo-data --scale N` and the benchmarks quick.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compliance_pipeline.warehouse.connection import Connection

CHUNK_ROWS = 200_000
_NULL = "\\N"


def insert_rows(conn: Connection, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> int:
    total = 0
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            total += _insert_chunk(conn, table, columns, chunk)
            chunk = []
    if chunk:
        total += _insert_chunk(conn, table, columns, chunk)
    return total


def _insert_chunk(conn: Connection, table: str, columns: list[str], rows: list[Sequence[Any]]) -> int:
    if conn.is_postgres:
        _copy_postgres(conn, table, columns, rows)
    else:
        _scan_duckdb(conn, table, columns, rows)
    return len(rows)


def _copy_postgres(conn: Connection, table: str, columns: list[str], rows: list[Sequence[Any]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    buf.seek(0)
    cols = ", ".join(columns)
    conn.raw.cursor().copy_expert(
        f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '{_NULL}')", buf
    )


def _csv_value(value: Any) -> Any:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _scan_duckdb(conn: Connection, table: str, columns: list[str], rows: list[Sequence[Any]]) -> None:
    import pyarrow as pa

    arrays = {f"c{i}": [row[i] for row in rows] for i in range(len(columns))}
    arrow_table = pa.table(arrays)
    view = f"_bulk_{table}"
    conn.raw.register(view, arrow_table)
    try:
        select = ", ".join(f"c{i}" for i in range(len(columns)))
        conn.raw.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {view}")
    finally:
        conn.raw.unregister(view)
