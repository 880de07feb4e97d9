"""The plan stays right while the source tables change under it: after any sequence of bulk
inserts, status flips, moves between accesses, deletes, claim-limit changes and truncates, the
plan equals the reference rule on both backends; and a warehouse upgraded through the
trigger-kept counts of m0302-m0304 loses them in m0305 and plans by the rule."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_pipeline.over_cap import core, storage
from compliance_pipeline.warehouse import schema
from compliance_pipeline_tests.over_cap.helpers import T0, Scenario, select_over_cap

ACCESSES, UNITS = (1, 2, 3), (1, 2)
statuses = st.sampled_from(core.COMPLETED_WORK_STATUSES)
work_ids = st.lists(st.integers(1, 30), min_size=1, max_size=10, unique=True)
operations = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.lists(st.tuples(st.sampled_from(ACCESSES + (None,)), st.sampled_from(UNITS),
                                                    statuses, st.integers(0, 6)), min_size=1, max_size=8)),
    st.tuples(st.just("status"), work_ids, statuses),
    st.tuples(st.just("move"), work_ids, st.sampled_from(ACCESSES)),
    st.tuples(st.just("delete"), work_ids),
    st.tuples(st.just("limit"), st.sampled_from(ACCESSES), st.sampled_from(UNITS), st.none() | st.integers(0, 3)),
    st.tuples(st.just("limit_in_place"), st.sampled_from(ACCESSES), st.integers(0, 3)),
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
    elif kind == "limit_in_place":  # an UPDATE of an existing claim limit (if the key has one)
        conn.execute("UPDATE opportunity_claim_limit SET max_visits = ? WHERE opportunity_access_id = ?",
                     (args[1], args[0]))
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


@given(operations)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
        storage.validate_sources(conn, None)
        expected, positions = _expected(conn)
        found = storage.find_over_cap(conn, None)
    assert {w.completed_work_id: w.position for w in found} == positions
    assert {w.completed_work_id for w in found} == expected


def test_upgrading_through_the_trigger_kept_counts_drops_them(empty_warehouse, monkeypatch):
    """A warehouse that ran m0302-m0304 (over_cap_limit_usage kept by triggers) and has data:
    m0305 drops the table, its triggers and functions, and the plan is the reference rule's."""
    every = schema.all_migrations()
    monkeypatch.setattr(schema, "all_migrations", lambda: [m for m in every if m.version < 305])
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
    assert schema.init_schema(empty_warehouse)["applied"] == [m.name for m in every if m.version >= 305]
    with empty_warehouse.connect() as conn:
        if conn.is_postgres:
            assert conn.scalar("SELECT to_regclass('over_cap_limit_usage')") is None
            assert conn.scalar("SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE '%over_cap_usage%'") == 0
            assert conn.scalar("SELECT COUNT(*) FROM pg_proc WHERE proname LIKE 'over_cap_%'") == 0
        found = storage.find_over_cap(conn, None)
    assert {w.completed_work_id: w.position for w in found} == {works[3]: 2, works[0]: 3}
