"""The per-(unit, rule) state machine of the original alert engine, in two equivalent forms. Pure.

    IDLE --(value exceeds threshold continuously for duration_s)--> ACTIVE   (onset)
    ACTIVE --(value recovered past threshold -/+ clear_margin_db for duration_s)--> IDLE   (clear)

`run_series` gives the transitions for a whole series of readings at once with numpy: a pass
over a million snapshots spends its time in array operations, not in a Python loop per
reading. The tests hold it equal to the one-reading form of the machine on random streams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compliance_pipeline.alerts.rules import Rule

IDLE, ACTIVE = "idle", "active"
ONSET, CLEAR = "onset", "clear"


@dataclass(slots=True)
class RuleState:
    """What the machine remembers between readings; persisted per (unit, rule)."""

    phase: str = IDLE
    edge_since: float | None = None  # epoch seconds the current edge condition began
    peak: float = 0.0
    event_id: int | None = None  # the open alert_events row while ACTIVE


@dataclass(frozen=True, slots=True)
class Limits:
    """A rule's numbers, resolved once so the per-reading work is comparisons only."""

    below: bool
    threshold: float
    clear_level: float
    duration: float

    @classmethod
    def of(cls, rule: Rule) -> Limits:
        below = rule.comparison == "below"
        margin = rule.clear_margin_db or 0.0
        clear_level = rule.threshold_db + margin if below else rule.threshold_db - margin
        return cls(below, rule.threshold_db, clear_level, rule.duration_s or 0.0)


@dataclass(frozen=True, slots=True)
class Transition:
    kind: str  # onset | clear
    index: int  # position in the series
    peak: float  # for a clear: the extreme value while active


def _run_starts(condition: np.ndarray, times: np.ndarray, carried: float | None) -> np.ndarray:
    """For each reading where `condition` holds, the time its unbroken run began (NaN elsewhere).
    `carried` is the edge start remembered from earlier readings, continuing a run at index 0."""
    begins = condition.copy()
    begins[1:] &= ~condition[:-1]
    begin_times = times[begins]
    if carried is not None and len(condition) and condition[0]:
        begin_times[0] = carried
    run_number = np.cumsum(begins) - 1
    starts = np.full(len(condition), np.nan)
    starts[condition] = begin_times[run_number[condition]]
    return starts


def run_series(state: RuleState, times: np.ndarray, values: np.ndarray, limits: Limits) -> list[Transition]:
    """Feed every reading (in time order) through the machine, as one reading at a time would."""
    n = len(values)
    if n == 0:
        return []
    if limits.below:
        exceeds, recovered = values < limits.threshold, values > limits.clear_level
    else:
        exceeds, recovered = values > limits.threshold, values < limits.clear_level
    carried = state.edge_since
    exceed_since = _run_starts(exceeds, times, carried if state.phase == IDLE else None)
    recover_since = _run_starts(recovered, times, carried if state.phase == ACTIVE else None)
    with np.errstate(invalid="ignore"):
        onsets = np.flatnonzero(exceeds & (times - exceed_since >= limits.duration))
        clears = np.flatnonzero(recovered & (times - recover_since >= limits.duration))
    extreme = np.fmin.reduce if limits.below else np.fmax.reduce
    transitions: list[Transition] = []
    position, phase, peak, active_from = 0, state.phase, state.peak, 0
    while True:
        candidates = onsets if phase == IDLE else clears
        k = np.searchsorted(candidates, position)
        if k == len(candidates):
            break
        i = int(candidates[k])
        if phase == IDLE:
            phase, peak, active_from = ACTIVE, float(values[i]), i
            transitions.append(Transition(ONSET, i, peak))
        else:
            peak = float(extreme(values[active_from:i + 1], initial=peak))
            phase = IDLE
            transitions.append(Transition(CLEAR, i, peak))
        position = i + 1
    last = n - 1
    if phase == ACTIVE:
        peak = float(extreme(values[active_from:], initial=peak))
        edge = recover_since[last] if recovered[last] else None
    else:
        edge = exceed_since[last] if exceeds[last] else None
    state.phase, state.peak = phase, peak
    state.edge_since = None if edge is None else float(edge)
    return transitions
