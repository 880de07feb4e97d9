"""The budget audit's pure core: the row, its validation, and seed 001's summary formulas.

No dagster, no database, no clock, no files: the log and the rollups feed aggregates in,
these functions turn them into the seed's dicts (same keys, same rounding, same order of
floating-point operations, so the numbers match the seed's to the last digit).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone
from typing import Any

from compliance_pipeline.errors import InputError

NO_DATA = {"error": "No audit data"}
PEAK_SUN_HOURS_PER_DAY = 6.0  # the seed's "~6 peak sun hours"
WARN_UTILIZATION_PCT = 80.0


@dataclass(frozen=True)
class SlotRecord:
    """One row in the audit log (the seed's fields and types; `date` is the UTC date of `timestamp`)."""

    timestamp: datetime
    date: str
    slot_index: int
    planned_offset_deg: float
    actual_offset_deg: float
    energy_cost_kwh: float
    budget_spent_kwh: float
    budget_remaining_kwh: float
    gate_passed: bool
    source: str
    stage_id: str


COLUMNS = tuple(f.name for f in fields(SlotRecord))

# A control-loop tick names three fields differently (seed: log_slot's getattr calls).
TICK_ATTRIBUTES = {
    "planned_offset_deg": "plan_offset_deg",
    "actual_offset_deg": "target_angle",
    "gate_passed": "live_gate_passed",
}
_FLOATS = ("planned_offset_deg", "actual_offset_deg", "energy_cost_kwh",
           "budget_spent_kwh", "budget_remaining_kwh")
_NON_NEGATIVE = ("energy_cost_kwh",)


@dataclass(frozen=True)
class BudgetSettings:
    capacity_kw: float = 100.0
    max_energy_reduction_pct: float = 5.0

    def __post_init__(self):
        for name in ("capacity_kw", "max_energy_reduction_pct"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
                    or value < 0:
                raise InputError(f"{name} must be a finite number >= 0, got {value!r}")

    @property
    def ceiling_kwh(self) -> float:
        # Same operation order as the seed, so the float is bit-identical.
        daily_potential_kwh = self.capacity_kw * PEAK_SUN_HOURS_PER_DAY
        annual_potential_kwh = daily_potential_kwh * 365
        return annual_potential_kwh * self.max_energy_reduction_pct / 100.0


def record_from_tick(tick: Any) -> SlotRecord:
    """A validated SlotRecord from a SlotRecord, a mapping of its fields, or a control-loop tick.

    Every field is required (the seed's getattr defaults would log made-up zeros); `date`
    is derived from the timestamp and, when given, must agree with it.
    """
    given = _given_fields(tick)
    values: dict[str, Any] = {}
    for name in COLUMNS:
        if name != "date" and name not in given:
            raise InputError(f"{name} is missing")
        values[name] = given.get(name)

    timestamp = _utc_timestamp(values["timestamp"])
    values["timestamp"] = timestamp
    values["date"] = timestamp.date().isoformat()
    if given.get("date") is not None and str(given["date"]) != values["date"]:
        raise InputError(f"date {given['date']!r} is not the UTC date of timestamp {timestamp.isoformat()}")
    values["slot_index"] = _integer("slot_index", values["slot_index"])
    for name in _FLOATS:
        values[name] = _finite(name, values[name])
    for name in _NON_NEGATIVE:
        if values[name] < 0:
            raise InputError(f"{name} must be >= 0, got {values[name]!r}")
    values["gate_passed"] = _boolean("gate_passed", values["gate_passed"])
    for name in ("source", "stage_id"):
        if not isinstance(values[name], str):
            raise InputError(f"{name} must be a string, got {type(values[name]).__name__}")
    return SlotRecord(**values)


def _given_fields(tick: Any) -> dict[str, Any]:
    """The SlotRecord fields a record, mapping or tick object provides (tick names mapped)."""
    if isinstance(tick, dict):
        has, get = tick.__contains__, tick.__getitem__
    else:
        has, get = (lambda name: hasattr(tick, name)), (lambda name: getattr(tick, name))
    given = {}
    for name in COLUMNS:
        alias = TICK_ATTRIBUTES.get(name)
        if has(name):
            given[name] = get(name)
        elif alias and has(alias):
            given[name] = get(alias)
    return given


def _utc_timestamp(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise InputError(f"timestamp must be an ISO-8601 date-time, got {value!r}") from exc
    if not isinstance(value, datetime):
        raise InputError(f"timestamp must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(f"timestamp must be time-zone aware, got naive {value.isoformat()}")
    return value.astimezone(timezone.utc)


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be an integer, got {value!r}")
    return int(value)


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value!r}")
    return value


def _boolean(name: str, value: Any) -> bool:
    if type(value).__name__ not in ("bool", "bool_"):  # Python or NumPy bool, nothing truthy
        raise InputError(f"{name} must be a boolean, got {value!r}")
    return bool(value)


# --------------------------------------------------------------------------- rollups


@dataclass(frozen=True)
class DayAggregate:
    """What the log holds for one day (slots == 0: the day has no rows)."""

    day: date
    slots: int
    total_cost_kwh: float = 0.0
    interventions: int = 0
    max_abs_offset_deg: float | None = None
    last_budget_remaining_kwh: float | None = None


@dataclass(frozen=True)
class LogAggregate:
    """What the log holds over a period (rows == 0: nothing logged)."""

    rows: int
    days: int = 0
    total_cost_kwh: float = 0.0
    interventions: int = 0


def daily_summary(day: DayAggregate, *, log_is_empty: bool) -> dict:
    """Seed 001's daily_summary dict."""
    if log_is_empty:
        return dict(NO_DATA)
    if day.slots == 0:
        return {"date": day.day.isoformat(), "slots": 0, "total_cost_kwh": 0.0}
    return {
        "date": day.day.isoformat(),
        "slots": day.slots,
        "total_cost_kwh": round(float(day.total_cost_kwh), 4),
        "interventions": int(day.interventions),
        "max_offset_deg": round(float(day.max_abs_offset_deg), 1),
        "budget_remaining_kwh": round(float(day.last_budget_remaining_kwh), 4),
    }


def weekly_report(agg: LogAggregate, settings: BudgetSettings) -> dict:
    """Seed 001's weekly_report dict: the log's daily rate projected over a year vs the ceiling."""
    if agg.rows == 0:
        return dict(NO_DATA)
    total_cost = float(agg.total_cost_kwh)
    ceiling_kwh = settings.ceiling_kwh
    if agg.days > 0:
        daily_rate = total_cost / agg.days
        projected_annual = daily_rate * 365
    else:
        daily_rate, projected_annual = 0, 0
    return {
        "period_days": agg.days,
        "total_cost_kwh": round(total_cost, 3),
        "daily_avg_kwh": round(daily_rate, 4),
        "projected_annual_kwh": round(projected_annual, 1),
        "ceiling_kwh": round(ceiling_kwh, 1),
        "ceiling_pct": settings.max_energy_reduction_pct,
        "utilization_pct": round(projected_annual / ceiling_kwh * 100, 1) if ceiling_kwh > 0 else 0,
        "compliant": projected_annual <= ceiling_kwh,
        "total_interventions": int(agg.interventions),
        "intervention_rate_pct": round(agg.interventions / agg.rows * 100, 1),
    }


def ceiling_verdict(report: dict) -> str:
    """'ok', 'warn' (>= 80% of the ceiling) or 'error' (projection over the ceiling)."""
    if "error" in report:
        return "ok"
    if not report["compliant"]:
        return "error"
    return "warn" if report["utilization_pct"] >= WARN_UTILIZATION_PCT else "ok"


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=i) for i in range(7)]
