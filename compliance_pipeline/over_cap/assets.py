"""The reviewable plan as an asset, downstream of the source tables it reads."""

from datetime import datetime, timezone

import dagster as dg
from pydantic import Field

from compliance_pipeline.over_cap import apply
from compliance_pipeline.over_cap.metadata import report_metadata
from compliance_pipeline.warehouse.resource import WarehouseResource

GROUP = "over_cap"
SOURCE_TABLES = {
    "opportunity": "Opportunities (opportunity_id is the UUID used to scope a remediation).",
    "payment_unit": "Payment units with worker amount and org_amount (minor units).",
    "opportunity_access": "A worker's access to an opportunity; suspended, payment_accrued.",
    "opportunity_claim_limit": "max_visits per (access, payment unit): counted in completed works.",
    "completed_work": "One earned payment unit; status, date_created, saved accruals.",
    "user_visit": "Deliver-unit submissions; several may make up one completed work.",
}
source_specs = [dg.AssetSpec(key=name, description=text, group_name=GROUP)
                for name, text in SOURCE_TABLES.items()]


class PlanConfig(dg.Config):
    opportunity_id: str | None = Field(
        default=None, description="Opportunity UUID to scope the plan to; null = all opportunities.")


@dg.asset(
    group_name=GROUP,
    deps=[spec.key for spec in source_specs],
    description="Which completed works (and their visits) are over their claim limit, and the "
                "projected accrual drop. Stored with plan_id = digest of its content; apply it "
                "with the remediate_over_cap_visits job (plan_id) or `over-cap apply`.",
)
def over_cap_visit_plan(context: dg.AssetExecutionContext, config: PlanConfig,
                        warehouse: WarehouseResource) -> dg.MaterializeResult:
    plan = apply.plan_only(warehouse.get(), config.opportunity_id, include_suspended=False,
                           now=datetime.now(timezone.utc))
    report = apply.report(plan, run_id=None, dry_run=True, applied=False)
    context.log.info(f"plan {plan.plan_id}: {report['message']}")
    return dg.MaterializeResult(metadata=report_metadata(report))
