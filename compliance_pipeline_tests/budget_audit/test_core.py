"""The pure core: validation of a row, the seed's formulas, the ceiling verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from compliance_pipeline.budget_audit import core
from compliance_pipeline.errors import InputError
from compliance_pipeline_tests.budget_audit.helpers import slot


def test_a_control_loop_tick_maps_the_seeds_attribute_names():
    @dataclass
    class Tick:
        timestamp: datetime
        slot_index: int = 7
        plan_offset_deg: float = 12.0
        target_angle: float = -3.5
        energy_cost_kwh: float = 0.4
        budget_spent_kwh: float = 1.0
        budget_remaining_kwh: float = 29.0
        live_gate_passed: bool = True
        source: str = "live"
        stage_id: str = "a"

    record = core.record_from_tick(Tick(timestamp=datetime(2025, 3, 3, 23, 30, tzinfo=timezone(timedelta(hours=-2)))))
    assert record.planned_offset_deg == 12.0 and record.actual_offset_deg == -3.5 and record.gate_passed is True
    # Stored in UTC, and the date is the UTC date (23:30 at UTC-2 is the next day in UTC).
    assert record.timestamp == datetime(2025, 3, 4, 1, 30, tzinfo=timezone.utc)
    assert record.date == "2025-03-04"


@pytest.mark.parametrize("field, value, message", [
    ("timestamp", datetime(2025, 1, 1), "time-zone aware"),
    ("timestamp", "yesterday", "timestamp must be an ISO-8601"),
    ("timestamp", 12, "timestamp must be a datetime"),
    ("energy_cost_kwh", -0.1, "energy_cost_kwh must be >= 0"),
    ("energy_cost_kwh", math.nan, "energy_cost_kwh must be finite"),
    ("budget_remaining_kwh", math.inf, "budget_remaining_kwh must be finite"),
    ("actual_offset_deg", "3", "actual_offset_deg must be a number"),
    ("slot_index", 1.5, "slot_index must be an integer"),
    ("slot_index", True, "slot_index must be an integer"),
    ("gate_passed", 1, "gate_passed must be a boolean"),
    ("source", None, "source must be a string"),
])
def test_bad_fields_raise_naming_the_field(field, value, message):
    with pytest.raises(InputError, match=message):
        core.record_from_tick({**slot(), field: value})


def test_a_missing_field_is_an_error_not_the_seeds_silent_default():
    fields = slot()
    del fields["stage_id"]
    with pytest.raises(InputError, match="stage_id is missing"):
        core.record_from_tick(fields)


def test_a_date_that_disagrees_with_the_timestamp_is_rejected():
    with pytest.raises(InputError, match="date '2025-03-04' is not the UTC date"):
        core.record_from_tick({**slot(), "date": "2025-03-04"})
    assert core.record_from_tick({**slot(), "date": "2025-03-03"}).date == "2025-03-03"


def test_daily_summary_answers_like_the_seed():
    day = date(2025, 3, 3)
    assert core.daily_summary(core.DayAggregate(day, 0), log_is_empty=True) == {"error": "No audit data"}
    assert core.daily_summary(core.DayAggregate(day, 0), log_is_empty=False) == \
        {"date": "2025-03-03", "slots": 0, "total_cost_kwh": 0.0}
    summary = core.daily_summary(core.DayAggregate(day, 3, 1.234567, 2, 12.345, 7.654321), log_is_empty=False)
    assert summary == {"date": "2025-03-03", "slots": 3, "total_cost_kwh": 1.2346, "interventions": 2,
                       "max_offset_deg": 12.3, "budget_remaining_kwh": 7.6543}


def test_weekly_report_projects_the_daily_rate_over_a_year():
    settings = core.BudgetSettings()
    assert settings.ceiling_kwh == 10950.0  # 100 kW x 6 h x 365 x 5%
    report = core.weekly_report(core.LogAggregate(rows=4, days=2, total_cost_kwh=50.0, interventions=1), settings)
    assert report == {"period_days": 2, "total_cost_kwh": 50.0, "daily_avg_kwh": 25.0,
                      "projected_annual_kwh": 9125.0, "ceiling_kwh": 10950.0, "ceiling_pct": 5.0,
                      "utilization_pct": 83.3, "compliant": True, "total_interventions": 1,
                      "intervention_rate_pct": 25.0}
    assert core.ceiling_verdict(report) == "warn"
    over = core.weekly_report(core.LogAggregate(rows=1, days=1, total_cost_kwh=31.0), settings)
    assert over["compliant"] is False and core.ceiling_verdict(over) == "error"
    assert core.ceiling_verdict(core.weekly_report(core.LogAggregate(rows=0), settings)) == "ok"


def test_a_zero_ceiling_reports_zero_utilization_like_the_seed():
    report = core.weekly_report(core.LogAggregate(rows=1, days=1, total_cost_kwh=0.0),
                                core.BudgetSettings(max_energy_reduction_pct=0.0))
    assert report["utilization_pct"] == 0 and report["compliant"] is True


def test_bad_settings_name_the_field():
    with pytest.raises(InputError, match="capacity_kw"):
        core.BudgetSettings(capacity_kw=-1.0)
