"""The plan stays right while the source tables change under it: after any sequence of bulk
inserts, status flips, moves between accesses, deletes and claim-limit changes, the plan equals
the reference rule on both backends, and on PostgreSQL over_cap_limit_usage (kept by triggers)
equals a fresh count, also when several OS processes write the same keys at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_pipeline.errors import InputError
from compliance_pipeline.over_cap import core, storage
from compliance_pipeline.warehouse import schema
from compliance_pipeline_tests.over_cap.helpers import T0, Scenario, select_over_cap

ACCESSES, UNITS = (1, 2, 3), (1, 2)
FRESH_USAGE = """
SELECT COALESCE(w.opportunity_access_id, cl.opportunity_access_id), COALESCE(w.payment_unit_id, cl.payment_unit_id),
       COALESCE(w.n, 0), cl.max_visits
FROM (SELECT opportunity_access_id, payment_unit_id, COUNT(*) AS n FROM completed_work
      WHERE status IN ('pending', 'approved') AND opportunity_access_id IS NOT NULL AND payment_unit_id IS NOT NULL
      GROUP BY 1, 2) w
FULL JOIN (SELECT opportunity_access_id, payment_unit_id, MIN(max_visits) AS max_visits FROM opportunity_claim_limit
           GROUP BY 1, 2) cl
  ON cl.opportunity_access_id = w.opportunity_access_id AND cl.payment_unit_id = w.payment_unit_id"""

statuses = st.sampled_from(core.COMPLETED_WORK_STATUSES)
work_ids = st.lists(st.integers(1, 30), min_size=1, max_size=10, unique=True)
operations = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.lists(st.tuples(st.sampled_from(ACCESSES + (None,)), st.sampled_from(UNITS),
                                                    statuses, st.integers(0, 6)), min_size=1, max_size=8)),
    st.tuples(st.just("status"), work_ids, statuses),
    st.tuples(st.just("move"), work_ids, st.sampled_from(ACCESSES)),
    st.tuples(st.just("delete"), work_ids),
    st.tuples(st.just("limit"), st.sampled_from(ACCESSES), st.sampled_from(UNITS), st.none() | st.integers(0, 3)),
    st.tuples(st.just("truncate"), st.sampled_from(("completed_work", "opportunity_claim_limit")))),
    min_size=1, max_size=8)


def _base(warehouse) -> None:
    s = Scenario()
    opp = s.opportunity()
    for _ in UNITS:
        s.unit(opp)
    for access in ACCESSES:
        s.access(opp)
        s.limit(access, 1, 1)
    s.load(warehouse)


def _run(conn, op, next_id: int) -> int:
    kind, *args = op
    if kind == "insert":
        rows = []
        for access, unit, status, minute in args[0]:
            rows.append((next_id, access, unit, f"e{next_id}", status, T0 + timedelta(minutes=minute), None,
                         1, 0, 0))
            next_id += 1
        conn.insert_rows("completed_work", ["id", "opportunity_access_id", "payment_unit_id", "entity_id", "status",
                                            "date_created", "status_modified_date", "saved_approved_count",
                                            "saved_payment_accrued", "saved_org_payment_accrued"], rows)
        conn.insert_rows("user_visit", ["id", "opportunity_access_id", "completed_work_id", "xform_id", "entity_id",
                                        "status", "date_created", "status_modified_date"],
                         [(r[0], r[1], r[0], f"x{r[0]}", r[3], "approved", r[5], None) for r in rows])
    elif kind == "status":
        conn.execute("UPDATE completed_work SET status = ? WHERE id = ANY(?)", (args[1], args[0]))
    elif kind == "move":
        conn.execute("UPDATE completed_work SET opportunity_access_id = ? WHERE id = ANY(?)", (args[1], args[0]))
    elif kind == "delete":
        conn.execute("DELETE FROM completed_work WHERE id = ANY(?)", (args[0],))
    elif kind == "limit":
        access, unit, max_visits = args
        conn.execute("DELETE FROM opportunity_claim_limit WHERE opportunity_access_id = ? AND payment_unit_id = ?",
                     (access, unit))
        if max_visits is not None:
            conn.execute("INSERT INTO opportunity_claim_limit (id, opportunity_access_id, payment_unit_id, max_visits)"
                         " VALUES (?, ?, ?, ?)", (access * 10 + unit, access, unit, max_visits))
    else:
        conn.execute(f"DELETE FROM {args[0]}" if not conn.is_postgres else f"TRUNCATE {args[0]}")
    return next_id


def _expected(conn) -> tuple[set[int], dict[int, int]]:
    works = conn.query("SELECT id, opportunity_access_id, payment_unit_id, date_created, status FROM completed_work")
    expected, positions = set(), {}
    for access, unit, max_visits in conn.query(
            "SELECT opportunity_access_id, payment_unit_id, max_visits FROM opportunity_claim_limit"):
        tail = select_over_cap([(w[0], w[3], w[4]) for w in works if (w[1], w[2]) == (access, unit)], max_visits)
        expected.update(tail)
        positions.update({cw_id: max_visits + 1 + k for k, cw_id in enumerate(tail)})
    return expected, positions


def _usage(conn) -> set[tuple]:
    # A key with nothing counted and no claim limit may stay behind as (0, NULL): it never plans.
    return {tuple(r) for r in conn.query("SELECT * FROM over_cap_limit_usage") if r[2] or r[3] is not None}


@given(operations)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_plan_follows_every_kind_of_write_to_the_source_tables(warehouse, ops):
    with warehouse.transaction() as conn:
        for table in ("user_visit", "completed_work", "opportunity_claim_limit", "opportunity_access",
                      "payment_unit", "opportunity"):
            conn.execute(f"DELETE FROM {table}")
    _base(warehouse)
    next_id = 1
    with warehouse.connect() as conn:
        for op in ops:
            with conn.transaction():
                next_id = _run(conn, op, next_id)
        if conn.is_postgres:
            assert _usage(conn) == {tuple(r) for r in conn.query(FRESH_USAGE)}
        storage.validate_sources(conn, None)
        expected, positions = _expected(conn)
        found = storage.find_over_cap(conn, None)
    assert {w.completed_work_id: w.position for w in found} == positions
    assert {w.completed_work_id for w in found} == expected


WRITER = """
import sys
from datetime import datetime, timedelta, timezone
from compliance_pipeline.warehouse import Warehouse
wh, worker = Warehouse(sys.argv[1]), int(sys.argv[2])
t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
for k in range(40):
    cw_id = worker * 1000 + k + 1
    with wh.transaction() as conn:
        conn.execute("INSERT INTO completed_work (id, opportunity_access_id, payment_unit_id, status, date_created)"
                     " VALUES (?, ?, 1, 'approved', ?), (?, ?, 1, 'pending', ?)",
                     (cw_id, 1 + k % 2, t0 + timedelta(minutes=k), cw_id + 500, 2 - k % 2, t0))
        if k % 3 == 0:
            conn.execute("UPDATE completed_work SET status = 'rejected' WHERE id = ?", (cw_id + 500,))
        if k % 7 == 0:
            conn.execute("DELETE FROM completed_work WHERE id = ?", (cw_id,))
    with wh.transaction() as conn:  # replace the claim limit: no row in common with other writers
        conn.execute("DELETE FROM opportunity_claim_limit WHERE opportunity_access_id = ?", (1 + k % 2,))
        conn.execute("INSERT INTO opportunity_claim_limit (id, opportunity_access_id, payment_unit_id, max_visits)"
                     " VALUES (?, ?, 1, ?)", (cw_id, 1 + k % 2, worker * 10 + k))
"""


def test_concurrent_writers_of_the_same_keys_keep_the_counts_exact(warehouse, tmp_path):
    if warehouse.backend != "postgresql":
        pytest.skip("the counts are kept by PostgreSQL triggers; DuckDB has one writing process")
    s = Scenario()
    opp = s.opportunity()
    s.unit(opp)
    for access in (s.access(opp), s.access(opp)):
        s.limit(access, 1, 5)
    s.load(warehouse)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, warehouse.url.raw, str(w)],
                                stderr=open(tmp_path / f"w{w}.stderr", "w")) for w in range(3)]
    assert [p.wait(120) for p in writers] == [0, 0, 0], [(tmp_path / f"w{w}.stderr").read_text() for w in range(3)]
    with warehouse.connect() as conn:
        usage = _usage(conn)
        assert usage == {tuple(r) for r in conn.query(FRESH_USAGE)}
        assert sum(r[2] for r in usage) > 100  # the writers really wrote


def test_claim_limit_replaced_by_another_transaction_while_one_is_open(warehouse):
    """T1 deletes a key's claim limit and stays open; T2 inserts a new one for the key (no row in
    common) and must wait for T1, then see its delete: max_visits is T2's, not the old one."""
    if warehouse.backend != "postgresql":
        pytest.skip("the counts are kept by PostgreSQL triggers; DuckDB has one writing process")
    s = Scenario()
    opp = s.opportunity()
    s.unit(opp)
    s.limit(s.access(opp), 1, 2)
    s.load(warehouse)
    failures = []

    def replace():
        try:
            with warehouse.transaction() as conn:
                conn.execute("INSERT INTO opportunity_claim_limit (id, opportunity_access_id, payment_unit_id,"
                             " max_visits) VALUES (2, 1, 1, 5)")
        except Exception as exc:  # reported by the assertion below
            failures.append(exc)

    with warehouse.transaction() as t1:
        t1.execute("DELETE FROM opportunity_claim_limit WHERE id = 1")
        t2 = threading.Thread(target=replace)
        t2.start()
        with warehouse.connect() as watcher:
            deadline = time.monotonic() + 10
            while not watcher.scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                     " AND query LIKE 'INSERT INTO opportunity_claim_limit%'"):
                assert time.monotonic() < deadline, "the second writer never waited for the first"
                time.sleep(0.01)
    t2.join(10)
    assert not failures
    with warehouse.connect() as conn:
        assert _usage(conn) == {(1, 1, 0, 5)} == {tuple(r) for r in conn.query(FRESH_USAGE)}


def _one_claim_limit(warehouse, max_visits: int) -> int:
    """One access with one claim limit of payment unit 1, loaded; PostgreSQL only. Its id."""
    if warehouse.backend != "postgresql":
        pytest.skip("the counts are kept by PostgreSQL triggers; DuckDB has none to bypass")
    s = Scenario()
    opp = s.opportunity()
    s.unit(opp)
    access = s.access(opp)
    s.limit(access, 1, max_visits)
    s.load(warehouse)
    return access


def test_rebuild_recounts_what_bypassed_triggers_missed(warehouse):
    access = _one_claim_limit(warehouse, max_visits=1)
    with warehouse.transaction() as conn:
        conn.execute("ALTER TABLE completed_work DISABLE TRIGGER USER")
        _run(conn, ("insert", [(access, 1, "approved", 1), (access, 1, "pending", 2)]), 1)
        for op in ("insert", "update", "delete", "truncate"):
            conn.execute(f"ALTER TABLE completed_work ENABLE ALWAYS TRIGGER completed_work_over_cap_usage_{op}")
    with warehouse.connect() as conn:
        assert storage.find_over_cap(conn, None) == []  # the counts alone would hide the over-cap work
        with pytest.raises(InputError, match=r"over_cap_limit_usage disagrees .* for 1 .*over_cap_rebuild_limit_usage"):
            storage.derive_plan(conn, None, include_suspended=False)  # so a plan refuses them
        with conn.transaction():
            assert conn.scalar("SELECT over_cap_rebuild_limit_usage()") == 1
        assert _usage(conn) == {(access, 1, 2, 1)} == {tuple(r) for r in conn.query(FRESH_USAGE)}
        assert [w.completed_work_id for w in storage.find_over_cap(conn, None)] == [2]
        assert [w.completed_work_id for w in storage.derive_plan(conn, None, include_suspended=False).works] == [2]


def test_a_plan_refuses_counts_too_high_that_would_flip_work_within_the_cap(warehouse):
    """A delete that bypassed the triggers leaves a count above the real one: the tail it implies
    would reach into works within the cap, so no plan is derived until the counts are rebuilt."""
    access = _one_claim_limit(warehouse, max_visits=2)
    with warehouse.transaction() as conn:
        _run(conn, ("insert", [(access, 1, "approved", minute) for minute in range(3)]), 1)
        conn.execute("ALTER TABLE completed_work DISABLE TRIGGER completed_work_over_cap_usage_delete")
        conn.execute("DELETE FROM completed_work WHERE id = (SELECT max(id) FROM completed_work)")
        conn.execute("ALTER TABLE completed_work ENABLE ALWAYS TRIGGER completed_work_over_cap_usage_delete")
    with warehouse.connect() as conn:
        assert len(storage.find_over_cap(conn, None)) == 1  # the stale count makes a within-cap work the tail
        with pytest.raises(InputError, match="over_cap_limit_usage disagrees"):
            storage.derive_plan(conn, None, include_suspended=False)
        with conn.transaction():
            conn.scalar("SELECT over_cap_rebuild_limit_usage()")
        assert storage.derive_plan(conn, None, include_suspended=False).works == ()


def test_upgrading_a_warehouse_that_has_data_counts_it(empty_warehouse, monkeypatch):
    """Migrations 302+ on a warehouse whose source tables are already filled: the backfill counts
    what is there, and the first plan after the upgrade is the reference rule's."""
    every = schema.all_migrations()
    monkeypatch.setattr(schema, "all_migrations", lambda: [m for m in every if m.version < 302])
    schema.init_schema(empty_warehouse)
    s = Scenario()
    opp = s.opportunity()
    unit = s.unit(opp)
    over, under = s.access(opp), s.access(opp)
    s.limit(over, unit, 1)
    s.limit(under, unit, 5)
    works = [s.work(access, unit, status, minute=minute)
             for access in (over, under) for status, minute in (("approved", 3), ("pending", 1), ("rejected", 0),
                                                                ("approved", 2))]
    s.load(empty_warehouse)
    monkeypatch.setattr(schema, "all_migrations", lambda: every)
    assert schema.init_schema(empty_warehouse)["applied"] == [
        m.name for m in every if m.version >= 302]
    with empty_warehouse.connect() as conn:
        if conn.is_postgres:
            assert _usage(conn) == {(over, unit, 3, 1), (under, unit, 3, 5)} == {
                tuple(r) for r in conn.query(FRESH_USAGE)}
        found = storage.find_over_cap(conn, None)
    assert {w.completed_work_id: w.position for w in found} == {works[3]: 2, works[0]: 3}
