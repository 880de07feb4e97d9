"""The monthly pass as a whole: dry run, reruns, bad input, two runs of a month at once."""

import json
import multiprocessing
from datetime import date, datetime, timezone

import pytest

from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.access_stimulation import monthly_pass
from compliance_pipeline.errors import InputError
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline_tests.access_stimulation.monthly_helpers import (
    NOW,
    add_agreements,
    add_month,
    add_profiles,
    month,
    run,
    snapshot,
    stored,
    todo_keys,
)


def _data(warehouse):
    add_profiles(warehouse, [(1, "clec"), (2, "clec"), (3, "rate_of_return")])
    add_agreements(warehouse, [(3, date(2026, 1, 1), None)])
    add_month(warehouse, [(1, "2026-03", 7_000, 1_000), (2, "2026-03", 1_000, 1_000), (3, "2026-03", 3_500, 1_000)])


def test_dry_run_writes_nothing_and_reports_what_a_run_writes(warehouse):
    _data(warehouse)
    before = snapshot(warehouse)
    dry = run(warehouse, "2026-03", dry_run=True)
    assert snapshot(warehouse) == before
    real = run(warehouse, "2026-03")
    assert dry == real and {pid for pid, s in real.items() if s.engaged} == {1, 3}
    assert stored(warehouse, "2026-03") == [real[1], real[2], real[3]]


def test_a_rerun_changes_nothing_and_sends_nothing(warehouse):
    _data(warehouse)
    run(warehouse, "2026-03")
    run(warehouse, "2026-04")
    once = snapshot(warehouse)
    result = monthly_pass.run(warehouse, month=month("2026-03"), queued_at=NOW)
    assert result.written == {"status_rows": 3, "todos_enqueued": 0}
    assert snapshot(warehouse) == once
    assert todo_keys(warehouse) == ["access-stim-monthly:profile:1:month:2026-03:engaged",
                                    "access-stim-monthly:profile:3:month:2026-03:engaged"]


def test_todo_carries_trigger_months_and_notice_date(warehouse):
    _data(warehouse)
    run(warehouse, "2026-03")
    with warehouse.connect() as conn:
        (payload,) = conn.query("SELECT payload_json FROM outbox WHERE message_key = ?",
                                ("access-stim-monthly:profile:3:month:2026-03:engaged",))[0]
    todo = json.loads(payload)
    assert todo["priority"] == "High" and todo["date"] == "2026-05-15"
    assert "61.3(bbb)(1)(i)" in todo["description"] and "2026-03" in todo["description"]


def test_negative_minutes_and_bad_settings_are_refused_naming_them(warehouse):
    _data(warehouse)
    add_month(warehouse, [(2, "2026-03", -5, 10)])
    before = snapshot(warehouse)
    with pytest.raises(InputError, match="negative minutes in 2026-03: profile 2"):
        run(warehouse, "2026-03")
    with pytest.raises(InputError, match="clec_ratio"):
        run(warehouse, "2026-02", settings=core.MonthlySettings(clec_ratio=0))
    with pytest.raises(InputError, match="has not ended"):
        monthly_pass.require_ended(date(2026, 3, 1), datetime(2026, 3, 31, 23, 59, tzinfo=timezone.utc))
    assert snapshot(warehouse) == before


@pytest.mark.parametrize("text", ["2026-13", "2026-3", "26-03", "2026-03-01", "", "march"])
def test_month_strings_are_strict(text):
    with pytest.raises(InputError, match="--month must be YYYY-MM"):
        core.parse_month(text, "--month")


def _run_month_in_process(url: str, label: str, barrier) -> None:
    barrier.wait()
    monthly_pass.run(Warehouse(url), month=core.parse_month(label), queued_at=NOW)


@pytest.mark.slow
def test_two_processes_running_one_month_at_once_queue_each_todo_once(pg_url):
    from compliance_pipeline.warehouse.schema import init_schema

    warehouse = Warehouse(pg_url)
    init_schema(warehouse)
    add_profiles(warehouse, [(pid, "clec") for pid in range(1, 201)])
    add_month(warehouse, [(pid, "2026-03", 7_000 if pid % 2 else 1_000, 1_000) for pid in range(1, 201)])
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    workers = [context.Process(target=_run_month_in_process, args=(pg_url, "2026-03", barrier)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    keys = todo_keys(warehouse)
    assert len(keys) == len(set(keys)) == 100
    assert len(stored(warehouse, "2026-03")) == 200
