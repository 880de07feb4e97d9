"""Dagster definitions of the budget_audit domain."""

import dagster as dg

from compliance_pipeline.budget_audit.assets import (
    budget_audit_log,
    budget_daily_summary,
    budget_weekly_report,
    control_loop_ticks,
)
from compliance_pipeline.budget_audit.jobs import weekly_budget_report_job
from compliance_pipeline.budget_audit.resources import BudgetAuditResource
from compliance_pipeline.budget_audit.schedules import weekly_budget_report_schedule
from compliance_pipeline.catalog import with_code_references

defs = dg.Definitions(
    assets=with_code_references([control_loop_ticks, budget_audit_log, budget_daily_summary, budget_weekly_report]),
    jobs=[weekly_budget_report_job],
    schedules=[weekly_budget_report_schedule],
    resources={"budget_audit": BudgetAuditResource()},
)
