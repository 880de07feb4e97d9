"""What the warehouse offers the domains, the same on both backends: Arrow inserts, column
arrays, epoch microseconds in SQL, per-transaction settings."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline_tests.conftest import BACKENDS

CREATE = ("CREATE TABLE api_rows (id BIGINT, name TEXT, ratio DOUBLE PRECISION, seen_at TIMESTAMPTZ,"
          " active BOOLEAN)")


@pytest.fixture(scope="module", params=BACKENDS)
def scratch(request, tmp_path_factory) -> Warehouse:
    """One warehouse per backend for the module, with an empty api_rows table per test."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path_factory.mktemp('api') / 'w.duckdb'}"
    else:
        from benchmarks.support import pg_server

        admin = request.getfixturevalue("pg_admin_url")
        name, url = pg_server.create_database(admin)
        request.addfinalizer(lambda: pg_server.drop_database(admin, name))
    warehouse = Warehouse(url)
    with warehouse.connect(create=True) as conn:
        conn.execute(CREATE)
    return warehouse


def _round_trip(warehouse: Warehouse, insert, columns: str) -> list[tuple]:
    """Empty api_rows, insert(conn) in a transaction, read `columns` back: one connection."""
    with warehouse.connect() as conn:
        conn.execute("DELETE FROM api_rows")
        with conn.transaction():
            insert(conn)
        return conn.query(f"SELECT {columns} FROM api_rows")


def _reset(warehouse: Warehouse) -> None:
    with warehouse.connect() as conn:
        conn.execute("DELETE FROM api_rows")


_texts = st.one_of(st.none(), st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
                                      max_size=12))
_floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
_moments = st.one_of(st.none(), st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1))
                     .map(lambda d: d.replace(tzinfo=timezone.utc)))
_rows = st.lists(st.tuples(st.integers(-2**62, 2**62), _texts, _floats, _moments,
                           st.one_of(st.none(), st.booleans())), max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rows)
def test_insert_arrow_round_trips_every_value(scratch, rows):
    columns = list(zip(*rows)) if rows else [[]] * 5
    data = pa.table({
        "id": pa.array(columns[0], pa.int64()), "name": pa.array(columns[1], pa.string()),
        "ratio": pa.array(columns[2], pa.float64()), "seen_at": pa.array(columns[3], pa.timestamp("us", tz="UTC")),
        "active": pa.array(columns[4], pa.bool_())})
    def insert(conn):
        assert conn.insert_arrow("api_rows", data) == len(rows)

    stored = _round_trip(scratch, insert, "id, name, ratio, seen_at, active")
    assert sorted(stored, key=repr) == sorted(rows, key=repr)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(-2**62, 2**62), _texts, _floats, _moments), max_size=8))
def test_insert_columns_round_trips_every_value(scratch, rows):
    """Plain Python columns: a text COPY on PostgreSQL, a typed Arrow scan on DuckDB; same rows back
    (empty text stays empty text, None stays NULL, floats exact)."""
    ids, names, ratios, moments = (list(c) for c in zip(*rows)) if rows else ([], [], [], [])
    columns = {"id": ids, "name": names, "ratio": ratios, "seen_at": moments}
    kinds = {"id": "bigint", "name": "text", "ratio": "double", "seen_at": "timestamptz"}
    def insert(conn):
        assert conn.insert_columns("api_rows", columns, kinds) == len(rows)

    stored = _round_trip(scratch, insert, "id, name, ratio, seen_at")
    assert sorted(stored, key=repr) == sorted(rows, key=repr)


# Text that a hand-rolled COPY gets wrong: a carriage return ends the line unless quoted, and an
# unquoted \N or empty field is NULL.
AWKWARD_TEXTS = ["", "\r", "\n", "\r\n", "\\N", "\\", '"', 'a"b', ",", " lead", None]


@pytest.mark.parametrize("method", ["insert_rows", "insert_columns", "insert_arrow"])
def test_every_bulk_insert_keeps_awkward_text_as_it_is(scratch, method):
    ids = list(range(len(AWKWARD_TEXTS)))

    def insert(conn):
        if method == "insert_rows":
            conn.insert_rows("api_rows", ["id", "name"], list(zip(ids, AWKWARD_TEXTS)))
        elif method == "insert_columns":
            conn.insert_columns("api_rows", {"id": ids, "name": AWKWARD_TEXTS}, {"id": "bigint", "name": "text"})
        else:
            conn.insert_arrow("api_rows", pa.table({"id": pa.array(ids, pa.int64()),
                                                    "name": pa.array(AWKWARD_TEXTS, pa.string())}))

    assert sorted(_round_trip(scratch, insert, "id, name")) == list(zip(ids, AWKWARD_TEXTS))


def test_insert_columns_refuses_an_unknown_kind(scratch):
    with scratch.connect() as conn, pytest.raises(ValueError, match="unknown column kinds"):
        conn.insert_columns("api_rows", {"id": [1]}, {"id": "int128"})


def test_fetch_arrow_keeps_nulls_and_names_columns(scratch):
    _reset(scratch)
    moment = datetime(2025, 3, 1, 12, 0, 0, 250_000, tzinfo=timezone.utc)
    with scratch.transaction() as conn:
        conn.insert_rows("api_rows", ["id", "ratio", "seen_at", "name"],
                         [(1, 0.5, moment, ""), (2, None, moment + timedelta(seconds=1), None)])
        table = conn.fetch_arrow(f"SELECT id, ratio, {conn.epoch_us_sql('seen_at')} AS t, name FROM api_rows"
                                 " WHERE id >= ? ORDER BY id", (1,), {"ratio": pa.float64()})
        empty = conn.fetch_arrow("SELECT id, ratio FROM api_rows WHERE id > ?", (99,),
                                 {"id": pa.int64(), "ratio": pa.float64()})
        one_column = conn.fetch_arrow("SELECT ratio FROM api_rows ORDER BY id", types={"ratio": pa.float64()})
    assert table.column_names == ["id", "ratio", "t", "name"]
    assert table.column("id").to_pylist() == [1, 2] and table.column("ratio").to_pylist() == [0.5, None]
    assert table.column("name").to_pylist() == ["", None]  # an empty string is not NULL
    epoch_us = (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
    assert table.column("t").to_pylist() == [epoch_us, epoch_us + 1_000_000]
    assert empty.column_names == ["id", "ratio"] and empty.num_rows == 0
    assert one_column.column("ratio").to_pylist() == [0.5, None]  # a NULL row is an empty CSV line


def test_settings_last_for_the_transaction(scratch):
    with scratch.connect() as conn:
        with conn.transaction():
            conn.set_work_mem("64MB")
            conn.set_lock_timeout(1500)
            inside = conn.query("SELECT current_setting('work_mem'), current_setting('lock_timeout')") \
                if conn.others_may_write else None
        after = conn.query("SELECT current_setting('work_mem')") if conn.others_may_write else None
    if inside is not None:  # PostgreSQL: set for the transaction, gone after it
        assert inside == [("64MB", "1500ms")] and after != [("64MB",)]


def test_epoch_us_sql_is_exact_for_microseconds(scratch):
    moment = datetime(2262, 1, 1, 0, 0, 0, 999_999, tzinfo=timezone.utc)
    with scratch.connect() as conn:
        got = conn.scalar(f"SELECT {conn.epoch_us_sql('CAST(? AS TIMESTAMPTZ)')}", (moment,))
    assert got == (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
    assert not math.isnan(got)
