"""The daily run that spans domains: yesterday's access-stimulation aggregates and flags, and the
budget audit's day assets. All four share partitions.DAILY, from which Dagster infers the job's
partitions; this is the one module that knows both domains.

One process, step after step: the four steps are small (well under a second each at 10,000
profiles), so a subprocess per step (~2 s of imports each) cost far more than it bought, and on
DuckDB parallel steps only queued for the file's write lock anyway. The run also holds ONE
warehouse session (SESSION_TAGS, see WarehouseResource): none of its steps waits on the network,
and the DuckDB file is opened once for the run and closed (checkpointed) once at its end.
"""

import warnings

import dagster as dg

from compliance_pipeline.access_stimulation.assets import access_stimulation_flags, traffic_six_month_aggregates
from compliance_pipeline.automation import schedule_status
from compliance_pipeline.budget_audit.assets import budget_audit_log, budget_daily_summary
from compliance_pipeline.warehouse.resource import SESSION_TAGS

# The budget day assets summarize a whole range in one run (single-run backfills); this job
# keeps the access-stimulation assets' one day per run, which Dagster picks and warns about.
warnings.filterwarnings("ignore", message="Asset job daily_access_stimulation_job materializes assets "
                        "with varying BackfillPolicies")
daily_access_stimulation_job = dg.define_asset_job(
    "daily_access_stimulation_job",
    selection=dg.AssetSelection.assets(traffic_six_month_aggregates, access_stimulation_flags,
                                       budget_audit_log, budget_daily_summary),
    executor_def=dg.in_process_executor,
    tags=SESSION_TAGS,
    description="Yesterday's traffic aggregates and access-stimulation flags, plus the budget day assets.",
)

# 06:00 UTC: the schedule's partition is the last complete day (yesterday).
daily_access_stimulation_schedule = dg.build_schedule_from_partitioned_job(
    daily_access_stimulation_job, name="daily_access_stimulation_schedule", hour_of_day=6, minute_of_hour=0,
    default_status=schedule_status(),
)

defs = dg.Definitions(jobs=[daily_access_stimulation_job], schedules=[daily_access_stimulation_schedule])
