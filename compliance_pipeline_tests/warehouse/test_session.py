"""Warehouse.session(): one open DuckDB database for a bounded scope, released at its end."""

import subprocess
import sys

import dagster as dg
import pytest

from compliance_pipeline.warehouse import Warehouse, connection
from compliance_pipeline.warehouse.resource import SESSION_TAGS, WarehouseResource
from compliance_pipeline.warehouse.schema import init_schema

# Another process: can it open the file for writing right now?
PROBE = """
import duckdb, sys
try:
    con = duckdb.connect(sys.argv[1])
except duckdb.IOException as exc:
    print("locked" if "lock" in str(exc).lower() else f"error {exc}")
else:
    print("open", con.execute("SELECT count(*) FROM t").fetchone()[0])
"""


def other_process_sees(path) -> str:
    return subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def counted_opens(monkeypatch):
    opens = []
    real = connection._open_duckdb

    def counting(url):
        opens.append(url)
        return real(url)

    monkeypatch.setattr(connection, "_open_duckdb", counting)
    return opens


@pytest.fixture
def duck(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    with wh.transaction(create=True) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    return wh


def test_a_session_opens_the_file_once_and_releases_it_at_its_end(duck, counted_opens):
    path = duck.url.duckdb_path
    with duck.session():
        assert counted_opens == []  # opened on first use only
        with duck.transaction() as conn:
            conn.execute("INSERT INTO t VALUES (1)")
        with duck.connect() as conn:
            assert conn.scalar("SELECT count(*) FROM t") == 1
            assert conn.scalar("SELECT current_setting('TimeZone')") == "UTC"
        with duck.transaction() as conn:
            conn.execute("INSERT INTO t VALUES (2)")
        assert len(counted_opens) == 1
        assert other_process_sees(path) == "locked"
    assert other_process_sees(path) == "open 2"
    with duck.connect() as conn:  # outside the session: its own open again
        assert conn.scalar("SELECT count(*) FROM t") == 2
    assert len(counted_opens) == 2


def test_connections_in_a_session_keep_their_own_transactions(duck):
    with duck.session():
        with duck.connect() as reader, duck.transaction() as writer:
            writer.execute("INSERT INTO t VALUES (1)")
            assert reader.scalar("SELECT count(*) FROM t") == 0  # not committed yet
        with pytest.raises(RuntimeError, match="boom"):
            with duck.transaction() as conn:
                conn.execute("INSERT INTO t VALUES (2)")
                raise RuntimeError("boom")
        with duck.connect() as conn:
            assert conn.query("SELECT x FROM t") == [(1,)]


def test_an_error_leaving_the_session_rolls_back_and_releases_the_file(duck):
    with pytest.raises(RuntimeError, match="boom"):
        with duck.session():
            with duck.transaction() as conn:
                conn.execute("INSERT INTO t VALUES (1)")
            conn = duck._open()  # left open on purpose: the session's end must close it
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("boom")
    assert other_process_sees(duck.url.duckdb_path) == "open 1"
    conn.close()  # closing a connection the session already closed is harmless


def test_sessions_nest_and_the_outermost_closes(duck, counted_opens):
    with duck.session():
        with duck.session():
            with duck.connect() as conn:
                conn.execute("INSERT INTO t VALUES (1)")
        assert other_process_sees(duck.url.duckdb_path) == "locked"
        with duck.connect() as conn:
            assert conn.scalar("SELECT count(*) FROM t") == 1
    assert len(counted_opens) == 1
    assert other_process_sees(duck.url.duckdb_path) == "open 1"


def test_a_session_works_the_same_on_both_backends(warehouse):
    with warehouse.session():
        with warehouse.transaction() as conn:
            conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'x', now())")
        with pytest.raises(RuntimeError):
            with warehouse.transaction() as conn:
                conn.execute("DELETE FROM schema_migrations WHERE version = 9999")
                raise RuntimeError
        with warehouse.connect() as conn:
            assert conn.scalar("SELECT count(*) FROM schema_migrations WHERE version = 9999") == 1


@dg.asset
def first(warehouse: WarehouseResource) -> None:
    with warehouse.get().transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")


@dg.asset(deps=[first])
def second(warehouse: WarehouseResource) -> None:
    assert warehouse.get().in_session
    with warehouse.get().transaction() as conn:
        conn.execute("INSERT INTO t VALUES (2)")


def test_a_tagged_in_process_run_shares_one_session_and_releases_the_file(duck, counted_opens):
    result = dg.materialize([first, second], resources={"warehouse": WarehouseResource(url=duck.url.raw)},
                            tags=SESSION_TAGS)
    assert result.success
    assert len(counted_opens) == 1
    assert other_process_sees(duck.url.duckdb_path) == "open 2"


@dg.asset
def without_session(warehouse: WarehouseResource) -> None:
    assert not warehouse.get().in_session
    with warehouse.get().transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")


def test_an_untagged_run_keeps_per_call_connections(duck, counted_opens):
    # e.g. delivery steps, which wait on HTTP: the file must not stay locked meanwhile.
    result = dg.materialize([without_session], resources={"warehouse": WarehouseResource(url=duck.url.raw)})
    assert result.success
    assert len(counted_opens) == 1 and other_process_sees(duck.url.duckdb_path) == "open 1"


def test_outside_a_run_the_resource_holds_no_session(duck, counted_opens):
    # Sensors and schedules run in the long-lived code server: every connection is its own.
    with dg.build_resources({"warehouse": WarehouseResource(url=duck.url.raw)}) as resources:
        warehouse = resources.warehouse.get()
        assert not warehouse.in_session
        with warehouse.connect() as conn:
            conn.execute("INSERT INTO t VALUES (1)")
        assert other_process_sees(duck.url.duckdb_path) == "open 1"


def test_init_schema_inside_a_session(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'fresh.duckdb'}")
    with wh.session():
        first_run = init_schema(wh)
        assert init_schema(wh)["applied"] == [] and first_run["applied"]
