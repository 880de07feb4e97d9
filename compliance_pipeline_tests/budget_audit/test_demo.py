"""Demo data: deterministic, replaces the log, realistic, under the ceiling overall."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone

from compliance_pipeline.budget_audit import demo, storage
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.log_batches import writing
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


def test_demo_waits_for_a_batch_being_written_before_replacing_the_log(warehouse, tmp_path, monkeypatch):
    """A batch mid-write holds the log's batch lock (shared); the demo's swap takes it exclusively,
    so it replaces the log only after that batch committed, never between its files and marker."""
    log = BudgetAuditLog(tmp_path / "log")
    demo.load_demo(warehouse, seed=5, scale=1, anchor=ANCHOR, log=log)
    about_to_swap, committed = threading.Event(), threading.Event()
    clear_outputs = storage.clear_outputs

    def clear_then_signal(wh):  # the demo's last step before it swaps the day folders
        clear_outputs(wh)
        about_to_swap.set()

    def writer():
        with writing(log.path):
            about_to_swap.wait(60)
            time.sleep(0.3)
            committed.set()

    monkeypatch.setattr(storage, "clear_outputs", clear_then_signal)
    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.05)  # the writer holds the lock before the demo starts
    demo.load_demo(warehouse, seed=6, scale=1, anchor=ANCHOR, log=log)
    assert committed.is_set(), "the log was replaced while a batch was being written"
    thread.join()
