"""The parquet log: seed parity of the rollups, all-or-nothing appends, atomic compaction."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.reference.budget_audit_original import seed_log_with_rows
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.core import BudgetSettings
from compliance_pipeline.budget_audit.parquet_log import day_dir
from compliance_pipeline.errors import InputError
from compliance_pipeline_tests.budget_audit.helpers import T0, slot

# Dyadic values (k / 2**n) add up exactly in any order, so DuckDB's and pandas' sums agree to the
# last bit and the seed's rounding must match exactly.
dyadic = st.integers(0, 4096).map(lambda k: k / 64)
signed_dyadic = st.integers(-4096, 4096).map(lambda k: k / 8)

row_strategy = st.fixed_dictionaries({
    "minutes": st.integers(0, 3 * 24 * 60),  # up to three days from T0, 15-minute grid or not
    "cost": dyadic, "gate": st.booleans(), "offset": signed_dyadic, "remaining": signed_dyadic,
})


def _rows(draws: list[dict]) -> list[dict]:
    # Chronological, like a control loop (ties allowed: then append order decides the day's last row).
    ordered = sorted(draws, key=lambda d: d["minutes"])
    return [slot(i, at=T0 + timedelta(minutes=d["minutes"]), cost=d["cost"], gate=d["gate"],
                 offset=d["offset"], remaining=d["remaining"]) for i, d in enumerate(ordered)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draws=st.lists(row_strategy, max_size=25), gates_off=st.booleans(), split=st.integers(0, 25),
       pct=st.sampled_from([5.0, 0.5, 0.0]))
def test_rollups_match_the_seed_on_the_same_rows(tmp_path_factory, draws, gates_off, split, pct):
    rows = _rows(draws)
    if gates_off:
        rows = [{**r, "gate_passed": False} for r in rows]
    folder = tmp_path_factory.mktemp("parity")
    ours = BudgetAuditLog(folder / "log", BudgetSettings(max_energy_reduction_pct=pct))
    ours.log_slots(rows[:split])  # one batch, then single appends
    for row in rows[split:]:
        ours.log_slot(row)
    seed = seed_log_with_rows(folder / "seed.parquet", rows, max_reduction_pct=pct)

    assert ours.weekly_report() == seed.weekly_report()
    for offset in range(5):  # every day with rows, and days without
        day = T0.date() + timedelta(days=offset - 1)
        assert ours.daily_summary(day) == seed.daily_summary(day)
    if rows:
        assert len(ours.load()) == len(rows)


def test_arbitrary_floats_agree_with_the_seed_within_rounding(tmp_path):
    values = [0.1, 0.2, 0.3, 1 / 3, 2.675, 1e-5, 123.456789]
    rows = [slot(i, cost=values[i % len(values)]) for i in range(200)]
    ours = BudgetAuditLog(tmp_path / "log")
    ours.log_slots(rows)
    seed = seed_log_with_rows(tmp_path / "seed.parquet", rows)
    ours_day, seed_day = ours.daily_summary(T0.date()), seed.daily_summary(T0.date())
    assert ours_day["total_cost_kwh"] == pytest.approx(seed_day["total_cost_kwh"], abs=1e-4)
    assert ours.weekly_report()["total_cost_kwh"] == pytest.approx(seed.weekly_report()["total_cost_kwh"], abs=1e-3)


def test_an_empty_log_answers_like_the_seed(tmp_path):
    log = BudgetAuditLog(tmp_path / "never-created")
    assert log.weekly_report() == {"error": "No audit data"}
    assert log.daily_summary(date(2025, 1, 1)) == {"error": "No audit data"}
    assert log.load().empty


def test_the_days_last_row_is_the_newest_timestamp(tmp_path):
    log = BudgetAuditLog(tmp_path)
    log.log_slot(slot(5, remaining=1.0))
    log.log_slot(slot(2, remaining=9.0))  # a late, older tick does not become the "last" remaining
    assert log.daily_summary(T0.date())["budget_remaining_kwh"] == 1.0


def test_bad_input_raises_and_leaves_the_log_unchanged(tmp_path):
    log = BudgetAuditLog(tmp_path)
    log.log_slots([slot(0), slot(1)])
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(InputError, match="energy_cost_kwh must be >= 0"):
        log.log_slots([slot(2), slot(3, cost=-1.0)])
    with pytest.raises(InputError, match="time-zone aware"):
        log.log_slot({**slot(4), "timestamp": T0.replace(tzinfo=None)})
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert len(log.load()) == 2


def test_disk_errors_raise(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(OSError):
        BudgetAuditLog(blocker).log_slot(slot(0))


def test_a_batch_spanning_days_lands_in_each_days_folder(tmp_path):
    log = BudgetAuditLog(tmp_path)
    assert log.log_slots([slot(0), slot(96), slot(97)]) == 3
    assert [len(list(day_dir(tmp_path, T0.date() + timedelta(days=d)).glob("*.parquet"))) for d in (0, 1)] == [1, 1]
    assert log.daily_summary(T0.date() + timedelta(days=1))["slots"] == 2


def test_compaction_keeps_every_row_once_and_leaves_one_file(tmp_path):
    log = BudgetAuditLog(tmp_path)
    for i in range(20):
        log.log_slot(slot(i, cost=0.5, gate=i % 4 == 0, remaining=float(i)))
    before = (log.daily_summary(T0.date()), log.weekly_report(), log.load())
    result = log.compact_day(T0.date())
    assert (result.files_before, result.files_after, result.rows) == (20, 1, 20)
    after = (log.daily_summary(T0.date()), log.weekly_report(), log.load())
    assert after[:2] == before[:2]
    assert after[2].equals(before[2])  # same rows, same order
    log.log_slot(slot(30, remaining=-1.0))  # appends continue beside the compacted file
    assert log.daily_summary(T0.date())["slots"] == 21
    assert log.daily_summary(T0.date())["budget_remaining_kwh"] == -1.0
    assert log.compact_day(T0.date()).files_before == 2


def test_a_compaction_that_died_before_deleting_is_finished_by_the_next(tmp_path):
    log = BudgetAuditLog(tmp_path)
    log.log_slots([slot(0), slot(1)])
    log.log_slot(slot(2))
    folder = day_dir(tmp_path, T0.date())
    originals = {p.name: p.read_bytes() for p in folder.glob("*.parquet")}
    log.compact_day(T0.date())
    for name, content in originals.items():  # as if the compactor died after its rename
        (folder / name).write_bytes(content)
    (folder / ".half-written.parquet.tmp").write_bytes(b"PAR1 garbage")
    assert log.daily_summary(T0.date())["slots"] == 3  # the covered files are not read twice
    result = log.compact_day(T0.date())
    assert result.stale_removed == 2 and result.files_after == 1
    assert len(list(folder.glob("*.parquet"))) == 1 and log.weekly_report()["period_days"] == 1


def test_temp_files_of_a_dead_writer_are_never_read(tmp_path):
    log = BudgetAuditLog(tmp_path)
    log.log_slot(slot(0))
    folder = day_dir(tmp_path, T0.date())
    (folder / ".00000000000000000001-p-dead.parquet.tmp").write_bytes(b"PAR1\x00\x01")
    os.utime(folder / ".00000000000000000001-p-dead.parquet.tmp", (0, 0))
    assert log.daily_summary(T0.date())["slots"] == 1
    log.compact_day(T0.date())  # old temp files are cleaned up by the day's compaction
    assert not list(folder.glob("*.tmp"))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(st.integers(1, 30), st.sampled_from(["compact-0", "compact-1"])), max_size=12))
def test_any_mix_of_appends_and_compactions_keeps_each_row_once_in_append_order(tmp_path_factory, steps):
    log = BudgetAuditLog(tmp_path_factory.mktemp("mix"))
    appended = 0
    for step in steps:
        if isinstance(step, int):  # a batch over two days
            log.log_slots([slot(appended + k, at=T0 + timedelta(hours=(appended + k) * 5 % 48))
                           for k in range(step)])
            appended += step
        else:
            log.compact_day(T0.date() + timedelta(days=int(step[-1])))
    frame = log.load()
    assert len(frame) == appended
    if not appended:
        return
    # Within a day, rows come back in the order they were appended.
    for _, day_rows in frame.groupby("date"):
        assert list(day_rows["slot_index"]) == sorted(day_rows["slot_index"])


def test_a_scan_racing_a_compaction_lists_again(tmp_path, monkeypatch):
    from compliance_pipeline.budget_audit import parquet_log, scan

    log = BudgetAuditLog(tmp_path)
    for i in range(3):
        log.log_slot(slot(i))
    stale = parquet_log.live_files(tmp_path)
    log.compact_day(T0.date())  # deletes the three files the first listing returned
    listings = [stale]
    monkeypatch.setattr(scan, "live_files", lambda *a: listings.pop() if listings else parquet_log.live_files(*a))
    assert log.weekly_report()["period_days"] == 1
    assert listings == []
