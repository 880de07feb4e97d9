"""One connection API over DuckDB (its own Python API) and PostgreSQL (psycopg2).

Connections are short-lived: open, work, close. DuckDB allows one writing process per
file, so holding a connection open would block every other Dagster run.

Opening DuckDB registers its built-in extensions and closing it after writes checkpoints,
both noticeable per connection (numbers in the README's warehouse section), so
`Warehouse.session()` bounds a scope (one Dagster step or run) in which every connection of
that Warehouse is a fresh DuckDB connection to ONE open database: each still has its own
transactions; the file is opened on first use and closed (checkpointed once) when the scope
ends, so other processes can open it again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from compliance_pipeline.warehouse import bulk, settings
from compliance_pipeline.warehouse.errors import WarehouseError, WarehouseLockedError, WarehouseNotInitialisedError
from compliance_pipeline.warehouse.failures import driver_errors, translate
from compliance_pipeline.warehouse.placeholders import to_pyformat
from compliance_pipeline.warehouse.url import WarehouseURL, parse_url, url_from_env

if TYPE_CHECKING:
    import pyarrow as pa

# Kept importable here: the DuckDB lock wait's variable and default live in settings.
LOCK_WAIT_ENV = settings.LOCK_WAIT_ENV
DEFAULT_LOCK_WAIT_S = settings.DEFAULT_LOCK_WAIT_S


class Connection:
    """A thin wrapper that speaks `?` placeholders on both backends.

    Driver errors that mean "the warehouse is unavailable" (connection lost, lock or statement
    timeout) or "it has no schema" come out as WarehouseUnavailableError /
    WarehouseNotInitialisedError with one line naming the cause and what to do (failures.py);
    the driver's exception stays attached as __cause__."""

    def __init__(self, raw: Any, backend: str, label: str = "warehouse"):
        self.raw = raw
        self.backend = backend
        self.label = label  # the masked URL, for error messages
        self._driver_errors = driver_errors(backend)
        self._cursor = raw.cursor() if backend == "postgresql" else None
        self.in_transaction = False

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    def _sql(self, sql: str) -> str:
        # Translated (and checked) on both backends, so an ambiguous `?|` fails on DuckDB too.
        translated = to_pyformat(sql)
        return translated if self.is_postgres else sql

    def _failed(self, exc: BaseException) -> BaseException:
        """What to raise for a driver error: its translation, or the error itself."""
        return translate(exc, self.backend, self.label) or exc

    @contextmanager
    def driver_calls(self) -> Iterator[None]:
        """For code that must call the driver itself (conn.raw): its errors are translated as
        execute()'s are (lost connection / timeouts -> WarehouseUnavailableError, ...)."""
        try:
            yield
        except self._driver_errors as exc:
            failure = self._failed(exc)
            if failure is exc:
                raise
            raise failure from exc

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Connection:
        """Run one statement; fetch with fetchall/fetchone/fetch_dicts afterwards."""
        try:  # driver_calls() inlined: this is the hot path
            if self.is_postgres:
                # Always a tuple, even empty: psycopg2 then always reads `%%` as `%`.
                self._cursor.execute(self._sql(sql), tuple(params) if params else ())
            else:
                self.raw.execute(self._sql(sql), list(params) if params else None)
        except self._driver_errors as exc:
            failure = self._failed(exc)
            if failure is exc:
                raise
            raise failure from exc
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        if not rows:
            return
        with self.driver_calls():
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
        with self.driver_calls():
            return bulk.insert_rows(self.raw, self.backend, table, list(columns), rows)

    def insert_columns(self, table: str, columns: dict[str, Sequence[Any]], kinds: dict[str, str]) -> int:
        """Bulk insert of typed Python columns (kinds: bulk.COLUMN_KINDS). Returns rows inserted."""
        with self.driver_calls():
            return bulk.insert_columns(self.raw, self.backend, table, columns, kinds)

    def insert_arrow(self, table: str, data: pa.Table) -> int:
        """Bulk insert of an Arrow table named by the target's columns. Returns rows inserted."""
        with self.driver_calls():
            return bulk.insert_arrow(self.raw, self.backend, table, data)

    def fetch_arrow(self, sql: str, params: Sequence[Any] | None = None,
                    types: Mapping[str, pa.DataType] | None = None) -> pa.Table:
        """A query's result as an Arrow table, no Python object per row (see arrow_fetch)."""
        from compliance_pipeline.warehouse.arrow_fetch import fetch_arrow

        return fetch_arrow(self, sql, params, types)

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

    def per_backend(self, *, postgresql: Any, duckdb: Any) -> Any:
        """This backend's variant of something (a statement whose best shape differs: e.g. an
        index walk PostgreSQL does well against a vectorized window DuckDB does well)."""
        return postgresql if self.is_postgres else duckdb

    @property
    def others_may_write(self) -> bool:
        """Whether another process may change rows while this connection works: yes on PostgreSQL
        (lock what you will write, then re-read it); no on DuckDB (one writing process per file)."""
        return self.is_postgres

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN ... COMMIT, or ROLLBACK on any error, which is re-raised: a ROLLBACK that fails
        too (the connection is dead, so the server has rolled back already) never replaces it."""
        if self.in_transaction:
            raise RuntimeError("nested transactions are not supported")
        self.execute("BEGIN")
        self.in_transaction = True
        try:
            yield self
        except BaseException:
            self.in_transaction = False
            self._rollback_quietly()
            raise
        self.in_transaction = False
        self.execute("COMMIT")

    def _rollback_quietly(self) -> None:
        try:
            self._source().execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - the error in flight is the one to report
            pass

    def close(self, *, quietly: bool = False) -> None:
        """Close; with quietly (an error is already in flight), a dead connection's close errors
        are dropped rather than raised in place of that error."""
        try:
            if self._cursor is not None:
                self._cursor.close()
            self.raw.close()
        except Exception:
            if not quietly:
                raise


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

    def exists(self) -> bool:
        """False only for a DuckDB file that was never created (PostgreSQL: the server decides)."""
        return self.backend == "postgresql" or self.url.duckdb_path.exists()

    @contextmanager
    def connect(self, *, create: bool = False) -> Iterator[Connection]:
        """A short-lived connection. A DuckDB file that does not exist is an error saying to run
        `compliance-pipeline init` unless create=True (only init and demo-data create it)."""
        conn = self._open(create)
        try:
            yield conn
        except BaseException:
            conn.close(quietly=True)
            raise
        conn.close()

    @contextmanager
    def transaction(self, *, create: bool = False) -> Iterator[Connection]:
        """A fresh connection inside one transaction: all or nothing."""
        with self.connect(create=create) as conn, conn.transaction():
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

    def _open(self, create: bool = False) -> Connection:
        label = self.url.masked
        if self.backend == "postgresql":
            return Connection(_open_postgres(self.url), "postgresql", label)
        _check_duckdb_file(self.url, create)
        with self._lock:
            if self._session_depth:
                if self._duckdb is None:
                    self._duckdb = _open_duckdb(self.url)
                raw = self._duckdb.cursor()
                raw.execute("SET TimeZone = 'UTC'")  # per connection: a cursor starts at the local zone
                return Connection(raw, "duckdb", label)
        return Connection(_open_duckdb(self.url), "duckdb", label)


def _open_postgres(url: WarehouseURL):
    import psycopg2

    lock_timeout_ms, statement_timeout_ms = settings.pg_timeouts_ms()
    options = f"-c timezone=UTC -c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms}"
    try:
        raw = psycopg2.connect(url.dsn, connect_timeout=10, options=options)
    except psycopg2.Error as exc:
        raise translate(exc, "postgresql", url.masked, connecting=True) from exc
    raw.autocommit = True  # transactions are explicit: Connection.transaction()
    return raw


def _check_duckdb_file(url: WarehouseURL, create: bool) -> None:
    """Only init and demo-data create the file: a read or a pass on a warehouse that was never
    initialised says so instead of leaving an empty file behind."""
    path = url.duckdb_path
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create folder for warehouse {url.masked}: {exc}") from exc
    elif not path.exists():
        raise WarehouseNotInitialisedError(
            f"warehouse {url.masked} does not exist: run `compliance-pipeline init` "
            "(or set COMPLIANCE_WAREHOUSE_URL to the warehouse you meant)")


def _open_duckdb(url: WarehouseURL):
    import duckdb

    path = url.duckdb_path
    lock_wait_s = settings.duckdb_lock_wait_s()
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


class OneTransaction:
    """A stand-in for a Warehouse whose connect()/transaction() all hand out ONE connection
    inside ONE open transaction (opened by the caller): code written against a Warehouse
    becomes part of a larger all-or-nothing unit (demo-data loads every domain this way)."""

    def __init__(self, warehouse: Warehouse, conn: Connection):
        self.url, self.backend, self.conn = warehouse.url, warehouse.backend, conn

    @property
    def in_session(self) -> bool:
        return True

    def exists(self) -> bool:
        """False only for a DuckDB file that was never created (PostgreSQL: the server decides)."""
        return self.backend == "postgresql" or self.url.duckdb_path.exists()

    @contextmanager
    def connect(self, *, create: bool = False) -> Iterator[Connection]:
        yield self.conn

    @contextmanager
    def transaction(self, *, create: bool = False) -> Iterator[Connection]:
        yield self.conn  # an error propagates to the caller's transaction, which rolls back

    @contextmanager
    def session(self) -> Iterator[OneTransaction]:
        yield self
