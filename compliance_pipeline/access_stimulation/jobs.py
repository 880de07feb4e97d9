"""Jobs of access_stimulation."""

import dagster as dg

erpnext_todo_delivery_job = dg.define_asset_job(
    "erpnext_todo_delivery_job",
    selection=dg.AssetSelection.assets("erpnext_todo_delivery"),
    executor_def=dg.in_process_executor,  # one short step: no subprocess to start
    description="Send queued access-stimulation ToDos to ERPNext (retries are due by backoff).",
)
