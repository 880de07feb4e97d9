"""The budget audit's pure core: the row, its validation, and the original budget script's summary formulas.

No dagster, no database, no clock, no files: the log and the rollups feed aggregates in,
these functions turn them into the original script's dicts (same keys, same rounding, same order of
floating-point operations, so the numbers match the original script's to the last digit).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone
from typing import Any

from compliance_pipeline.errors import InputError

NO_DATA = {"error": "No audit data"}
PEAK_SUN_HOURS_PER_DAY = 6.0  # the original script's "~6 peak sun hours"
WARN_UTILIZATION_PCT = 80.0


@dataclass(frozen=True)
class SlotRecord:
    """One row in the audit log (the original script's fields and types; `date` is the UTC date of `timestamp`)."""

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

# A control-loop tick names three fields differently (original: log_slot's getattr calls).
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
            check_setting(name, getattr(self, name))

    @property
    def ceiling_kwh(self) -> float:
        # Same operation order as the original script, so the float is bit-identical.
        daily_potential_kwh = self.capacity_kw * PEAK_SUN_HOURS_PER_DAY
        annual_potential_kwh = daily_potential_kwh * 365
        return annual_potential_kwh * self.max_energy_reduction_pct / 100.0


# Bounds that keep the ceiling (capacity x 6 h x 365 x pct / 100) a finite, meaningful number.
SETTING_BOUNDS = {"capacity_kw": (0.0, 1e9), "max_energy_reduction_pct": (0.0, 100.0)}


def check_setting(name: str, value: Any, *, label: str | None = None) -> float:
    """A budget setting as a float, or InputError naming it (`label`, e.g. the env variable)."""
    low, high = SETTING_BOUNDS[name]
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real)
    try:
        ok = ok and low <= float(value) <= high  # False for NaN
    except OverflowError:
        ok = False
    if not ok:
        raise InputError(f"{label or name} must be a number from {low:g} to {high:g}, got {_shown(value)}")
    return float(value)


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # the parquet column type of slot_index


def record_from_tick(tick: Any) -> SlotRecord:
    """A validated SlotRecord from a SlotRecord, a mapping of its fields, or a control-loop tick.

    Every field is required (the original script's getattr defaults would log made-up zeros); `date`
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
        raise InputError(f"date {_shown(given['date'])} is not the UTC date of timestamp {timestamp.isoformat()}")
    values["slot_index"] = _integer("slot_index", values["slot_index"])
    for name in _FLOATS:
        values[name] = _finite(name, values[name])
    for name in _NON_NEGATIVE:
        if values[name] < 0:
            raise InputError(f"{name} must be >= 0, got {values[name]!r}")
    values["gate_passed"] = _boolean("gate_passed", values["gate_passed"])
    for name in ("source", "stage_id"):
        values[name] = _text(name, values[name])
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


def _shown(value: Any, limit: int = 60) -> str:
    """repr(value) cut to one short line for an error message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _utc_timestamp(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise InputError(f"timestamp must be an ISO-8601 date-time, got {_shown(value)}") from exc
    if not isinstance(value, datetime):
        raise InputError(f"timestamp must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(f"timestamp must be time-zone aware, got naive {value.isoformat()}")
    try:
        return value.astimezone(timezone.utc)
    except OverflowError as exc:  # 0001-01-01T00:00+05:00, 9999-12-31T23:59-05:00
        raise InputError(f"timestamp {value.isoformat()} is out of range in UTC (years 1-9999)") from exc


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be an integer, got {_shown(value)}")
    if not INT64_MIN <= int(value) <= INT64_MAX:
        raise InputError(f"{name} must be a 64-bit integer ({INT64_MIN} to {INT64_MAX}), got {_shown(value)}")
    return int(value)


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be a number, got {_shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond 1.8e308
        number = math.inf
    if not math.isfinite(number):
        raise InputError(f"{name} must be finite, got {_shown(value)}")
    return number


def _boolean(name: str, value: Any) -> bool:
    if type(value).__name__ not in ("bool", "bool_"):  # Python or NumPy bool, nothing truthy
        raise InputError(f"{name} must be a boolean, got {_shown(value)}")
    return bool(value)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InputError(f"{name} must be a string, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate (JSON "\ud800"): parquet stores UTF-8 only
        raise InputError(f"{name} must be valid Unicode text, got {_shown(value)}") from exc
    return str(value)


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
    """The original budget script's daily_summary dict."""
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
    """The original budget script's weekly_report dict: the log's daily rate projected over a year vs the ceiling."""
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
