"""Dagster definitions of the access_stimulation domain."""

import dagster as dg

from compliance_pipeline.access_stimulation import assets, checks, jobs, monthly_assets, schedules
from compliance_pipeline.access_stimulation.erpnext import erpnext_resource
from compliance_pipeline.catalog import with_code_references

defs = dg.Definitions(
    assets=with_code_references([
        assets.source_profiles, assets.source_studies, assets.traffic_six_month_aggregates,
        assets.access_stimulation_flags, assets.erpnext_todo_delivery,
        monthly_assets.source_agreements, monthly_assets.access_stimulation_monthly_status]),
    asset_checks=[checks.erpnext_todos_not_waiting],
    jobs=[jobs.erpnext_todo_delivery_job, monthly_assets.monthly_access_stimulation_job],
    schedules=[schedules.erpnext_todo_delivery_schedule,
               monthly_assets.monthly_access_stimulation_schedule],
    resources={"erpnext": erpnext_resource()},
)
