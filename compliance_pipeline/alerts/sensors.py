"""monitor_snapshot_sensor: a new newest observed_at in monitor_snapshots -> one evaluation run."""

import dagster as dg

from compliance_pipeline.alerts.jobs import alert_evaluation_job
from compliance_pipeline.automation import sensor_status
from compliance_pipeline.warehouse.resource import WarehouseResource

# max(observed_at) is answered from the monitor_snapshots_time index: cheap to poll.
NEWEST_SQL = "SELECT max(observed_at) FROM monitor_snapshots"


@dg.sensor(name="monitor_snapshot_sensor", job=alert_evaluation_job, minimum_interval_seconds=60,
           default_status=sensor_status(),
           description="Requests an alert_evaluation run when newer monitor snapshots arrive "
                       "(run_key and cursor = the newest observed_at).")
def monitor_snapshot_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    with warehouse.get().connect() as conn:
        newest = conn.scalar(NEWEST_SQL)
    if newest is None:
        return dg.SkipReason("monitor_snapshots is empty")
    newest_key = newest.isoformat()
    if context.cursor == newest_key:
        return dg.SkipReason(f"no snapshot newer than {newest_key}")
    context.update_cursor(newest_key)
    return dg.RunRequest(run_key=newest_key, tags={"alerts/newest_observed_at": newest_key})
