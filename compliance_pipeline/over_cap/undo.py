"""Undo one remediation run from its log: dry run by default.

The review warned that flipped work may already have been paid: the report lists every access
whose accrual changes back, so finance can agree the treatment before anyone applies the undo.
Undo only restores rows still in the state the run left them in; if anything changed since,
it refuses and lists the conflicts (restoring over later edits would lose them).
"""

from __future__ import annotations

from datetime import datetime

from compliance_pipeline.errors import InputError
from compliance_pipeline.warehouse import Connection, Warehouse, locks

_TABLES = ("completed_work", "user_visit", "opportunity_access")

# Rows whose current state is not what the run wrote.
_CONFLICTS = {
    "completed_work": """
        SELECT l.row_id FROM over_cap_remediation_log l JOIN completed_work t ON t.id = l.row_id
        WHERE l.run_id = ? AND l.table_name = 'completed_work'
          AND (t.status IS DISTINCT FROM l.new_status
               OR t.status_modified_date IS DISTINCT FROM l.new_status_modified_date
               OR t.saved_payment_accrued IS DISTINCT FROM l.new_payment_accrued
               OR t.saved_org_payment_accrued IS DISTINCT FROM l.new_org_payment_accrued)""",
    "user_visit": """
        SELECT l.row_id FROM over_cap_remediation_log l JOIN user_visit t ON t.id = l.row_id
        WHERE l.run_id = ? AND l.table_name = 'user_visit'
          AND (t.status IS DISTINCT FROM l.new_status
               OR t.status_modified_date IS DISTINCT FROM l.new_status_modified_date)""",
    "opportunity_access": """
        SELECT l.row_id FROM over_cap_remediation_log l JOIN opportunity_access t ON t.id = l.row_id
        WHERE l.run_id = ? AND l.table_name = 'opportunity_access'
          AND t.payment_accrued IS DISTINCT FROM l.new_payment_accrued""",
}

_RESTORE = {
    "completed_work": """
        UPDATE completed_work SET status = l.previous_status,
               status_modified_date = l.previous_status_modified_date,
               saved_payment_accrued = l.previous_payment_accrued,
               saved_org_payment_accrued = l.previous_org_payment_accrued
        FROM over_cap_remediation_log l
        WHERE l.run_id = ? AND l.table_name = 'completed_work' AND l.row_id = completed_work.id""",
    "user_visit": """
        UPDATE user_visit SET status = l.previous_status,
               status_modified_date = l.previous_status_modified_date
        FROM over_cap_remediation_log l
        WHERE l.run_id = ? AND l.table_name = 'user_visit' AND l.row_id = user_visit.id""",
    "opportunity_access": """
        UPDATE opportunity_access SET payment_accrued = l.previous_payment_accrued
        FROM over_cap_remediation_log l
        WHERE l.run_id = ? AND l.table_name = 'opportunity_access'
          AND l.row_id = opportunity_access.id""",
}


def _run(conn: Connection, run_id: str) -> dict:
    rows = conn.query_dicts("SELECT * FROM over_cap_run WHERE run_id = ?", (run_id,))
    if not rows:
        raise InputError(f"run_id {run_id} is not a recorded over_cap remediation run")
    return rows[0]


def _inspect(conn: Connection, run_id: str) -> dict:
    counts = dict(conn.query(
        "SELECT table_name, COUNT(*) FROM over_cap_remediation_log WHERE run_id = ?"
        " GROUP BY table_name", (run_id,)))
    conflicts = {table: [r[0] for r in conn.query(sql + " ORDER BY l.row_id", (run_id,))]
                 for table, sql in _CONFLICTS.items()}
    accrual_changes = conn.query_dicts(
        "SELECT a.id AS access_id, a.user_id, a.payment_accrued AS payment_accrued_now,"
        " l.previous_payment_accrued AS payment_accrued_after_undo,"
        " l.previous_payment_accrued - a.payment_accrued AS change"
        " FROM over_cap_remediation_log l JOIN opportunity_access a ON a.id = l.row_id"
        " WHERE l.run_id = ? AND l.table_name = 'opportunity_access'"
        " AND l.previous_payment_accrued <> a.payment_accrued ORDER BY a.id", (run_id,))
    return {
        "rows_to_restore": {t: int(counts.get(t, 0)) for t in _TABLES},
        "conflicts": {t: ids for t, ids in conflicts.items() if ids},
        "accrual_changes": accrual_changes,
    }


def undo(warehouse: Warehouse, run_id: str, *, now: datetime, apply: bool = False,
         undone_by: str = "cli") -> dict:
    """Report (default) or restore the exact prior state of one run's rows, in one transaction."""
    if not run_id:
        raise InputError("run_id must be a non-empty string")
    if not apply:
        with warehouse.connect() as conn:
            run = _run(conn, run_id)
            found = _inspect(conn, run_id)
        return _report(run, found, applied=False)
    with warehouse.transaction() as conn:
        # Two undos of one run: the second waits here, then sees undone_at.
        locks.lock_rows_for_update(conn, "over_cap_run", "run_id", [run_id])
        run = _run(conn, run_id)
        if run["undone_at"] is not None:
            raise InputError(f"run_id {run_id} was already undone at {run['undone_at']}")
        if conn.others_may_write:  # the run's rows, so none changes between the check and the restore
            for table in _TABLES:
                locks.lock_rows_for_update(conn, table, "id", [row[0] for row in conn.query(
                    "SELECT row_id FROM over_cap_remediation_log WHERE table_name = ? AND run_id = ?",
                    (table, run_id))])
        found = _inspect(conn, run_id)
        if found["conflicts"]:
            raise InputError(f"run_id {run_id} cannot be undone: rows changed since the run "
                             f"(table: ids) {found['conflicts']}; nothing was written")
        for table in _TABLES:
            conn.execute(_RESTORE[table], (run_id,))
        conn.execute("UPDATE over_cap_run SET undone_at = ?, undone_by = ? WHERE run_id = ?",
                     (now, undone_by, run_id))
    return _report(run, found, applied=True)


def _report(run: dict, found: dict, *, applied: bool) -> dict:
    if run["undone_at"] is not None and not applied:
        message = f"Run {run['run_id']} was already undone at {run['undone_at']}; nothing to do."
    elif found["conflicts"]:
        message = "Cannot undo: rows changed since the run (see conflicts)."
    elif applied:
        message = (f"Restored {sum(found['rows_to_restore'].values())} rows of run {run['run_id']};"
                   f" accruals changed for {len(found['accrual_changes'])} accesses.")
    else:
        message = (f"Dry run: undo would restore {sum(found['rows_to_restore'].values())} rows and "
                   f"raise the accruals of {len(found['accrual_changes'])} accesses (check whether "
                   "they were paid). Re-run with --apply to write.")
    return {"run_id": run["run_id"], "plan_id": run["plan_id"], "applied": applied,
            "already_undone": run["undone_at"] is not None and not applied, "message": message,
            **found}
