"""An independent transcription of seed 003's `_evaluate_step` (rule fields read per call,
state in a plain object), the oracle our step and vectorized series are held equal to."""

from __future__ import annotations


class SeedState:
    def __init__(self):
        self.phase, self.edge_since, self.peak, self.event_id = "idle", None, 0.0, None


def seed_step(state: SeedState, value: float, now: float, rule) -> str | None:
    duration = rule.duration_s or 0
    below = rule.comparison == "below"
    if state.phase == "idle":
        exceeding = value < rule.threshold_db if below else value > rule.threshold_db
        if not exceeding:
            state.edge_since = None
            return None
        if state.edge_since is None:
            state.edge_since = now
        if now - state.edge_since >= duration:
            state.phase, state.edge_since, state.peak = "active", None, value
            return "onset"
        return None
    state.peak = min(state.peak, value) if below else max(state.peak, value)
    margin = rule.clear_margin_db or 0.0
    recovered = value > rule.threshold_db + margin if below else value < rule.threshold_db - margin
    if not recovered:
        state.edge_since = None
        return None
    if state.edge_since is None:
        state.edge_since = now
    if now - state.edge_since >= duration:
        state.phase, state.edge_since = "idle", None
        return "clear"
    return None


def seed_events(rule, times, values, state: SeedState | None = None) -> list[tuple]:
    """(kind, index, peak-at-that-moment) for each transition, as the seed would see them."""
    state = state or SeedState()
    events = []
    for i, (t, v) in enumerate(zip(times, values)):
        action = seed_step(state, v, t, rule)
        if action:
            events.append((action, i, state.peak))
    return events
