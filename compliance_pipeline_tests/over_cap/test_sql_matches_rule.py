"""The one window query agrees with the pure per-limit rule on random data (both backends),
and the demo data set is deterministic and shows what the seed's QA plan describes."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_pipeline.over_cap import apply, core, demo, storage
from compliance_pipeline_tests.over_cap.helpers import NOW, OUTPUT_TABLES, SOURCE_TABLES, T0, Scenario, select_over_cap

statuses = st.sampled_from(core.COMPLETED_WORK_STATUSES)
# Every user_visit status the source system uses.
visit_statuses = st.sampled_from(("pending", "approved", "rejected", "over_limit", "duplicate", "trial"))
limits = st.lists(st.tuples(st.integers(0, 4), st.lists(st.tuples(statuses, st.integers(0, 5), st.integers(0, 2),
                                                                  visit_statuses), max_size=8)),
                  min_size=1, max_size=4)


@given(limits)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_window_query_matches_reference_rule(warehouse, cases):
    s = Scenario()
    opp = s.opportunity()
    unit = s.unit(opp)
    expected, positions = set(), {}
    for max_visits, works in cases:
        access = s.access(opp)
        s.limit(access, unit, max_visits)
        rows = [(s.work(access, unit, status, minute=minute, visits=visits, visit_status=visit_status),
                 T0 + timedelta(minutes=minute), status)
                for status, minute, visits, visit_status in works]  # equal minutes: ties broken by id
        tail = select_over_cap(rows, max_visits)
        expected.update(tail)
        positions.update({cw_id: max_visits + 1 + k for k, cw_id in enumerate(tail)})
    with warehouse.transaction() as conn:
        for table in OUTPUT_TABLES + SOURCE_TABLES[::-1]:
            conn.execute(f"DELETE FROM {table}")
    s.load(warehouse)
    with warehouse.connect() as conn:
        found = storage.find_over_cap(conn, None)
    assert {w.completed_work_id for w in found} == expected
    assert {w.completed_work_id: w.position for w in found} == positions
    open_visits = {}
    for visit_id, _access, cw_id, *_rest, status, _created, _modified in s.visits:
        if status != "over_limit":
            open_visits.setdefault(cw_id, []).append((visit_id, status))
    assert {w.completed_work_id: list(w.visits) for w in found} == {
        cw_id: open_visits.get(cw_id, []) for cw_id in expected}


def test_demo_is_deterministic_and_scoped_plan_leaves_other_opportunity_alone(warehouse):
    anchor = date(2026, 3, 1)
    counts = demo.load_demo(warehouse, seed=7, scale=2, anchor=anchor)
    assert counts["opportunity_access"] == 18
    first = apply.plan_only(warehouse, demo.DEMO_OPPORTUNITY_ID, False, NOW, save=False)
    demo.load_demo(warehouse, seed=7, scale=2, anchor=anchor)
    again = apply.plan_only(warehouse, demo.DEMO_OPPORTUNITY_ID, False, NOW, save=False)
    assert first.plan_id == again.plan_id and not first.is_empty
    assert len(first.skipped_accesses) == 2  # the suspended worker of each copy
    with warehouse.connect() as conn:
        demo_accesses = {r[0] for r in conn.query(
            "SELECT id FROM opportunity_access WHERE opportunity_id = 1")}
    assert {a.access_id for a in first.accesses} <= demo_accesses
    everywhere = apply.plan_only(warehouse, None, False, NOW, save=False)
    assert len(everywhere.works) > len(first.works)
