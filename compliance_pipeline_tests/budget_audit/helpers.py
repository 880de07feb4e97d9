"""Rows for the budget audit tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from compliance_pipeline.budget_audit import storage

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


def daily_summaries(warehouse, first: date, last: date) -> list[dict]:
    with warehouse.connect() as conn:
        return conn.query_dicts(
            f"SELECT {', '.join(storage.DAILY_COLUMNS)} FROM {storage.DAILY_TABLE} WHERE day BETWEEN ? AND ? ORDER BY day",
            (first, last))


def weekly_reports(warehouse, *, scope: str = "to_date") -> list[dict]:
    """Stored reports of one scope ('week' or 'to_date'), oldest week first."""
    with warehouse.connect() as conn:
        return conn.query_dicts(
            f"SELECT {', '.join(storage.WEEKLY_COLUMNS)} FROM {storage.WEEKLY_TABLE} WHERE scope = ? ORDER BY week_start",
            (scope,))
