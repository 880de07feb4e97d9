"""One rule over one unit's readings: schedule and missing-value skips, then the machine. Pure.

Readings come in as arrays (epoch seconds, float values, a `present` mask). A reading
outside the rule's schedule, or with a missing / non-numeric value, is skipped for that
rule and leaves its state untouched (the original script's `continue`), but is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compliance_pipeline.alerts.machine import Limits, RuleState, run_series
from compliance_pipeline.alerts.rules import Rule
from compliance_pipeline.alerts.time_windows import schedule_mask


@dataclass(frozen=True)
class Edge:
    """An onset or clear at a reading: its time (epoch s), its value, the peak so far."""

    kind: str
    at: float
    value: float
    peak: float


@dataclass
class RuleOutcome:
    readings: int = 0
    skipped_schedule: int = 0
    skipped_missing: int = 0
    edges: list[Edge] = field(default_factory=list)

    @property
    def evaluated(self) -> int:
        return self.readings - self.skipped_schedule - self.skipped_missing


def evaluate_rule(rule: Rule, state: RuleState, times: np.ndarray, values: np.ndarray,
                  present: np.ndarray) -> RuleOutcome:
    """Advance `state` (mutated) over readings in time order; the edges they produced."""
    outcome = RuleOutcome(readings=len(times))
    if len(times) == 0:
        return outcome
    scheduled = schedule_mask(rule, times)
    usable = scheduled & present
    outcome.skipped_schedule = int(len(times) - scheduled.sum())
    outcome.skipped_missing = int(scheduled.sum() - usable.sum())
    chosen = np.flatnonzero(usable)
    picked_times, picked_values = times[chosen], values[chosen]
    for t in run_series(state, picked_times, picked_values, Limits.of(rule)):
        outcome.edges.append(Edge(t.kind, float(picked_times[t.index]), float(picked_values[t.index]), t.peak))
    return outcome


def onset_detail(rule: Rule, value: float) -> str:
    """The original script's log text for an onset."""
    sign = "<" if rule.comparison == "below" else ">"
    held = f" for {rule.duration_s:g}s" if rule.duration_s else ""
    return f"{rule.metric.upper()}={value:.1f} dB {sign} {rule.threshold_db:.1f} dB{held}"


def clear_detail(value: float, peak: float) -> str:
    return f"recovered to {value:.1f} dB (peak {peak:.1f} dB)"
