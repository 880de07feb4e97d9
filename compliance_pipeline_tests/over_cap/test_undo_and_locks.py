"""Undo restores the exact prior state; a concurrent row lock makes apply wait or fail cleanly."""

from __future__ import annotations

import threading
import time

import pytest

from compliance_pipeline.errors import InputError
from compliance_pipeline.over_cap import apply, undo
from compliance_pipeline.over_cap.apply import RemediationError
from compliance_pipeline_tests.over_cap.helpers import NOW, OPP, snapshot
from compliance_pipeline_tests.over_cap.test_remediation import qa_scenario


def test_undo_is_dry_run_by_default_then_restores_exact_prior_state(warehouse):
    s, ids = qa_scenario()
    s.load(warehouse)
    sources = ("opportunity_access", "completed_work", "user_visit")
    before = snapshot(warehouse, sources)
    apply.remediate(warehouse, run_id="run-1", now=NOW, dry_run=False)
    after_apply = snapshot(warehouse)

    preview = undo.undo(warehouse, "run-1", now=NOW)
    assert not preview["applied"] and snapshot(warehouse) == after_apply
    assert preview["rows_to_restore"] == {"completed_work": 3, "user_visit": 5,
                                          "opportunity_access": 2}
    over, elsewhere = ids["accesses"][1], ids["accesses"][2]
    assert [(c["access_id"], c["change"]) for c in preview["accrual_changes"]] == [
        (over, 2000), (elsewhere, 1000)]

    done = undo.undo(warehouse, "run-1", now=NOW, apply=True)
    assert done["applied"]
    assert snapshot(warehouse, sources) == before
    with pytest.raises(InputError, match="already undone"):
        undo.undo(warehouse, "run-1", now=NOW, apply=True)


def test_undo_refuses_when_rows_changed_since_the_run(warehouse):
    s, ids = qa_scenario()
    s.load(warehouse)
    apply.remediate(warehouse, run_id="run-1", now=NOW, dry_run=False)
    with warehouse.transaction() as conn:
        conn.execute("UPDATE user_visit SET status = 'approved' WHERE completed_work_id = ?",
                     (ids["over"][4],))
    changed = snapshot(warehouse)
    assert undo.undo(warehouse, "run-1", now=NOW)["conflicts"]["user_visit"]
    with pytest.raises(InputError, match="cannot be undone"):
        undo.undo(warehouse, "run-1", now=NOW, apply=True)
    assert snapshot(warehouse) == changed


def test_undo_unknown_run_is_an_error(warehouse):
    with pytest.raises(InputError, match="run_id nope"):
        undo.undo(warehouse, "nope", now=NOW)


def _hold_visit_lock(warehouse, visit_id: int, locked: threading.Event, release: threading.Event):
    with warehouse.transaction() as conn:
        conn.query("SELECT id FROM user_visit WHERE id = ? FOR UPDATE", (visit_id,))
        locked.set()
        release.wait(20)


@pytest.fixture
def pg_warehouse(warehouse):
    if warehouse.backend != "postgresql":
        pytest.skip("row locks are PostgreSQL only (DuckDB has a single writer)")
    return warehouse


def _locked_visit(warehouse, ids) -> int:
    with warehouse.connect() as conn:
        return conn.scalar("SELECT max(id) FROM user_visit WHERE completed_work_id = ?",
                           (ids["over"][4],))


def test_concurrent_row_lock_times_out_cleanly_and_nothing_is_half_applied(pg_warehouse):
    s, ids = qa_scenario()
    s.load(pg_warehouse)
    before = snapshot(pg_warehouse)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_visit_lock,
                              args=(pg_warehouse, _locked_visit(pg_warehouse, ids), locked, release))
    holder.start()
    try:
        assert locked.wait(10)
        with pytest.raises(RemediationError, match="step 'lock'.*lock timeout"):
            apply.remediate(pg_warehouse, run_id="run-1", now=NOW, dry_run=False, opportunity_id=OPP,
                            batch_size=1, lock_timeout_ms=300)
    finally:
        release.set()
        holder.join()
    assert snapshot(pg_warehouse) == before


def test_apply_waits_for_a_concurrent_row_lock_then_applies(pg_warehouse):
    s, ids = qa_scenario()
    s.load(pg_warehouse)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_visit_lock,
                              args=(pg_warehouse, _locked_visit(pg_warehouse, ids), locked, release))
    holder.start()
    assert locked.wait(10)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    result = apply.remediate(pg_warehouse, run_id="run-1", now=NOW, dry_run=False,
                             lock_timeout_ms=10_000)
    holder.join()
    assert time.monotonic() - started >= 0.4
    assert result["applied"] and result["completed_works"] == 3
