"""The over-cap tables as the catalog and docs/reference.md describe them: the opportunity data
the remediation reads and corrects, and its plans, runs and undo log."""

from compliance_pipeline.catalog import Domain, table

DOMAIN = Domain(group="over_cap", owners=("team:payments-integrity",),
                tags={"domain": "over_cap", "policy": "opportunity_claim_limits"})

_STATUS_MODIFIED = ("status_modified_date", "TIMESTAMPTZ", "When status last changed.")

OPPORTUNITY = table(
    "opportunity", "Opportunities: a remediation is scoped by opportunity_id.",
    ("id", "BIGINT", "Row id (primary key)."),
    ("opportunity_id", "TEXT", "The opportunity's UUID, used as opportunity_id in run config and CLI."),
    ("name", "TEXT", "Opportunity name."),
)
PAYMENT_UNIT = table(
    "payment_unit", "Payment units of an opportunity and what one earns (integer minor units).",
    ("id", "BIGINT", "Row id (primary key)."),
    ("opportunity_id", "BIGINT", "The opportunity row (opportunity.id)."),
    ("name", "TEXT", "Payment unit name."),
    ("amount", "BIGINT", "Worker payment per approved unit (minor units)."),
    ("org_amount", "BIGINT", "Organisation payment per approved unit (minor units)."),
)
OPPORTUNITY_ACCESS = table(
    "opportunity_access", "A health worker's access to an opportunity, and the payment accrued on it.",
    ("id", "BIGINT", "Row id (primary key)."),
    ("opportunity_id", "BIGINT", "The opportunity row (opportunity.id)."),
    ("user_id", "TEXT", "The worker."),
    ("suspended", "BOOLEAN", "Suspended workers are left alone unless include_suspended."),
    ("payment_accrued", "BIGINT", "Sum of the access's completed works' saved_payment_accrued."),
)
CLAIM_LIMIT = table(
    "opportunity_claim_limit", "The claim limit per access and payment unit, counted in completed works.",
    ("id", "BIGINT", "Row id (primary key)."),
    ("opportunity_access_id", "BIGINT", "The worker's access."),
    ("payment_unit_id", "BIGINT", "The payment unit limited."),
    ("max_visits", "INTEGER", "Completed works (pending or approved) allowed; later ones are over cap."),
)
COMPLETED_WORK = table(
    "completed_work", "One earned payment unit of a worker; may be made of several visits.",
    ("id", "BIGINT", "Row id (primary key)."),
    ("opportunity_access_id", "BIGINT", "The worker's access."),
    ("payment_unit_id", "BIGINT", "The payment unit earned."),
    ("entity_id", "TEXT", "The beneficiary the work was for."),
    ("status", "TEXT", "pending, approved, rejected, over_limit or incomplete."),
    ("date_created", "TIMESTAMPTZ", "Ranks a worker's works against the claim limit."),
    _STATUS_MODIFIED,
    ("saved_approved_count", "INTEGER", "Units approved on this work."),
    ("saved_payment_accrued", "BIGINT", "Worker accrual: approved count x amount while approved, else 0."),
    ("saved_org_payment_accrued", "BIGINT", "Organisation accrual, likewise with org_amount."),
)
USER_VISIT = table(
    "user_visit", "Deliver-unit form submissions; flipped together with their completed work.",
    ("id", "BIGINT", "Row id (primary key)."),
    ("opportunity_access_id", "BIGINT", "The worker's access."),
    ("completed_work_id", "BIGINT", "The completed work the visit belongs to (NULL: none yet)."),
    ("xform_id", "TEXT", "The submitted form."),
    ("entity_id", "TEXT", "The beneficiary visited."),
    ("status", "TEXT", "pending, approved, rejected, over_limit, duplicate or trial."),
    ("date_created", "TIMESTAMPTZ", "When the visit was submitted."),
    _STATUS_MODIFIED,
)

PLAN = table(
    "over_cap_plan", "One row per remediation plan: its scope and totals.",
    ("plan_id", "TEXT", "Digest of the scope and every row to flip: the same data gives the same id."),
    ("created_at", "TIMESTAMPTZ", "When the plan was first stored."),
    ("opportunity_id", "TEXT", "The opportunity UUID in scope (NULL: all)."),
    ("include_suspended", "BOOLEAN", "Whether suspended workers are included."),
    ("accesses", "INTEGER", "Worker accesses affected."),
    ("completed_works", "INTEGER", "Completed works to flip to over_limit."),
    ("visits", "INTEGER", "Visits to flip to over_limit."),
    ("skipped_accesses", "INTEGER", "Suspended accesses left alone."),
    ("worker_accrual_drop", "BIGINT", "Projected drop of worker accruals (minor units)."),
    ("org_accrual_drop", "BIGINT", "Projected drop of organisation accruals (minor units)."),
)
PLAN_ITEM = table(
    "over_cap_plan_item", "The rows a plan flips to over_limit: completed works and their visits.",
    ("plan_id", "TEXT", "The plan."),
    ("table_name", "TEXT", "completed_work or user_visit."),
    ("row_id", "BIGINT", "The row's id in that table."),
    ("completed_work_id", "BIGINT", "The over-cap completed work (itself, or the visit's work)."),
    ("opportunity_access_id", "BIGINT", "The worker's access."),
    ("payment_unit_id", "BIGINT", "The payment unit."),
    ("current_status", "TEXT", "The row's status when planned (the apply checks it is unchanged)."),
    ("position", "INTEGER", "The work's rank among the access's works of that unit (1 = oldest)."),
    ("max_visits", "INTEGER", "The claim limit it exceeded."),
)
PLAN_ACCESS = table(
    "over_cap_plan_access", "Per plan and worker access: what flips and the accruals before and after.",
    ("plan_id", "TEXT", "The plan."),
    ("opportunity_access_id", "BIGINT", "The worker's access."),
    ("user_id", "TEXT", "The worker."),
    ("suspended", "BOOLEAN", "The access is suspended."),
    ("skipped", "BOOLEAN", "Left alone because suspended."),
    ("completed_works", "INTEGER", "Completed works to flip."),
    ("visits", "INTEGER", "Visits to flip."),
    ("worker_accrual_before", "BIGINT", "payment_accrued now."),
    ("worker_accrual_after", "BIGINT", "payment_accrued after the flip."),
    ("org_accrual_before", "BIGINT", "Organisation accrual now."),
    ("org_accrual_after", "BIGINT", "Organisation accrual after the flip."),
)
RUN = table(
    "over_cap_run", "One row per applied remediation run.",
    ("run_id", "TEXT", "The Dagster run id (or the CLI's run id)."),
    ("plan_id", "TEXT", "The plan applied."),
    ("opportunity_id", "TEXT", "The opportunity UUID in scope (NULL: all)."),
    ("applied_at", "TIMESTAMPTZ", "When the run committed."),
    ("accesses", "INTEGER", "Worker accesses changed."),
    ("completed_works", "INTEGER", "Completed works flipped."),
    ("visits", "INTEGER", "Visits flipped."),
    ("worker_accrual_drop", "BIGINT", "Drop of worker accruals (minor units)."),
    ("org_accrual_drop", "BIGINT", "Drop of organisation accruals (minor units)."),
    ("undone_at", "TIMESTAMPTZ", "When `over-cap undo --apply` restored it."),
    ("undone_by", "TEXT", "The undo's run id."),
)
REMEDIATION_LOG = table(
    "over_cap_remediation_log", "Every row a run changed with its previous values: what undo restores.",
    ("id", "BIGINT", "Log row id."),
    ("run_id", "TEXT", "The run."),
    ("table_name", "TEXT", "completed_work, user_visit or opportunity_access."),
    ("row_id", "BIGINT", "The row's id in that table."),
    ("opportunity_access_id", "BIGINT", "The worker's access."),
    ("previous_status", "TEXT", "Status before."),
    ("new_status", "TEXT", "Status after."),
    ("previous_status_modified_date", "TIMESTAMPTZ", "status_modified_date before."),
    ("new_status_modified_date", "TIMESTAMPTZ", "status_modified_date after."),
    ("previous_payment_accrued", "BIGINT", "Worker accrual before."),
    ("new_payment_accrued", "BIGINT", "Worker accrual after."),
    ("previous_org_payment_accrued", "BIGINT", "Organisation accrual before."),
    ("new_org_payment_accrued", "BIGINT", "Organisation accrual after."),
)

SOURCE_TABLES = (OPPORTUNITY, PAYMENT_UNIT, OPPORTUNITY_ACCESS, CLAIM_LIMIT, COMPLETED_WORK, USER_VISIT)
OUTPUT_TABLES = (PLAN, PLAN_ITEM, PLAN_ACCESS, RUN, REMEDIATION_LOG)
