"""Bulk moves between Python and the warehouse: COPY on PostgreSQL, Arrow scans on DuckDB.

Row-by-row INSERTs are 10-100x slower at demo/benchmark scale. These functions take the
driver's own connection (`raw`) and its backend name, so the Connection wrapper can use them
without this module depending on it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import count
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

CHUNK_ROWS = 200_000
_view_names = count()


def insert_rows(raw: Any, backend: str, table: str, columns: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> int:
    """Insert Python rows in chunks. Returns the number of rows inserted."""
    total = 0
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            total += _insert_chunk(raw, backend, table, columns, chunk)
            chunk = []
    if chunk:
        total += _insert_chunk(raw, backend, table, columns, chunk)
    return total


def _insert_chunk(raw: Any, backend: str, table: str, columns: Sequence[str],
                  rows: list[Sequence[Any]]) -> int:
    if backend == "postgresql":
        buf = io.StringIO("".join([",".join(map(_csv_field, row)) + "\n" for row in rows]))
        _copy_in(raw, table, columns, buf, "FORMAT csv")
    else:
        import pyarrow as pa

        arrays = {f"c{i}": [row[i] for row in rows] for i in range(len(columns))}
        _scan_into(raw, table, columns, pa.table(arrays))
    return len(rows)


# Column kinds insert_columns understands, as Arrow types (DuckDB only; PostgreSQL reads CSV text).
COLUMN_KINDS = ("bigint", "integer", "double", "text", "timestamptz")


def insert_columns(raw: Any, backend: str, table: str, columns: dict[str, Sequence[Any]],
                   kinds: dict[str, str]) -> int:
    """Insert equal-length Python columns, each of a kind in COLUMN_KINDS. PostgreSQL gets a text
    COPY (no pyarrow: its first array in a process imports pandas, over a second); DuckDB an Arrow
    scan typed up front (no inference)."""
    names = list(columns)
    if unknown := {kinds[name] for name in names} - set(COLUMN_KINDS):
        raise ValueError(f"unknown column kinds {sorted(unknown)}; expected one of {COLUMN_KINDS}")
    n = len(columns[names[0]]) if names else 0
    if n == 0:
        return 0
    if backend == "postgresql":
        return _insert_chunk(raw, backend, table, names, list(zip(*columns.values())))
    import pyarrow as pa

    arrow_types = {"bigint": pa.int64(), "integer": pa.int32(), "double": pa.float64(),
                   "text": pa.string(), "timestamptz": pa.timestamp("us", tz="UTC")}
    _scan_into(raw, table, names, pa.table({name: pa.array(columns[name], arrow_types[kinds[name]])
                                            for name in names}))
    return n


def insert_arrow(raw: Any, backend: str, table: str, data: pa.Table) -> int:
    """Insert an Arrow table whose column names are the target table's columns.

    Typing the Arrow columns up front (pa.array(values, type)) skips type inference; timestamps
    should carry a zone (pa.timestamp("us", tz="UTC")) for TIMESTAMPTZ columns."""
    if data.num_rows == 0:
        return 0
    if backend == "postgresql":
        import pyarrow.csv

        buf = io.BytesIO()
        # Strings are quoted, NULLs are bare empty fields: COPY reads those as NULL.
        pyarrow.csv.write_csv(_utc_wall_times(data), buf,
                              pyarrow.csv.WriteOptions(include_header=False, quoting_style="needed"))
        buf.seek(0)
        _copy_in(raw, table, data.column_names, buf, "FORMAT csv")
    else:
        _scan_into(raw, table, data.column_names, data)
    return data.num_rows


def _utc_wall_times(data: pa.Table) -> pa.Table:
    """Zoned timestamps as their UTC wall time (the same instants: the session's zone is UTC).
    Arrow formats zoned values ~50x slower (a zone look-up per value)."""
    import pyarrow as pa

    fields = [pa.field(f.name, pa.timestamp(f.type.unit)) if pa.types.is_timestamp(f.type) and f.type.tz
              else f for f in data.schema]
    return data.cast(pa.schema(fields))


def _copy_in(raw: Any, table: str, columns: Sequence[str], buf: Any, options: str) -> None:
    with raw.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})", buf)


def _scan_into(raw: Any, table: str, columns: Sequence[str], data: pa.Table) -> None:
    view = f"_bulk_{table}_{next(_view_names)}"
    raw.register(view, data)
    try:
        select = ", ".join(f'"{name}"' for name in data.column_names)
        raw.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {view}")
    finally:
        raw.unregister(view)


def _csv_field(value: Any) -> str:
    """One CSV field as COPY reads it: NULL is a bare empty field, and every string is quoted,
    so '' stays an empty string and a carriage return or newline stays inside its field."""
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)
