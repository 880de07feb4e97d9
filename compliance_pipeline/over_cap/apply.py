"""Plan and apply a remediation: dry run by default; the write is ONE transaction.

Apply, in one transaction: derive the plan -> lock its rows in batches (SELECT ... FOR UPDATE
on PostgreSQL) -> re-derive under the lock and abort if anything moved -> per batch: log the
prior state, flip completed works and visits with set-based UPDATEs -> recompute the affected
accesses' accruals -> record the run -> one COMMIT. Any error rolls everything back and the
raised error names the step. DuckDB takes the same path without row locks: it allows a
single writing process per file, so nothing can change underneath.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from compliance_pipeline.errors import InputError
from compliance_pipeline.over_cap import core, storage
from compliance_pipeline.warehouse import Connection, Warehouse, locks

# Called after each flipped batch with (batch number from 1, number of batches): a seam for
# progress reporting and for tests that inject a failure mid-apply.
BatchHook = Callable[[int, int], None]

DEFAULT_LOCK_TIMEOUT_MS = 30_000


class RemediationError(RuntimeError):
    """The apply failed and was rolled back; the message names the step."""

    def __init__(self, step: str, cause: BaseException):
        self.step = step
        super().__init__(f"over_cap apply failed at step '{step}' and was rolled back, "
                         f"nothing was written: {type(cause).__name__}: {cause}")


class StalePlanError(InputError):
    """The reviewed plan no longer matches the data: nothing was written."""

    def __init__(self, plan_id: str, current_id: str, differences: list[str]):
        self.differences = differences
        super().__init__(f"plan_id {plan_id} is stale (the data now gives plan {current_id}); "
                         "nothing was written. Differences: " + "; ".join(differences or ["(scope)"]))


@contextmanager
def _step(name: str) -> Iterator[None]:
    try:
        yield
    except (InputError, RemediationError):
        raise
    except Exception as exc:
        raise RemediationError(name, exc) from exc


def plan_only(warehouse: Warehouse, opportunity_id: str | None, include_suspended: bool,
              now: datetime, save: bool = True) -> core.Plan:
    """Derive the plan; with save, store it (its own transaction) so it can be reviewed and applied."""
    opportunity_id = core.validate_opportunity_id(opportunity_id)
    with warehouse.transaction() as conn:
        plan = storage.derive_plan(conn, opportunity_id, include_suspended, now)
        if save:
            storage.save_plan(conn, plan, now)
    return plan


def remediate(warehouse: Warehouse, *, run_id: str, now: datetime, dry_run: bool = True,
              opportunity_id: str | None = None, plan_id: str | None = None,
              include_suspended: bool = False, batch_size: int = 500,
              lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
              after_batch: BatchHook | None = None) -> dict:
    """Dry run (default): derive and report. Otherwise apply in one transaction. Returns the report."""
    opportunity_id = core.validate_opportunity_id(opportunity_id)
    batch_size = core.validate_batch_size(batch_size)
    if not run_id:
        raise InputError("run_id must be a non-empty string")
    with (warehouse.connect() if dry_run else warehouse.transaction()) as conn:
        with _step("plan"):
            scope = _scope(conn, opportunity_id, plan_id, include_suspended)
            # The rows to lock: the reviewed plan's, or a fresh derivation's.
            if plan_id is None:
                expected = storage.derive_plan(conn, *scope, now)
                to_lock = (sorted({w.access_id for w in expected.works}),
                           [w.completed_work_id for w in expected.works])
            else:
                expected = None
                to_lock = storage.load_plan_rows(conn, plan_id)
        if not dry_run:
            with _step("lock"):
                _lock(conn, *to_lock, batch_size=batch_size, lock_timeout_ms=lock_timeout_ms)
        with _step("verify"):
            # Under the locks (PostgreSQL) the data cannot move any more: this is the plan we
            # apply, and it must be exactly the reviewed / freshly derived one.
            plan = expected
            if plan is None or (conn.others_may_write and not dry_run):
                plan = storage.derive_plan(conn, *scope, now)
            _require_same(conn, plan_id or expected.plan_id, plan, expected)
        if not dry_run and not plan.is_empty:
            _apply(conn, plan, run_id=run_id, now=now, batch_size=batch_size,
                   after_batch=after_batch)
    return report(plan, run_id=run_id, dry_run=dry_run, applied=not dry_run and not plan.is_empty)


def _scope(conn: Connection, opportunity_id: str | None, plan_id: str | None,
           include_suspended: bool) -> tuple[str | None, bool]:
    """(opportunity_id, include_suspended) to derive with: the config's, or the reviewed plan's."""
    if plan_id is None:
        return opportunity_id, include_suspended
    header = storage.load_plan_header(conn, plan_id)
    if opportunity_id is not None and opportunity_id != header["opportunity_id"]:
        raise InputError(f"opportunity_id {opportunity_id} differs from plan {plan_id}'s scope "
                         f"({header['opportunity_id'] or 'all opportunities'})")
    if include_suspended and not header["include_suspended"]:
        raise InputError(f"include_suspended=true but plan {plan_id} was built without it")
    return header["opportunity_id"], bool(header["include_suspended"])


def _require_same(conn: Connection, plan_id: str, current: core.Plan,
                  expected: core.Plan | None) -> None:
    if current.plan_id == plan_id:
        return
    before = (core.plan_items(expected.works) if expected is not None
              else storage.load_plan_items(conn, plan_id))
    raise StalePlanError(plan_id, current.plan_id, core.diff_items(before, core.plan_items(current.works)))


def _lock(conn: Connection, access_ids: list[int], work_ids: list[int], *, batch_size: int,
          lock_timeout_ms: int) -> None:
    """Row locks in id order and in batches: accesses, works, their visits (no-ops on DuckDB)."""
    # Wait for concurrent writers, but not forever: a timeout fails cleanly (rollback).
    conn.set_lock_timeout(lock_timeout_ms)
    for ids in core.batches(access_ids, batch_size):
        locks.lock_rows_for_update(conn, "opportunity_access", "id", ids)
    for ids in core.batches(work_ids, batch_size):
        locks.lock_rows_for_update(conn, "completed_work", "id", ids)
        locks.lock_rows_for_update(conn, "user_visit", "completed_work_id", ids)


def _apply(conn: Connection, plan: core.Plan, *, run_id: str, now: datetime, batch_size: int,
           after_batch: BatchHook | None) -> None:
    work_batches = list(core.batches(list(plan.works), batch_size))
    with _step("save plan"):
        storage.save_plan(conn, plan, now)
    for number, batch in enumerate(work_batches, start=1):
        with _step(f"flip batch {number}/{len(work_batches)}"):
            _flip_batch(conn, batch, run_id=run_id, now=now)
            if after_batch is not None:
                after_batch(number, len(work_batches))
    with _step("accrual"):
        _recompute_accruals(conn, sorted({w.access_id for w in plan.works}), run_id=run_id)
    with _step("record run"):
        t = plan.totals()
        conn.execute(
            "INSERT INTO over_cap_run (run_id, plan_id, opportunity_id, applied_at, accesses,"
            " completed_works, visits, worker_accrual_drop, org_accrual_drop)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, plan.plan_id, plan.opportunity_id, now, t["accesses"], t["completed_works"],
             t["visits"], t["worker_accrual_drop"], t["org_accrual_drop"]))


_LOG_COLUMNS = ("run_id, table_name, row_id, opportunity_access_id, previous_status, new_status,"
                " previous_status_modified_date, new_status_modified_date, previous_payment_accrued,"
                " new_payment_accrued, previous_org_payment_accrued, new_org_payment_accrued")


def _flip_batch(conn: Connection, batch, *, run_id: str, now: datetime) -> None:
    work_ids = [w.completed_work_id for w in batch]
    visit_ids = [vid for w in batch for vid, _status in w.visits]
    # Log first (prior state straight from the rows), then flip. An over_limit work accrues 0.
    conn.execute(
        f"INSERT INTO over_cap_remediation_log ({_LOG_COLUMNS})"
        " SELECT CAST(? AS TEXT), 'completed_work', id, opportunity_access_id, status, 'over_limit',"
        " status_modified_date, CAST(? AS TIMESTAMPTZ), saved_payment_accrued, 0,"
        " saved_org_payment_accrued, 0 FROM completed_work WHERE id = ANY(?)",
        (run_id, now, work_ids))
    conn.execute(
        "UPDATE completed_work SET status = 'over_limit', status_modified_date = ?,"
        " saved_payment_accrued = 0, saved_org_payment_accrued = 0 WHERE id = ANY(?)",
        (now, work_ids))
    if not visit_ids:
        return
    conn.execute(
        f"INSERT INTO over_cap_remediation_log ({_LOG_COLUMNS})"
        " SELECT CAST(? AS TEXT), 'user_visit', id, opportunity_access_id, status, 'over_limit',"
        " status_modified_date, CAST(? AS TIMESTAMPTZ), NULL, NULL, NULL, NULL"
        " FROM user_visit WHERE id = ANY(?)",
        (run_id, now, visit_ids))
    conn.execute("UPDATE user_visit SET status = 'over_limit', status_modified_date = ?"
                 " WHERE id = ANY(?)", (now, visit_ids))


# A completed work's accrual under the rule, from its row and payment unit.
_WORKER_RULE = storage.accrual_sql("cw", "pu.amount")
_ORG_RULE = storage.accrual_sql("cw", "pu.org_amount")


def _recompute_accruals(conn: Connection, access_ids: list[int], *, run_id: str) -> None:
    """Full (non-incremental) recompute of every affected access, as flipping approved work
    down is what the incremental path cannot do. Only rows whose value changes are written."""
    mismatch = (f"cw.saved_payment_accrued IS DISTINCT FROM {_WORKER_RULE}"
                f" OR cw.saved_org_payment_accrued IS DISTINCT FROM {_ORG_RULE}")
    conn.execute(
        f"INSERT INTO over_cap_remediation_log ({_LOG_COLUMNS})"
        " SELECT CAST(? AS TEXT), 'completed_work', cw.id, cw.opportunity_access_id, cw.status,"
        " cw.status, cw.status_modified_date, cw.status_modified_date, cw.saved_payment_accrued,"
        f" {_WORKER_RULE}, cw.saved_org_payment_accrued, {_ORG_RULE}"
        " FROM completed_work cw JOIN payment_unit pu ON pu.id = cw.payment_unit_id"
        f" WHERE cw.opportunity_access_id = ANY(?) AND ({mismatch})",
        (run_id, access_ids))
    conn.execute(
        f"UPDATE completed_work AS cw SET saved_payment_accrued = {_WORKER_RULE},"
        f" saved_org_payment_accrued = {_ORG_RULE}"
        " FROM payment_unit pu WHERE pu.id = cw.payment_unit_id"
        f" AND cw.opportunity_access_id = ANY(?) AND ({mismatch})",
        (access_ids,))
    totals = ("SELECT opportunity_access_id AS access_id,"
              " CAST(COALESCE(SUM(saved_payment_accrued), 0) AS BIGINT) AS total"
              " FROM completed_work WHERE opportunity_access_id = ANY(?) GROUP BY opportunity_access_id")
    conn.execute(
        f"INSERT INTO over_cap_remediation_log ({_LOG_COLUMNS})"
        " SELECT CAST(? AS TEXT), 'opportunity_access', a.id, a.id, NULL, NULL, NULL, NULL,"
        f" a.payment_accrued, t.total, NULL, NULL FROM opportunity_access a JOIN ({totals}) t"
        " ON t.access_id = a.id",
        (run_id, access_ids))
    # The new totals are in the log rows just written: no second aggregation over the works.
    conn.execute(
        "UPDATE opportunity_access SET payment_accrued = l.new_payment_accrued"
        " FROM over_cap_remediation_log l WHERE l.run_id = ? AND l.table_name = 'opportunity_access'"
        " AND l.row_id = opportunity_access.id", (run_id,))


def report(plan: core.Plan, *, run_id: str | None, dry_run: bool, applied: bool) -> dict:
    totals = plan.totals()
    if plan.is_empty:
        message = "Nothing to remediate: no completed work is over its claim limit in scope."
    elif applied:
        message = (f"Flipped {totals['completed_works']} completed works and {totals['visits']} "
                   f"visits to over_limit across {totals['accesses']} accesses.")
    else:
        message = (f"Dry run: would flip {totals['completed_works']} completed works and "
                   f"{totals['visits']} visits across {totals['accesses']} accesses; nothing written.")
    return {
        "run_id": run_id, "dry_run": dry_run, "applied": applied, "message": message,
        **totals,
        "per_access": [a.as_row() for a in plan.applied_accesses],
        "skipped_suspended": [a.as_row() for a in plan.skipped_accesses],
    }
