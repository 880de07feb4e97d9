"""Asset checks: bad source rows block the day's flags; a ToDo waiting too long warns."""


from datetime import date, datetime, timedelta, timezone

import dagster as dg

from compliance_pipeline.access_stimulation import storage
from compliance_pipeline.outbox import store as outbox_store
from compliance_pipeline.outbox import topics
from compliance_pipeline.outbox.tables import OUTBOX
from compliance_pipeline.ui import rows_table
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.resource import WarehouseResource

MAX_TODO_WAIT = timedelta(days=1)


# Evaluated by the aggregates asset itself, from the same read of the day that fed its sums
# (a separate check step read the day's studies again); blocking: a failure fails the step
# after the partition's rows are written, and the day's flags do not run.
TRAFFIC_STUDIES_VALID = dg.AssetCheckSpec(
    "traffic_studies_are_valid", asset="traffic_six_month_aggregates", blocking=True,
    description="Fails the partition (so no flags are computed) on negative minutes, studies whose "
                "profile does not exist (the day's rows) or negative window sums; names the rows.")
BAD_ROW_KINDS = ("negative_minutes", "unknown_profile", "negative_window_sums")


def traffic_studies_result(warehouse: Warehouse, day: date, counts: dict[str, int]) -> dg.AssetCheckResult:
    """The check's result from the partition's bad-row counts; the rows are looked up (and
    named) only when there are some."""
    metadata = {f"{kind}_rows": dg.MetadataValue.int(int(counts[kind])) for kind in BAD_ROW_KINDS}
    if not any(counts[kind] for kind in BAD_ROW_KINDS):
        return dg.AssetCheckResult(check_name=TRAFFIC_STUDIES_VALID.name, passed=True, metadata=metadata)
    with warehouse.connect() as conn:
        bad = storage.bad_study_rows(conn, day)
    for kind, rows in bad.items():
        if rows:
            metadata[kind] = rows_table(rows)
    names = ", ".join(f"{kind} ({counts[kind]}): ids {[r.get('id', r.get('profile_id')) for r in rows][:10]}"
                      for kind, rows in bad.items() if rows)
    return dg.AssetCheckResult(check_name=TRAFFIC_STUDIES_VALID.name, passed=False, metadata=metadata,
                               description=f"bad traffic study rows: {names}")


@dg.asset_check(asset="erpnext_todo_delivery",
                description="Warns when an ERPNext ToDo has waited in the outbox for more than a day.")
def erpnext_todos_not_waiting(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    now = datetime.now(timezone.utc)
    with warehouse.get().connect() as conn:
        oldest = outbox_store.oldest_pending_created_at(conn, topics.ERPNEXT_TODO)
        pending = outbox_store.list_messages(conn, topics.ERPNEXT_TODO, status="pending")
    waited = now - oldest if oldest is not None else timedelta(0)
    return dg.AssetCheckResult(
        passed=waited <= MAX_TODO_WAIT,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "pending": dg.MetadataValue.int(len(pending)),
            "oldest_wait_hours": dg.MetadataValue.float(round(waited.total_seconds() / 3600, 2)),
            "pending_todos": rows_table(
                [{"id": m.id, "message_key": m.message_key, "created_at": m.created_at,
                  "attempts": m.attempts, "last_error": m.last_error} for m in pending],
                OUTBOX.pick("id", "message_key", "created_at", "attempts", "last_error")),
        },
    )
