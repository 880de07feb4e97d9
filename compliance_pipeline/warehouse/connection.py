"""One connection API over DuckDB (its own Python API) and PostgreSQL (psycopg2).

Connections are short-lived: open, work, close. DuckDB allows one writing process per
file, so holding a connection open would block every other Dagster run.

Opening DuckDB costs ~15-20 ms (mostly registering its built-in extensions: an in-memory
database costs the same) and closing it after writes checkpoints (~10-25 ms more), so
`Warehouse.session()` bounds a scope (one Dagster step or run) in which every connection of
that Warehouse is a fresh DuckDB connection to ONE open database: each still has its own
transactions; the file is opened on first use and closed (checkpointed once) when the scope
ends, so other processes can open it again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from compliance_pipeline.warehouse import bulk
from compliance_pipeline.warehouse.errors import WarehouseError, WarehouseLockedError
from compliance_pipeline.warehouse.placeholders import to_pyformat
from compliance_pipeline.warehouse.url import WarehouseURL, parse_url, url_from_env

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

# How long to wait for another process to release a DuckDB file before giving up.
LOCK_WAIT_ENV = "COMPLIANCE_DUCKDB_LOCK_WAIT_S"
DEFAULT_LOCK_WAIT_S = 30.0


class Connection:
    """A thin wrapper that speaks `?` placeholders on both backends."""

    def __init__(self, raw: Any, backend: str):
        self.raw = raw
        self.backend = backend
        self._cursor = raw.cursor() if backend == "postgresql" else None
        self.in_transaction = False

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    def _sql(self, sql: str) -> str:
        # Translated (and checked) on both backends, so an ambiguous `?|` fails on DuckDB too.
        translated = to_pyformat(sql)
        return translated if self.is_postgres else sql

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Connection:
        """Run one statement; fetch with fetchall/fetchone/fetch_dicts afterwards."""
        if self.is_postgres:
            # Always a tuple, even empty: psycopg2 then always reads `%%` as `%`.
            self._cursor.execute(self._sql(sql), tuple(params) if params else ())
        else:
            self.raw.execute(self._sql(sql), list(params) if params else None)
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        if not rows:
            return
        if self.is_postgres:
            from psycopg2.extras import execute_batch

            execute_batch(self._cursor, self._sql(sql), rows, page_size=1000)
        else:
            self.raw.executemany(self._sql(sql), rows)

    def _source(self):
        return self._cursor if self.is_postgres else self.raw

    def fetchall(self) -> list[tuple]:
        rows = self._source().fetchall()
        # Both drivers already give tuples; copy only if one ever does not.
        return rows if not rows or type(rows[0]) is tuple else [tuple(r) for r in rows]

    def fetchone(self) -> tuple | None:
        row = self._source().fetchone()
        return None if row is None else tuple(row)

    @property
    def columns(self) -> list[str]:
        desc = self._source().description
        return [d[0] for d in desc] if desc else []

    @property
    def rowcount(self) -> int:
        """Rows touched by the last INSERT/UPDATE/DELETE."""
        if self.is_postgres:
            return self._cursor.rowcount
        # DuckDB reports the count as the statement's single result row.
        row = self.raw.fetchone()
        return int(row[0]) if row else 0

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self.execute(sql, params).fetchall()

    def query_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict]:
        self.execute(sql, params)
        cols = self.columns
        return [dict(zip(cols, row)) for row in self.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Bulk insert (COPY on PostgreSQL, Arrow scan on DuckDB). Returns rows inserted."""
        return bulk.insert_rows(self.raw, self.backend, table, list(columns), rows)

    def insert_arrow(self, table: str, data: pa.Table) -> int:
        """Bulk insert of an Arrow table named by the target's columns. Returns rows inserted."""
        return bulk.insert_arrow(self.raw, self.backend, table, data)

    def fetch_arrays(self, sql: str, params: Sequence[Any] | None = None) -> dict[str, np.ma.MaskedArray]:
        """A numeric query's columns as masked numpy arrays (NULL = masked), by column name."""
        return bulk.fetch_arrays(self.raw, self.backend, sql, params)

    def epoch_us_sql(self, column: str) -> str:
        """SQL for a TIMESTAMPTZ column's microseconds since 1970-01-01 UTC, as BIGINT."""
        if self.is_postgres:
            return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"
        return f"epoch_us({column})"

    def set_work_mem(self, size: str) -> None:
        """Memory a sort or hash may use before spilling to disk (e.g. '64MB'), for the current
        transaction or, outside one, the session. PostgreSQL only; DuckDB sizes its own."""
        if self.is_postgres:
            self.execute("SELECT set_config('work_mem', ?, ?)", (size, self.in_transaction))

    def set_lock_timeout(self, milliseconds: int) -> None:
        """How long a statement waits for another transaction's row lock before failing, for the
        current transaction or, outside one, the session. PostgreSQL only: DuckDB has no row locks."""
        if self.is_postgres:
            self.execute("SELECT set_config('lock_timeout', ?, ?)",
                         (f"{int(milliseconds)}ms", self.in_transaction))

    @property
    def others_may_write(self) -> bool:
        """Whether another process may change rows while this connection works: yes on PostgreSQL
        (lock what you will write, then re-read it); no on DuckDB (one writing process per file)."""
        return self.is_postgres

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN ... COMMIT, or ROLLBACK on any error (which is re-raised)."""
        if self.in_transaction:
            raise RuntimeError("nested transactions are not supported")
        self.execute("BEGIN")
        self.in_transaction = True
        try:
            yield self
        except BaseException:
            self.in_transaction = False
            self.execute("ROLLBACK")
            raise
        self.in_transaction = False
        self.execute("COMMIT")

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
        self.raw.close()


class Warehouse:
    """A warehouse URL plus the ability to open connections to it."""

    def __init__(self, url: str | WarehouseURL):
        self.url = url if isinstance(url, WarehouseURL) else parse_url(url)
        self._lock = threading.Lock()
        self._session_depth = 0
        self._duckdb = None  # the open DuckDB database while a session uses it

    @classmethod
    def from_env(cls) -> Warehouse:
        return cls(url_from_env())

    @property
    def backend(self) -> str:
        return self.url.backend

    @property
    def in_session(self) -> bool:
        return self._session_depth > 0

    def __repr__(self) -> str:
        return f"Warehouse({self.url.masked!r})"

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        conn = self._open()
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A fresh connection inside one transaction: all or nothing."""
        with self.connect() as conn, conn.transaction():
            yield conn

    @contextmanager
    def session(self) -> Iterator[Warehouse]:
        """A bounded scope in which this Warehouse's DuckDB connections share one open database.

        connect()/transaction() behave exactly as outside (each its own connection and
        transaction, rolled back on error), but the file is opened once, on the first
        connect(), and closed once, when the scope ends: one open and one checkpoint instead
        of one per connection. Closing it ends any connection still open in the scope (and
        rolls back its open transaction) and releases the file for other processes. Sessions
        nest (the outermost one closes). On PostgreSQL this changes nothing: a connection per
        call, as outside."""
        with self._lock:
            self._session_depth += 1
        try:
            yield self
        finally:
            with self._lock:
                self._session_depth -= 1
                database = self._duckdb if self._session_depth == 0 else None
                if database is not None:
                    self._duckdb = None
            if database is not None:
                database.close()

    def _open(self) -> Connection:
        if self.backend == "postgresql":
            return Connection(_open_postgres(self.url), "postgresql")
        with self._lock:
            if self._session_depth:
                if self._duckdb is None:
                    self._duckdb = _open_duckdb(self.url)
                raw = self._duckdb.cursor()
                raw.execute("SET TimeZone = 'UTC'")  # per connection: a cursor starts at the local zone
                return Connection(raw, "duckdb")
        return Connection(_open_duckdb(self.url), "duckdb")


def _open_postgres(url: WarehouseURL):
    import psycopg2

    try:
        raw = psycopg2.connect(url.dsn, connect_timeout=10, options="-c timezone=UTC")
    except psycopg2.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseError(f"cannot connect to warehouse {url.masked}: {reason}") from exc
    raw.autocommit = True  # transactions are explicit: Connection.transaction()
    return raw


def _open_duckdb(url: WarehouseURL):
    import duckdb

    path = url.duckdb_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot create folder for warehouse {url.masked}: {exc}") from exc
    lock_wait_s = float(os.environ.get(LOCK_WAIT_ENV) or DEFAULT_LOCK_WAIT_S)
    deadline = time.monotonic() + lock_wait_s
    delay = 0.05
    while True:
        try:
            raw = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise WarehouseError(f"cannot open warehouse {url.masked}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"warehouse {path} is locked by another process (waited "
                    f"{lock_wait_s:.0f}s): DuckDB allows one writing process per file; "
                    "let the other run finish, or use PostgreSQL (COMPLIANCE_WAREHOUSE_URL="
                    "postgresql://...) for concurrent runs"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open warehouse {url.masked}: {exc}") from exc
    raw.execute("SET TimeZone = 'UTC'")
    return raw
