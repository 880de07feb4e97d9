"""monitor_snapshot_sensor: new rows in monitor_snapshots -> one evaluation run.

The cursor is `<newest observed_at>|<newest arrival_id>`: a newer observed_at requests a run
keyed by that timestamp; rows that arrived late (older than the newest observed_at) move only
the arrival id and request a run keyed `<newest observed_at>|late|<arrival id>`, so they are
counted without waiting for the next new reading.
"""

import dagster as dg

from compliance_pipeline.alerts.jobs import alert_evaluation_job
from compliance_pipeline.automation import sensor_status
from compliance_pipeline.warehouse.resource import WarehouseResource

# Both maxima come from an index (PostgreSQL), or DuckDB's column statistics: cheap to poll.
NEWEST_SQL = "SELECT max(observed_at), max(arrival_id) FROM monitor_snapshots"


@dg.sensor(name="monitor_snapshot_sensor", job=alert_evaluation_job, minimum_interval_seconds=60,
           default_status=sensor_status(),
           description="Requests an alert_evaluation run when monitor snapshots arrive "
                       "(run_key = the newest observed_at; cursor = it and the newest arrival id).")
def monitor_snapshot_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    with warehouse.get().connect() as conn:
        newest, arrival = conn.execute(NEWEST_SQL).fetchone()
    if newest is None:
        return dg.SkipReason("monitor_snapshots is empty")
    newest_key = newest.isoformat()
    cursor = f"{newest_key}|{arrival}"
    seen_key, _, seen_arrival = (context.cursor or "").partition("|")
    if context.cursor == cursor or (seen_key == newest_key and not seen_arrival):
        context.update_cursor(cursor)  # a cursor from before arrival ids: nothing new to report
        return dg.SkipReason(f"no snapshot newer than {newest_key}")
    context.update_cursor(cursor)
    run_key = newest_key if seen_key != newest_key else f"{newest_key}|late|{arrival}"
    return dg.RunRequest(run_key=run_key, tags={"alerts/newest_observed_at": newest_key})
