"""Asset checks: bad source rows block the day's flags; a ToDo waiting too long warns."""


from datetime import date, datetime, timedelta, timezone

import dagster as dg

from compliance_pipeline.access_stimulation import monitor, storage
from compliance_pipeline.access_stimulation.assets import erpnext_todo_delivery, traffic_six_month_aggregates
from compliance_pipeline.outbox import store as outbox_store
from compliance_pipeline.partitions import DAILY
from compliance_pipeline.ui import markdown_table
from compliance_pipeline.warehouse.resource import WarehouseResource

MAX_TODO_WAIT = timedelta(days=1)


@dg.asset_check(asset=traffic_six_month_aggregates, blocking=True, partitions_def=DAILY,
                description="Fails the partition (so no flags are computed) on negative minutes or "
                            "studies whose profile does not exist; names the rows.")
def traffic_studies_are_valid(context: dg.AssetCheckExecutionContext,
                              warehouse: WarehouseResource) -> dg.AssetCheckResult:
    day = date.fromisoformat(context.partition_key)
    with warehouse.get().connect() as conn:
        bad = storage.bad_study_rows(conn, day)
    metadata = {f"{kind}_rows": dg.MetadataValue.int(len(rows)) for kind, rows in bad.items()}
    for kind, rows in bad.items():
        if rows:
            metadata[kind] = dg.MetadataValue.md(markdown_table(rows))
    passed = not any(bad.values())
    names = ", ".join(f"{kind} ({len(rows)}): ids {[r.get('id', r.get('profile_id')) for r in rows][:10]}"
                      for kind, rows in bad.items() if rows)
    return dg.AssetCheckResult(passed=passed, metadata=metadata,
                               description=None if passed else f"bad traffic study rows: {names}")


@dg.asset_check(asset=erpnext_todo_delivery,
                description="Warns when an ERPNext ToDo has waited in the outbox for more than a day.")
def erpnext_todos_not_waiting(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    now = datetime.now(timezone.utc)
    with warehouse.get().connect() as conn:
        oldest = outbox_store.oldest_pending_created_at(conn, monitor.TODO_TOPIC)
        pending = outbox_store.list_messages(conn, monitor.TODO_TOPIC, status="pending")
    waited = now - oldest if oldest is not None else timedelta(0)
    return dg.AssetCheckResult(
        passed=waited <= MAX_TODO_WAIT,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "pending": dg.MetadataValue.int(len(pending)),
            "oldest_wait_hours": dg.MetadataValue.float(round(waited.total_seconds() / 3600, 2)),
            "pending_todos": dg.MetadataValue.md(markdown_table(
                [{"id": m.id, "key": m.message_key, "created_at": m.created_at.isoformat(),
                  "attempts": m.attempts, "last_error": m.last_error} for m in pending])),
        },
    )
