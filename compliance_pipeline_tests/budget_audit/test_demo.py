"""Demo data: deterministic, replaces the log, realistic, under the ceiling overall."""

from __future__ import annotations

from datetime import date, datetime, timezone

from compliance_pipeline.budget_audit import demo, storage
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline_tests.budget_audit.helpers import daily_summaries

ANCHOR = date(2025, 3, 16)


def test_demo_is_deterministic_replaces_the_log_and_clears_outputs(warehouse, tmp_path):
    log = BudgetAuditLog(tmp_path / "log")
    storage.replace_daily_summaries(warehouse, ANCHOR, ANCHOR, [{"date": "2025-03-16", "slots": 0,
                                                                 "total_cost_kwh": 0.0}],
                                    datetime(2025, 3, 17, tzinfo=timezone.utc))
    first = demo.load_demo(warehouse, seed=5, scale=1, anchor=ANCHOR, log=log)
    frame_one = log.load()
    second = demo.load_demo(warehouse, seed=5, scale=1, anchor=ANCHOR, log=log)
    assert first == second and first["ticks"] == 42 * 96 and first["files"] == 42 * 4
    assert log.load().equals(frame_one)
    assert daily_summaries(warehouse, ANCHOR, ANCHOR) == []
    assert str(frame_one["date"].max()) == "2025-03-16"
    night = frame_one[frame_one["timestamp"].dt.hour < 5]
    assert (night["energy_cost_kwh"] == 0).all() and frame_one["gate_passed"].mean() < 0.1
    assert log.weekly_report()["compliant"] is True


def test_scale_multiplies_days(warehouse, tmp_path):
    result = demo.load_demo(warehouse, seed=5, scale=2, anchor=ANCHOR, log=BudgetAuditLog(tmp_path))
    assert result["days"] == 84



def test_demo_forgets_the_batch_ids_of_the_log_it_replaces(warehouse, tmp_path):
    log = BudgetAuditLog(tmp_path / "log")
    demo.load_demo(warehouse, seed=5, scale=1, anchor=ANCHOR, log=log)
    day = [r for r in log.load().to_dict("records") if r["slot_index"] < 4][:4]
    assert log.log_slots(day, batch_id="controller-7") == 4
    assert log.log_slots(day, batch_id="controller-7") == 0  # a retry appends nothing
    demo.load_demo(warehouse, seed=5, scale=1, anchor=ANCHOR, log=log)
    # The batch went with the replaced log: the same id now appends (it is not "already committed").
    assert log.log_slots(day, batch_id="controller-7") == 4
