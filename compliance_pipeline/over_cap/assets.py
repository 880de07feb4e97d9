"""The reviewable plan as an asset, downstream of the source tables it reads."""

from datetime import datetime, timezone

import dagster as dg
from pydantic import Field

from compliance_pipeline.catalog import materialized
from compliance_pipeline.over_cap import apply
from compliance_pipeline.over_cap.metadata import report_metadata
from compliance_pipeline.over_cap.tables import DOMAIN, PLAN_ITEM, SOURCE_TABLES
from compliance_pipeline.warehouse.resource import WarehouseResource

GROUP = DOMAIN.group
source_specs = [DOMAIN.source(table.name, table) for table in SOURCE_TABLES]


class PlanConfig(dg.Config):
    opportunity_id: str | None = Field(
        default=None, description="Opportunity UUID to scope the plan to; null = all opportunities.")


@dg.asset(
    **DOMAIN.asset(PLAN_ITEM),
    deps=[spec.key for spec in source_specs],
    description="The reviewable remediation plan: which completed works (and their visits) health "
                "workers were approved for past their claim limit, and how much their accrued "
                "payments would drop. Stored under plan_id (a digest of its content, rows in "
                "over_cap_plan_item); apply exactly this plan with the remediate_over_cap_visits job "
                "(run config plan_id) or `compliance-pipeline over-cap apply --plan-id`.",
)
def over_cap_visit_plan(context: dg.AssetExecutionContext, config: PlanConfig,
                        warehouse: WarehouseResource) -> dg.MaterializeResult:
    plan = apply.plan_only(warehouse.get(), config.opportunity_id, include_suspended=False,
                           now=datetime.now(timezone.utc))
    report = apply.report(plan, run_id=None, dry_run=True, applied=False)
    context.log.info(f"plan {plan.plan_id}: {report['message']}")
    return dg.MaterializeResult(metadata={
        **report_metadata(report),
        **materialized(warehouse.get(), PLAN_ITEM, {"plan_id": plan.plan_id})})
