"""Jobs of access_stimulation."""

import warnings

import dagster as dg

from compliance_pipeline.warehouse.resource import SESSION_TAGS

# The day's run spans two domains; all four assets share partitions.DAILY, from which
# Dagster infers the job's partitions (passing partitions_def is deprecated in 1.13).
# In one process, step after step: the four steps are small (well under a second each at
# 10,000 profiles), so a subprocess per step (~2 s of imports each) cost far more than it
# bought, and on DuckDB parallel steps only queued for the file's write lock anyway. The run
# also holds ONE warehouse session (SESSION_TAGS, see WarehouseResource): none of its steps
# waits on the network, and the DuckDB file is opened once for the run and closed
# (checkpointed) once at its end, instead of once per step.
# The budget day assets summarize a whole range in one run (single-run backfills); this job
# keeps the access-stimulation assets' one day per run, which Dagster picks and warns about.
warnings.filterwarnings("ignore", message="Asset job daily_access_stimulation_job materializes assets "
                        "with varying BackfillPolicies")
daily_access_stimulation_job = dg.define_asset_job(
    "daily_access_stimulation_job",
    selection=dg.AssetSelection.assets("traffic_six_month_aggregates", "access_stimulation_flags",
                                       "budget_audit_log", "budget_daily_summary"),
    executor_def=dg.in_process_executor,
    tags=SESSION_TAGS,
    description="Yesterday's traffic aggregates and access-stimulation flags, plus the budget day assets.",
)

erpnext_todo_delivery_job = dg.define_asset_job(
    "erpnext_todo_delivery_job",
    selection=dg.AssetSelection.assets("erpnext_todo_delivery"),
    executor_def=dg.in_process_executor,  # one short step: no subprocess to start
    description="Send queued access-stimulation ToDos to ERPNext (retries are due by backoff).",
)
