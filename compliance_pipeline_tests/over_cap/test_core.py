"""Pure rules: selection, plan digest, accrual projection, diffs, input validation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_pipeline.errors import InputError
from compliance_pipeline.over_cap import core
from compliance_pipeline_tests.over_cap.helpers import select_over_cap

T = datetime(2026, 1, 1, tzinfo=timezone.utc)


def work(cw_id, access=1, status="approved", accrual=1000, visits=((1, "approved"),), suspended=False):
    return core.OverCapWork(cw_id, access, 1, status, 4, 3, accrual if status == "approved" else 0,
                            accrual // 5 if status == "approved" else 0, suspended, tuple(visits))


def accrual(access, suspended=False, worker=5000, org=1000):
    return core.AccessAccrual(access, f"u{access}", suspended, worker, org, worker, org)


def test_select_over_cap_keeps_first_max_by_date_then_id_and_ignores_uncounted():
    works = [(5, T, "approved"), (2, T, "approved"), (9, T - timedelta(hours=1), "pending"),
             (1, T - timedelta(hours=2), "rejected"), (3, T + timedelta(hours=1), "over_limit")]
    assert select_over_cap(works, 1) == [2, 5]
    assert select_over_cap(works, 3) == []


def test_plan_projects_drop_and_skips_suspended():
    plan = core.build_plan(None, False, [work(10, 1), work(11, 1, "pending"), work(20, 2)],
                           [accrual(1), accrual(2, suspended=True)])
    assert [w.completed_work_id for w in plan.works] == [10, 11]
    (flipped, skipped) = plan.accesses
    assert (flipped.worker_accrual_before, flipped.worker_accrual_after) == (5000, 4000)
    assert skipped.skipped and skipped.worker_accrual_drop == 0
    assert plan.totals()["org_accrual_drop"] == 200
    included = core.build_plan(None, True, [work(10, 1), work(20, 2)],
                               [accrual(1), accrual(2, suspended=True)])
    assert len(included.works) == 2 and included.plan_id != plan.plan_id


work_lists = st.lists(st.builds(work, st.integers(1, 10_000), st.integers(1, 5),
                                st.sampled_from(["approved", "pending"])),
                      unique_by=lambda w: w.completed_work_id, max_size=30)


@given(work_lists, st.randoms())
@settings(max_examples=60, deadline=None)
def test_plan_id_depends_on_content_not_order(works, rnd):
    shuffled = list(works)
    rnd.shuffle(shuffled)
    accruals = [accrual(a) for a in range(1, 6)]
    first = core.build_plan("x", False, works, accruals)
    second = core.build_plan("x", False, shuffled, accruals)
    assert first.plan_id == second.plan_id
    assert core.build_plan("y", False, works, accruals).plan_id != first.plan_id


@given(work_lists)
@settings(max_examples=60, deadline=None)
def test_drop_equals_accrual_of_flipped_works(works):
    plan = core.build_plan(None, False, works, [accrual(a) for a in range(1, 6)])
    assert plan.totals()["worker_accrual_drop"] == sum(w.worker_accrual for w in works)
    assert all(a.worker_accrual_after <= a.worker_accrual_before for a in plan.accesses)


def test_diff_lists_removed_added_and_changed_rows():
    old = [("completed_work", 1, 1, "approved"), ("user_visit", 7, 1, "approved")]
    new = [("completed_work", 2, 2, "approved"), ("user_visit", 7, 1, "pending")]
    assert core.diff_items(old, new) == [
        "completed_work 1: in the reviewed plan, no longer over cap",
        "completed_work 2: now over cap (approved), not in the reviewed plan",
        "user_visit 7: status was approved, now pending",
    ]


@pytest.mark.parametrize("value", ["nope", "", "1234"])
def test_opportunity_id_must_be_a_uuid(value):
    with pytest.raises(InputError, match="opportunity_id"):
        core.validate_opportunity_id(value)


@pytest.mark.parametrize("value", [0, -5, True, "10", 2.5])
def test_batch_size_must_be_positive_int(value):
    with pytest.raises(InputError, match="batch_size"):
        core.validate_batch_size(value)
