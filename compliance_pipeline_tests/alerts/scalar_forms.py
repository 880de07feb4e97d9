"""The one-reading forms of the alert rules, which the vectorized production code is held to:
the state machine one reading at a time, a rule's time window for one reading, and a meter's
raw values parsed one by one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from compliance_pipeline.alerts.machine import ACTIVE, CLEAR, IDLE, ONSET, Limits, RuleState
from compliance_pipeline.alerts.rules import Rule, minutes_of


def step(state: RuleState, value: float, now: float, limits: Limits) -> str | None:
    """Advance by one reading: mutates `state`, returns 'onset', 'clear' or None."""
    if state.phase == IDLE:
        if (value < limits.threshold) if limits.below else (value > limits.threshold):
            since = state.edge_since
            if since is None:
                since = state.edge_since = now
            if now - since >= limits.duration:
                state.phase, state.edge_since, state.peak = ACTIVE, None, value
                return ONSET
        else:
            state.edge_since = None
        return None
    if limits.below:
        if value < state.peak:
            state.peak = value
        recovered = value > limits.clear_level
    else:
        if value > state.peak:
            state.peak = value
        recovered = value < limits.clear_level
    if recovered:
        since = state.edge_since
        if since is None:
            since = state.edge_since = now
        if now - since >= limits.duration:
            state.phase, state.edge_since = IDLE, None
            return CLEAR
    else:
        state.edge_since = None
    return None


def in_window(now_minutes: int, start: str, end: str) -> bool:
    """Is now_minutes (since local midnight) in [start, end)? Wraps past midnight; start == end is all day."""
    s, e = minutes_of(start), minutes_of(end)
    if s == e:
        return True
    if s < e:
        return s <= now_minutes < e
    return now_minutes >= s or now_minutes < e


def in_schedule(rule: Rule, epoch_s: float) -> bool:
    """One reading: the original script's `_in_schedule`, at the reading's local time (zoneinfo)."""
    local = datetime.fromtimestamp(epoch_s, ZoneInfo(rule.timezone))
    days = rule.days
    if days is not None and local.weekday() not in days:
        return False
    if rule.schedule_start is None or rule.schedule_end is None:
        return True
    return in_window(local.hour * 60 + local.minute, rule.schedule_start, rule.schedule_end)


def parse_values(raw_values: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Raw readings as sent by a meter: numbers, numeric strings, None or '-.-' (no reading).
    Returns (values, present); a value that float() refuses is not present, as in the original."""
    values, present = [], []
    for raw in raw_values:
        try:
            values.append(float(raw))
            present.append(True)
        except (TypeError, ValueError):
            values.append(np.nan)
            present.append(False)
    return np.array(values, dtype=float), np.array(present, dtype=bool)
