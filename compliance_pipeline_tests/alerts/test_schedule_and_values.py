"""Schedules at the snapshot's local time (wrap-around, weekdays, DST), and skipped readings."""

from datetime import datetime, timedelta, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_pipeline.alerts.machine import RuleState
from compliance_pipeline.alerts.rule_outcome import evaluate_rule
from compliance_pipeline.alerts.rules import Rule
from compliance_pipeline.alerts.time_windows import schedule_mask
from compliance_pipeline_tests.alerts.scalar_forms import in_schedule, in_window, parse_values


def rule(**kw) -> Rule:
    base = dict(id=1, unit_id="u", name="r", metric="leq", comparison="above", threshold_db=70.0)
    return Rule(**{**base, **kw})


def epoch(*args, tz=timezone.utc) -> float:
    return datetime(*args, tzinfo=tz).timestamp()


def test_window_wraps_past_midnight_and_equal_ends_mean_all_day():
    assert in_window(23 * 60, "22:00", "07:00") and in_window(6 * 60 + 59, "22:00", "07:00")
    assert not in_window(7 * 60, "22:00", "07:00") and not in_window(12 * 60, "22:00", "07:00")
    assert in_window(0, "08:00", "08:00") and in_window(1439, "08:00", "08:00")
    assert in_window(8 * 60, "08:00", "17:00") and not in_window(17 * 60, "08:00", "17:00")


def test_night_window_is_judged_in_the_rules_zone():
    night = rule(schedule_start="22:00", schedule_end="07:00", timezone="America/New_York")
    # 03:00 UTC on a January day is 22:00 in New York (EST, UTC-5): inside; 02:59 UTC is 21:59: outside.
    times = np.array([epoch(2026, 1, 15, 3, 0), epoch(2026, 1, 15, 2, 59), epoch(2026, 1, 15, 11, 59),
                      epoch(2026, 1, 15, 12, 0)])
    assert schedule_mask(night, times).tolist() == [True, False, True, False]


def test_weekday_window_uses_the_local_day_monday_zero():
    weekdays = rule(schedule_start="07:00", schedule_end="19:00", schedule_days="0,1,2,3,4", timezone="Asia/Tokyo")
    # Friday 2026-01-16 23:30 UTC is Saturday 08:30 in Tokyo: outside; Monday 00:30 UTC is Monday 09:30: inside.
    times = np.array([epoch(2026, 1, 16, 23, 30), epoch(2026, 1, 19, 0, 30)])
    assert schedule_mask(weekdays, times).tolist() == [False, True]
    days_only = rule(schedule_days="5,6", timezone="Asia/Tokyo")
    assert schedule_mask(days_only, times).tolist() == [True, False]


def test_dst_change_day_moves_the_window_by_an_hour_in_utc():
    night = rule(schedule_start="22:00", schedule_end="07:00", timezone="America/New_York")
    # 2026-03-08: clocks go 02:00 -> 03:00 in New York. Before: EST (UTC-5), after: EDT (UTC-4).
    # The window ends at 07:00 local: 12:00 UTC before the change day, 11:00 UTC on it.
    before_end = [epoch(2026, 3, 7, 11, 59), epoch(2026, 3, 7, 12, 0)]
    change_day_end = [epoch(2026, 3, 8, 10, 59), epoch(2026, 3, 8, 11, 0)]
    assert schedule_mask(night, np.array(before_end)).tolist() == [True, False]
    assert schedule_mask(night, np.array(change_day_end)).tolist() == [True, False]
    # Every minute of the change day: the vectorized mask equals the per-reading zoneinfo check.
    for change_day in (epoch(2026, 3, 8), epoch(2026, 11, 1)):  # spring forward, fall back
        minutes = np.array([change_day + 60 * i for i in range(1440)])
        assert schedule_mask(night, minutes).tolist() == [in_schedule(night, float(t)) for t in minutes]
    # Fall back: 01:30 local happens twice (05:30 and 06:30 UTC); both are inside the night window.
    assert schedule_mask(night, np.array([epoch(2026, 11, 1, 5, 30), epoch(2026, 11, 1, 6, 30)])).all()


@settings(max_examples=60, deadline=None)
@given(start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
       zone=st.sampled_from(["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"]),
       window=st.sampled_from([("22:00", "07:00"), ("07:30", "19:15"), ("00:00", "00:00"), (None, None)]),
       days=st.sampled_from([None, "0,1,2,3,4", "5,6", "2"]))
def test_vectorized_schedule_equals_per_reading_zoneinfo(start, zone, window, days):
    r = rule(schedule_start=window[0], schedule_end=window[1], schedule_days=days, timezone=zone)
    base = start.replace(tzinfo=timezone.utc).timestamp()
    times = base + np.arange(0, 3 * 86400, 1013.0)
    assert schedule_mask(r, times).tolist() == [in_schedule(r, float(t)) for t in times]


def test_missing_and_dash_readings_are_skipped_counted_and_leave_state_untouched():
    values, present = parse_values([75, "-.-", None, "76.5", "abc", 60])
    assert present.tolist() == [True, False, False, True, False, True]
    r = rule(duration_s=1.0)
    state = RuleState()
    outcome = evaluate_rule(r, state, np.arange(6, dtype=float), values, present)
    # 75 at t=0 starts the edge; the gaps do not reset it; 76.5 at t=3 fires (3 s >= 1 s).
    assert [(e.kind, e.at, e.value) for e in outcome.edges] == [("onset", 3.0, 76.5)]
    assert (state.phase, state.edge_since, state.peak) == ("active", 5.0, 76.5)  # 60 starts the clear edge
    assert (outcome.readings, outcome.skipped_missing, outcome.evaluated) == (6, 3, 3)


def test_out_of_schedule_readings_do_not_reset_a_pending_edge():
    r = rule(duration_s=120.0, schedule_start="22:00", schedule_end="07:00")
    start = epoch(2026, 1, 15, 21, 58)
    times = np.array([start + 60 * i for i in range(6)])  # 21:58, 21:59 outside; 22:00.. inside
    values, present = parse_values([90, 50, 90, 90, 90, 90])
    state = RuleState()
    outcome = evaluate_rule(r, state, times, values, present)
    assert outcome.skipped_schedule == 2
    assert [(e.kind, e.at) for e in outcome.edges] == [("onset", start + 240)]
    assert datetime.fromtimestamp(outcome.edges[0].at, timezone.utc) == datetime(
        2026, 1, 15, 22, 2, tzinfo=timezone.utc)
    assert timedelta(seconds=outcome.edges[0].at - times[2]) == timedelta(minutes=2)
