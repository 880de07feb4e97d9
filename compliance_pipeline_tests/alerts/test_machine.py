"""The state machine: the seed's own four cases, and equality with the seed on random streams."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_pipeline.alerts.machine import ACTIVE, IDLE, Limits, RuleState, run_series
from compliance_pipeline.alerts.rules import Rule
from compliance_pipeline_tests.alerts.reference import SeedState, seed_events
from compliance_pipeline_tests.alerts.scalar_forms import step


def rule(**kw) -> Rule:
    base = dict(id=1, unit_id="u", name="r", metric="leq", comparison="above", threshold_db=70.0,
                duration_s=10.0, clear_margin_db=3.0)
    return Rule(**{**base, **kw})


def step_events(r: Rule, values, times=None, state=None):
    state = state or RuleState()
    times = times if times is not None else [float(i) for i in range(len(values))]
    limits = Limits.of(r)
    out = []
    for i, (t, v) in enumerate(zip(times, values)):
        action = step(state, v, t, limits)
        if action:
            out.append((action, i, state.peak))
    return out


def series_events(r: Rule, values, times=None, state=None):
    state = state or RuleState()
    times = np.array(times if times is not None else range(len(values)), dtype=float)
    return [(t.kind, t.index, t.peak) for t in run_series(state, times, np.array(values, float), Limits.of(r))]


BOTH = (step_events, series_events)


def test_onset_waits_for_the_duration_then_fires_once():
    r = rule(duration_s=3)
    values = [60, 75, 76, 77, 78, 79, 80]  # exceeding from t=1; 3 s later (t=4) it fires
    for run in BOTH:
        assert run(r, values) == [("onset", 4, 78.0)]


def test_a_spike_shorter_than_the_duration_is_rejected():
    r = rule(duration_s=5)
    values = [60, 90, 91, 60, 90, 90, 60, 60]
    for run in BOTH:
        assert run(r, values) == []


def test_hysteresis_holds_the_alert_inside_the_margin():
    r = rule(duration_s=0, clear_margin_db=3.0)
    values = [75, 69, 68, 67.5, 69.9, 66.9, 60]  # 69..67.5 is below 70 but not below 67: still active
    for run in BOTH:
        assert run(r, values) == [("onset", 0, 75.0), ("clear", 5, 75.0)]


def test_below_comparison_fires_on_low_levels_and_tracks_the_minimum():
    r = rule(comparison="below", threshold_db=30.0, duration_s=2, clear_margin_db=5.0)
    values = [40, 25, 20, 18, 15, 33, 36, 36, 36]
    for run in BOTH:
        assert run(r, values) == [("onset", 3, 18.0), ("clear", 8, 15.0)]


def test_duration_zero_fires_at_the_first_exceeding_reading():
    for run in BOTH:
        assert run(rule(duration_s=0, clear_margin_db=0), [71, 69]) == [("onset", 0, 71.0), ("clear", 1, 71.0)]


def test_peak_ignores_nan_readings_like_the_seed():
    r = rule(duration_s=0, clear_margin_db=0)
    values = [75, math.nan, 80, math.nan, 60]
    assert step_events(r, values) == series_events(r, values) == [("onset", 0, 75.0), ("clear", 4, 80.0)]


levels = st.floats(min_value=40, max_value=100, allow_nan=False) | st.just(math.nan)
rules = st.builds(
    rule, comparison=st.sampled_from(["above", "below"]), threshold_db=st.sampled_from([60.0, 70.0, 80.0]),
    duration_s=st.sampled_from([0.0, 1.0, 2.5, 5.0, 30.0]), clear_margin_db=st.sampled_from([0.0, 2.0, 5.0]))


@st.composite
def streams(draw):
    values = draw(st.lists(levels, max_size=80))
    gaps = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.0, 7.0]), min_size=len(values),
                         max_size=len(values)))
    return [float(t) for t in np.cumsum(gaps)], values


@settings(max_examples=300, deadline=None)
@given(r=rules, stream=streams())
def test_step_and_series_equal_the_seed_on_random_streams(r, stream):
    times, values = stream
    expected = seed_events(r, times, values)
    assert step_events(r, values, times) == expected
    assert series_events(r, values, times) == expected


@settings(max_examples=300, deadline=None)
@given(r=rules, stream=streams(), cut=st.integers(min_value=0, max_value=80))
def test_splitting_a_stream_with_the_state_carried_over_changes_nothing(r, stream, cut):
    times, values = stream
    cut = min(cut, len(values))
    whole_state, split_state = RuleState(), RuleState()
    whole = series_events(r, values, times, whole_state)
    first = series_events(r, values[:cut], times[:cut], split_state)
    second = series_events(r, values[cut:], times[cut:], split_state)
    assert first + [(k, i + cut, p) for k, i, p in second] == whole
    assert split_state == whole_state
    seed_state = SeedState()
    seed_events(r, times, values, seed_state)
    assert (split_state.phase, split_state.edge_since) == (seed_state.phase, seed_state.edge_since)
    if split_state.phase == ACTIVE:
        assert split_state.peak == seed_state.peak
    assert split_state.phase in (IDLE, ACTIVE)
