"""The seed's QA plan against a real warehouse (DuckDB and PostgreSQL)."""

from __future__ import annotations

import pytest

from compliance_pipeline.errors import InputError
from compliance_pipeline.over_cap import apply
from compliance_pipeline.over_cap.apply import RemediationError, StalePlanError
from compliance_pipeline_tests.over_cap.helpers import NOW, OPP, OTHER_OPP, Scenario, accrued, snapshot, statuses


def qa_scenario() -> tuple[Scenario, dict]:
    """One access exactly at its cap, one two over (on a two-visit payment unit), one over in
    another opportunity."""
    s = Scenario()
    opp, other = s.opportunity(OPP), s.opportunity(OTHER_OPP)
    unit, other_unit = s.unit(opp, amount=1000, org_amount=200), s.unit(other)
    at_cap, over, elsewhere = s.access(opp), s.access(opp), s.access(other)
    for access in (at_cap, over):
        s.limit(access, unit, 3)
    s.limit(elsewhere, other_unit, 1)
    ids = {"at_cap": [s.work(at_cap, unit, visits=2) for _ in range(3)],
           "over": [s.work(over, unit, visits=2) for _ in range(5)],
           "elsewhere": [s.work(elsewhere, other_unit) for _ in range(2)],
           "accesses": (at_cap, over, elsewhere)}
    return s, ids


def run(wh, **kwargs):
    kwargs.setdefault("run_id", "run-1")
    return apply.remediate(wh, now=NOW, **kwargs)


def test_two_over_flips_exactly_the_two_latest_works_and_all_their_visits(warehouse):
    s, ids = qa_scenario()
    s.load(warehouse)
    at_cap, over, elsewhere = ids["accesses"]
    before = accrued(warehouse)

    result = run(warehouse, dry_run=False, opportunity_id=OPP)

    assert result["applied"] and result["completed_works"] == 2 and result["visits"] == 4
    works = statuses(warehouse, "completed_work")
    assert [works[i] for i in ids["over"]] == ["approved"] * 3 + ["over_limit"] * 2
    assert all(works[i] == "approved" for i in ids["at_cap"] + ids["elsewhere"])
    with warehouse.connect() as conn:
        flipped_visits = conn.query("SELECT completed_work_id, status, status_modified_date"
                                    " FROM user_visit WHERE status = 'over_limit' ORDER BY id")
    assert [v[0] for v in flipped_visits] == [ids["over"][3]] * 2 + [ids["over"][4]] * 2
    assert all(v[2] == NOW for v in flipped_visits)
    after = accrued(warehouse)
    assert after[over] == before[over] - 2000 and after[at_cap] == before[at_cap]
    assert after[elsewhere] == before[elsewhere]  # scoped: the other opportunity is untouched
    assert result["worker_accrual_drop"] == 2000 and result["org_accrual_drop"] == 400
    assert result["per_access"] == [{
        "access_id": over, "user_id": f"user-{over}", "suspended": False, "skipped": False,
        "completed_works": 2, "visits": 4, "worker_before": 5000, "worker_after": 3000,
        "worker_drop": 2000, "org_before": 1000, "org_after": 600, "org_drop": 400}]


def test_limit_counts_completed_works_not_visits(warehouse):
    # 3 completed works x 2 deliver units = 6 visits against a cap of 3: nobody is over.
    s = Scenario()
    opp = s.opportunity()
    unit = s.unit(opp)
    worker = s.access(opp)
    s.limit(worker, unit, 3)
    for _ in range(3):
        s.work(worker, unit, visits=2)
    s.load(warehouse)
    assert run(warehouse)["nothing_to_do"] is True


def test_over_limit_rejected_incomplete_are_not_counted_nor_touched(warehouse):
    s = Scenario()
    opp = s.opportunity()
    unit = s.unit(opp)
    worker = s.access(opp)
    s.limit(worker, unit, 2)
    uncounted = [s.work(worker, unit, status) for status in ("over_limit", "rejected", "incomplete")]
    counted = [s.work(worker, unit, "approved"), s.work(worker, unit, "pending"),
               s.work(worker, unit, "approved")]
    s.load(warehouse)
    before = statuses(warehouse, "completed_work")

    result = run(warehouse, dry_run=False)

    after = statuses(warehouse, "completed_work")
    assert result["completed_works"] == 1
    assert [after[i] for i in counted] == ["approved", "pending", "over_limit"]
    assert [after[i] for i in uncounted] == [before[i] for i in uncounted]


def test_order_is_date_created_then_id_not_insertion_order(warehouse):
    s = Scenario()
    opp = s.opportunity()
    unit = s.unit(opp)
    worker = s.access(opp)
    s.limit(worker, unit, 1)
    late = s.work(worker, unit, minute=50)
    early = s.work(worker, unit, minute=10)
    s.load(warehouse)
    run(warehouse, dry_run=False)
    assert statuses(warehouse, "completed_work") == {late: "over_limit", early: "approved"}


def test_suspended_access_is_listed_and_skipped_unless_included(warehouse):
    s = Scenario()
    opp = s.opportunity()
    unit = s.unit(opp)
    suspended = s.access(opp, suspended=True)
    s.limit(suspended, unit, 1)
    works = [s.work(suspended, unit) for _ in range(3)]
    s.load(warehouse)

    skipped = run(warehouse, dry_run=False)
    assert skipped["nothing_to_do"] and skipped["skipped_suspended"][0]["access_id"] == suspended
    assert skipped["skipped_suspended"][0]["completed_works"] == 2
    assert set(statuses(warehouse, "completed_work").values()) == {"approved"}

    included = run(warehouse, dry_run=False, include_suspended=True, run_id="run-2")
    assert included["completed_works"] == 2
    assert [statuses(warehouse, "completed_work")[w] for w in works] == [
        "approved", "over_limit", "over_limit"]


def test_dry_run_is_the_default_and_writes_nothing(warehouse):
    s, _ = qa_scenario()
    s.load(warehouse)
    before = snapshot(warehouse)
    result = run(warehouse)
    assert result["dry_run"] and not result["applied"] and result["completed_works"] == 3
    assert snapshot(warehouse) == before


def test_second_apply_finds_nothing_to_do(warehouse):
    s, _ = qa_scenario()
    s.load(warehouse)
    run(warehouse, dry_run=False)
    before = snapshot(warehouse)
    again = run(warehouse, dry_run=False, run_id="run-2")
    assert again["nothing_to_do"] and not again["applied"]
    assert "Nothing to remediate" in again["message"]
    assert snapshot(warehouse) == before


def test_reviewed_plan_is_applied_exactly(warehouse):
    s, ids = qa_scenario()
    s.load(warehouse)
    plan = apply.plan_only(warehouse, OPP, False, NOW)
    result = run(warehouse, dry_run=False, plan_id=plan.plan_id)
    assert result["plan_id"] == plan.plan_id and result["completed_works"] == 2


def test_stale_plan_id_aborts_with_differences_and_writes_nothing(warehouse):
    s, ids = qa_scenario()
    s.load(warehouse)
    plan = apply.plan_only(warehouse, OPP, False, NOW)
    with warehouse.transaction() as conn:  # a reviewer's plan goes stale: one work got rejected
        conn.execute("UPDATE completed_work SET status = 'rejected' WHERE id = ?", (ids["over"][0],))
    before = snapshot(warehouse)
    with pytest.raises(StalePlanError) as err:
        run(warehouse, dry_run=False, plan_id=plan.plan_id)
    assert f"completed_work {ids['over'][3]}: in the reviewed plan, no longer over cap" in str(err.value)
    assert snapshot(warehouse) == before


def test_error_after_first_batch_leaves_database_exactly_as_before(warehouse):
    s, _ = qa_scenario()
    s.load(warehouse)
    before = snapshot(warehouse)
    calls = []

    def fail_after_first(number, total):
        calls.append((number, total))
        raise RuntimeError("injected failure")

    with pytest.raises(RemediationError, match=r"step 'flip batch 1/2'.*injected failure"):
        run(warehouse, dry_run=False, opportunity_id=OPP, batch_size=1, after_batch=fail_after_first)
    assert calls == [(1, 2)]
    assert snapshot(warehouse) == before


@pytest.mark.parametrize("kwargs, field", [
    ({"opportunity_id": "not-a-uuid"}, "opportunity_id"),
    ({"opportunity_id": "00000000-0000-4000-8000-000000000000"}, "does not exist"),
    ({"batch_size": 0}, "batch_size"),
    ({"plan_id": "nope"}, "plan_id nope is not a stored plan"),
])
def test_bad_input_names_the_field(warehouse, kwargs, field):
    s, _ = qa_scenario()
    s.load(warehouse)
    with pytest.raises(InputError, match=field):
        run(warehouse, dry_run=False, **kwargs)


def test_unknown_status_and_negative_limit_are_refused(warehouse):
    s, ids = qa_scenario()
    s.load(warehouse)
    with warehouse.transaction() as conn:
        conn.execute("UPDATE completed_work SET status = 'paid' WHERE id = ?", (ids["over"][0],))
    with pytest.raises(InputError, match="completed_work.status"):
        run(warehouse)
    with warehouse.transaction() as conn:
        conn.execute("UPDATE completed_work SET status = 'approved'")
        conn.execute("UPDATE opportunity_claim_limit SET max_visits = -1")
    with pytest.raises(InputError, match="max_visits is negative"):
        run(warehouse)
