"""Failures a user can act on: timeouts, a lost connection, a warehouse never initialised, bad settings."""

import psycopg2
import pytest

from compliance_pipeline.warehouse import (
    Warehouse,
    WarehouseError,
    WarehouseNotInitialisedError,
    WarehouseUnavailableError,
    settings,
)


def _other(url: str):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


@pytest.fixture
def pg(pg_url) -> Warehouse:
    wh = Warehouse(pg_url)
    with wh.connect() as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
        conn.execute("INSERT INTO t VALUES (1, 0)")
    return wh


def test_every_postgres_connection_has_both_timeouts(pg, monkeypatch):
    with pg.connect() as conn:
        assert conn.scalar("SHOW lock_timeout") == "1min"
        assert conn.scalar("SHOW statement_timeout") == "15min"
    monkeypatch.setenv(settings.LOCK_TIMEOUT_ENV, "250")
    monkeypatch.setenv(settings.STATEMENT_TIMEOUT_ENV, "0")
    with pg.connect() as conn:
        assert conn.scalar("SHOW lock_timeout") == "250ms"
        assert conn.scalar("SHOW statement_timeout") == "0"


def test_a_lock_timeout_is_one_line_naming_the_setting_and_nothing_is_written(pg, monkeypatch):
    monkeypatch.setenv(settings.LOCK_TIMEOUT_ENV, "200")
    holder = _other(pg.url.raw)
    holder.cursor().execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
    try:
        with pytest.raises(WarehouseUnavailableError) as info, pg.transaction() as conn:
            conn.execute("INSERT INTO t VALUES (2, 0)")
            conn.execute("UPDATE t SET x = 1")
    finally:
        holder.close()
    message = str(info.value)
    assert "lock timeout" in message and settings.LOCK_TIMEOUT_ENV in message and "\n" not in message
    with pg.connect() as conn:
        assert conn.query("SELECT id, x FROM t") == [(1, 0)]


def test_a_statement_timeout_names_its_setting(pg, monkeypatch):
    monkeypatch.setenv(settings.STATEMENT_TIMEOUT_ENV, "100")
    with pytest.raises(WarehouseUnavailableError, match=settings.STATEMENT_TIMEOUT_ENV), pg.connect() as conn:
        conn.execute("SELECT pg_sleep(2)")


def test_a_dead_connection_reports_why_not_the_failed_rollback(pg):
    """The server ends the session mid-transaction: the error names that, not `cursor already
    closed` from the ROLLBACK (which fails too) or the close."""
    with pytest.raises(WarehouseUnavailableError) as info, pg.transaction() as conn:
        conn.execute("UPDATE t SET x = 5")
        pid = conn.scalar("SELECT pg_backend_pid()")
        killer = _other(pg.url.raw)
        killer.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
        killer.close()
        conn.execute("UPDATE t SET x = 6")
    message = str(info.value)
    assert "lost the connection" in message and ("terminat" in message or "server closed" in message)
    assert "already closed" not in message
    assert isinstance(info.value.__cause__, psycopg2.OperationalError)
    with pg.connect() as conn:
        assert conn.scalar("SELECT x FROM t") == 0


def test_an_error_of_our_own_is_not_replaced_when_the_connection_then_dies(pg):
    with pytest.raises(KeyError), pg.transaction() as conn:
        pid = conn.scalar("SELECT pg_backend_pid()")
        killer = _other(pg.url.raw)
        killer.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
        killer.close()
        raise KeyError("ours")


def test_a_warehouse_never_initialised_says_to_run_init(empty_warehouse):
    with pytest.raises(WarehouseNotInitialisedError, match="compliance-pipeline init"):
        with empty_warehouse.connect() as conn:
            conn.execute("SELECT count(*) FROM alert_rules")
    if empty_warehouse.backend == "duckdb":
        assert not empty_warehouse.url.duckdb_path.exists()  # reading never creates the file


def test_an_existing_duckdb_file_without_schema_says_to_run_init(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    with wh.connect(create=True):
        pass
    with pytest.raises(WarehouseNotInitialisedError, match="compliance-pipeline init"), wh.connect() as conn:
        conn.execute("SELECT * FROM outbox")


@pytest.mark.parametrize("value", ["nan", "-1", "abc", "1e300", "²", "2147483648", "1.5"])
def test_bad_pg_timeout_values_name_the_variable(monkeypatch, value):
    # Checked before connecting: no server is needed to refuse them.
    for name in (settings.LOCK_TIMEOUT_ENV, settings.STATEMENT_TIMEOUT_ENV):
        monkeypatch.setenv(name, value)
        with pytest.raises(WarehouseError, match=name), Warehouse("postgresql://u@127.0.0.1:1/db").connect():
            pass
        monkeypatch.delenv(name)


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "1e300", "abc"])
def test_bad_duckdb_lock_wait_names_the_variable(tmp_path, monkeypatch, value):
    monkeypatch.setenv(settings.LOCK_WAIT_ENV, value)
    with pytest.raises(WarehouseError, match=settings.LOCK_WAIT_ENV):
        with Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}").connect(create=True):
            pass
