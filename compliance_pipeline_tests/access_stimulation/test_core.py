"""The original script's decision rules, pure (no database)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance_pipeline.access_stimulation import core
from compliance_pipeline.errors import InputError

AS_OF = datetime(2026, 3, 16, tzinfo=timezone.utc)


def evaluate_one(totals, *, last_flagged_at, as_of, **kw):
    """One profile's outcome: evaluate_many for one."""
    last = {} if last_flagged_at is None else {totals.profile_id: last_flagged_at}
    (evaluation,) = core.evaluate_many([totals], last_flagged=last, as_of=as_of, **kw)
    return evaluation


def decide(term, orig, last_flagged_at=None, **kw):
    return evaluate_one(core.ProfileTotals(1, term, orig), last_flagged_at=last_flagged_at, as_of=AS_OF, **kw)


def test_ratio_exactly_three_is_below_and_just_above_flags():
    assert decide(3000, 1000).reason == core.BELOW_THRESHOLD
    assert decide(3001, 1000).reason == core.FLAGGED


def test_no_originating_minutes_is_never_flagged():
    assert decide(10_000, 0).reason == core.NO_ORIG_TRAFFIC
    assert decide(10_000, -5).reason == core.NO_ORIG_TRAFFIC


@pytest.mark.parametrize(("days_ago", "reason"), [
    (29, core.COOLDOWN), (30, core.FLAGGED), (29.99, core.COOLDOWN), (31, core.FLAGGED)])
def test_cooldown_counts_whole_days(days_ago, reason):
    ev = decide(4000, 1000, last_flagged_at=AS_OF - timedelta(days=days_ago))
    assert ev.reason == reason


def test_threshold_and_cooldown_are_settings():
    assert decide(2500, 1000, threshold=2.0).reason == core.FLAGGED
    assert decide(4000, 1000, last_flagged_at=AS_OF - timedelta(days=3), cooldown_days=2).reason == core.FLAGGED
    with pytest.raises(InputError, match="threshold"):
        core.validate_settings(0, 30)
    with pytest.raises(InputError, match="cooldown_days"):
        core.validate_settings(3.0, -1)


def test_evaluate_many_decides_each_profile_alone_or_together():
    totals = [core.ProfileTotals(1, 5, 0), (2, 2999, 1000), (3, 4000, 1000), (4, 4000, 1000), (5, 4000, 1000),
              (6, 9000, 1000)]
    last = {3: AS_OF - timedelta(days=10), 4: AS_OF - timedelta(days=30), 2: AS_OF - timedelta(days=1)}
    many = core.evaluate_many(totals, last_flagged=last, as_of=AS_OF)
    assert [ev.reason for ev in many] == [core.NO_ORIG_TRAFFIC, core.BELOW_THRESHOLD, core.COOLDOWN,
                                         core.FLAGGED, core.FLAGGED, core.FLAGGED]
    assert many == [evaluate_one(core.ProfileTotals(*t), last_flagged_at=last.get(t[0]), as_of=AS_OF)
                    for t in totals]
    assert all(type(ev) is core.Evaluation for ev in many) and many[3].last_flagged_at == last[4]
    assert many[1].last_flagged_at is None and many[1].ratio == 2.999


def test_summaries_have_the_seeds_keys_per_outcome():
    assert set(core.summary(decide(5, 0), dry_run=False)) == {
        "profile_id", "flagged", "reason", "term_minutes", "orig_minutes"}
    assert core.summary(decide(2999, 1000), dry_run=False) == {
        "profile_id": 1, "flagged": False, "reason": "below_threshold", "ratio": 2.999,
        "term_minutes": 2999, "orig_minutes": 1000}
    cooling = core.summary(decide(4000, 1000, AS_OF - timedelta(days=10)), dry_run=False)
    assert cooling["reason"] == "cooldown" and cooling["last_flagged_at"] == "2026-03-06T00:00:00+00:00"
    flagged = decide(4000, 1000)
    evidence = core.evidence(flagged, as_of=AS_OF, threshold=3.0, months=[])
    assert {"ratio", "term_minutes", "orig_minutes", "threshold", "window", "evaluated_at"} <= set(evidence)
    assert evidence["window"] == "6m" and evidence["ratio"] == 4.0
    assert core.summary(flagged, dry_run=True, evidence_payload=evidence) == {
        "profile_id": 1, "flagged": True, "dry_run": True, "evidence": evidence}


def test_todo_names_profile_ratio_minutes_window_time_and_disclosure():
    ev = decide(4_500_000, 1_000_000)
    payload = core.todo_payload(ev, core.evidence(ev, as_of=AS_OF, threshold=3.0, months=[]))
    assert (payload["priority"], payload["role"]) == ("High", "Accounting Advisor")
    text = payload["description"]
    for part in ("profile_id=1", "4.50:1", "4,500,000", "1,000,000", "window=6m", "2025-09-16",
                 "2026-03-16T00:00:00+00:00", "47 CFR 61.3(bbb)", "term_switched_access"):
        assert part in text


def test_window_is_six_calendar_months_clamped_to_month_end():
    assert core.window_start(AS_OF) == datetime(2025, 9, 16, tzinfo=timezone.utc)
    assert core.window_start(datetime(2026, 8, 31, tzinfo=timezone.utc)) == datetime(2026, 2, 28, tzinfo=timezone.utc)
    assert core.as_of_for_partition(date(2026, 3, 15)) == AS_OF
    with pytest.raises(InputError, match="as_of"):
        core.window_start(datetime(2026, 3, 16))


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31)))
def test_months_before_moves_exactly_six_months_back(naive):
    moment = naive.replace(tzinfo=timezone.utc)
    start = core.months_before(moment, 6)
    assert (moment.year * 12 + moment.month) - (start.year * 12 + start.month) == 6
    assert start.day <= moment.day and start.time() == moment.time()
    segments = core.month_segments(start, moment)
    assert segments[0][1] == start and segments[-1][2] == moment
    assert all(a[2] == b[1] for a, b in zip(segments, segments[1:]))
