"""Rows for the budget audit tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

T0 = datetime(2025, 3, 3, tzinfo=timezone.utc)  # a Monday


def slot(i: int = 0, *, at: datetime | None = None, cost: float = 0.25, gate: bool = False,
         offset: float = 1.5, remaining: float = 10.0) -> dict:
    """One row of SlotRecord fields (a JSON-able dict apart from the timestamp)."""
    return {
        "timestamp": at or T0 + timedelta(minutes=15 * i),
        "slot_index": i,
        "planned_offset_deg": 1.0,
        "actual_offset_deg": offset,
        "energy_cost_kwh": cost,
        "budget_spent_kwh": 0.5,
        "budget_remaining_kwh": remaining,
        "gate_passed": gate,
        "source": "test",
        "stage_id": "s1",
    }
