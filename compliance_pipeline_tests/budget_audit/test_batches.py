"""Batches across days: visible all at once or not at all; retries by batch id; cleanup of dead writers."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_pipeline.budget_audit import log_batches
from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog
from compliance_pipeline.budget_audit.log_batches import BATCH_ID_RETENTION_S, BATCHES
from compliance_pipeline.budget_audit.log_files import STALE_AGE_S
from compliance_pipeline.budget_audit.parquet_log import day_dir
from compliance_pipeline.errors import InputError
from compliance_pipeline_tests.budget_audit.helpers import T0, slot

DAYS = [T0.date() + timedelta(days=d) for d in range(3)]


def _three_days(first: int, source: str = "test") -> list[dict]:
    return [{**slot(first + k, at=T0 + timedelta(hours=8 * k)), "source": source} for k in range(9)]


class Died(BaseException):
    """Stands for SIGKILL at the commit point (the real kill is in test_processes)."""


def _die_before_commit(monkeypatch):
    def die(*args, **kwargs):
        raise Died()
    monkeypatch.setattr(log_batches, "commit", die)


def test_a_batch_that_died_before_its_commit_is_invisible_and_cleaned_up_later(tmp_path, monkeypatch):
    from compliance_pipeline.budget_audit import compaction

    log = BudgetAuditLog(tmp_path)
    log.log_slots(_three_days(0))
    with monkeypatch.context() as patch:
        _die_before_commit(patch)
        with pytest.raises(Died):
            log.log_slots(_three_days(100))
    # Its three day files are on disk, but no reader counts them, nor does a compaction.
    assert sum(1 for _ in tmp_path.glob("day=*/*-b-*.parquet")) == 6
    assert len(log.load()) == 9 and log.weekly_report()["period_days"] == 3
    assert [log.daily_summary(d)["slots"] for d in DAYS] == [3, 3, 3]
    result = log.compact_day(DAYS[0])
    assert (result.files_before, result.rows) == (1, 3)
    assert len(list(day_dir(tmp_path, DAYS[0]).glob("*.parquet"))) == 2  # young: kept (its writer may live)
    # After the grace period the next compaction removes the dead batch's file of that day.
    compaction.compact_day(tmp_path, DAYS[1].isoformat(), now=time.time() + STALE_AGE_S + 1)
    assert len(list(day_dir(tmp_path, DAYS[1]).glob("*.parquet"))) == 1
    assert len(log.load()) == 9


def test_no_cleanup_while_a_batch_is_being_written(tmp_path, monkeypatch):
    from compliance_pipeline.budget_audit import compaction

    log = BudgetAuditLog(tmp_path)
    with monkeypatch.context() as patch:
        _die_before_commit(patch)
        with pytest.raises(Died):
            log.log_slots(_three_days(0))
    with log_batches.writing(tmp_path):  # another writer is between its first file and its commit
        compaction.compact_day(tmp_path, DAYS[0].isoformat(), now=time.time() + STALE_AGE_S + 1)
    assert len(list(day_dir(tmp_path, DAYS[0]).glob("*.parquet"))) == 1
    compaction.compact_day(tmp_path, DAYS[0].isoformat(), now=time.time() + STALE_AGE_S + 1)
    assert not list(day_dir(tmp_path, DAYS[0]).glob("*.parquet"))


def test_a_retry_with_the_same_batch_id_appends_once(tmp_path, monkeypatch):
    log = BudgetAuditLog(tmp_path)
    with monkeypatch.context() as patch:
        _die_before_commit(patch)
        with pytest.raises(Died):
            log.log_slots(_three_days(0), batch_id="tick-0001")
    assert log.load().empty  # the crashed attempt shows nothing: the caller retries
    assert log.log_slots(_three_days(0), batch_id="tick-0001") == 9
    assert log.log_slots(_three_days(0), batch_id="tick-0001") == 0  # committed before: nothing new
    assert log.append_batch(_three_days(0), batch_id="tick-0001").already_committed
    assert log.log_slots(_three_days(0), batch_id="tick-0002") == 9  # another id is another batch
    frame = log.load()
    assert len(frame) == 18 and [log.daily_summary(d)["slots"] for d in DAYS] == [6, 6, 6]


def test_markers_go_once_their_files_are_compacted_and_ids_after_the_retention(tmp_path):
    from compliance_pipeline.budget_audit import compaction

    log = BudgetAuditLog(tmp_path)
    log.log_slots(_three_days(0))
    log.log_slots(_three_days(10), batch_id="kept")
    log.log_slot(slot(50))
    assert len(list((tmp_path / BATCHES).iterdir())) == 2
    before = log.load()
    for day in DAYS:
        log.compact_day(day)
    assert log.load().equals(before)
    assert len(list((tmp_path / BATCHES).iterdir())) == 1  # the caller's id is remembered
    assert log.log_slots(_three_days(10), batch_id="kept") == 0
    compaction.compact_day(tmp_path, DAYS[0].isoformat(), now=time.time() + BATCH_ID_RETENTION_S + 1)
    assert not list((tmp_path / BATCHES).iterdir())
    assert len(log.load()) == 19


@pytest.mark.parametrize("batch_id", ["", "x" * 201, "line\nbreak", 7])
def test_a_bad_batch_id_is_an_input_error_and_writes_nothing(tmp_path, batch_id):
    log = BudgetAuditLog(tmp_path / "log")
    with pytest.raises(InputError, match="batch id"):
        log.log_slots(_three_days(0), batch_id=batch_id)
    assert not (tmp_path / "log").exists()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(
    st.tuples(st.sampled_from(["batch", "crash"]), st.integers(1, 12)),
    st.sampled_from(["compact-0", "compact-1", "compact-2", "collect"])), max_size=10))
def test_readers_see_committed_batches_whole_and_nothing_of_crashed_ones(tmp_path_factory, steps):
    from compliance_pipeline.budget_audit import compaction

    root = tmp_path_factory.mktemp("batches")
    log = BudgetAuditLog(root)
    committed, next_index = 0, 0
    for step in steps:
        if isinstance(step, tuple):
            kind, size = step
            rows = [{**slot(next_index + k, at=T0 + timedelta(hours=(next_index + k) * 7 % 72))}
                    for k in range(size)]
            next_index += size
            with pytest.MonkeyPatch.context() as patch:
                if kind == "crash":  # a one-day batch has no commit step: it lands whole
                    _die_before_commit(patch)
                try:
                    committed += log.log_slots(rows)
                except Died:
                    pass
        elif step == "collect":
            for day in DAYS:
                compaction.compact_day(root, day.isoformat(), now=time.time() + STALE_AGE_S + 1)
        else:
            log.compact_day(DAYS[int(step[-1])])
    frame = log.load()
    assert len(frame) == committed and not frame.duplicated(["slot_index"]).any()
    assert sum(log.daily_summary(d).get("slots", 0) for d in DAYS) == committed
