"""`remediate_over_cap_visits`: build or load the plan -> apply -> report.

One run config at the job's top level (the RemediationConfig fields), mapped onto the ops. The apply op hands
the plan's id to the one-transaction apply, which re-derives it under the row locks: the run
writes exactly the plan shown by the first op, or nothing.
"""

from datetime import datetime, timezone

import dagster as dg
from pydantic import Field

from compliance_pipeline.over_cap import apply
from compliance_pipeline.over_cap.metadata import report_metadata
from compliance_pipeline.warehouse.resource import WarehouseResource

EXCLUSIVE_TAG = {"compliance/exclusive": "over_cap"}


class RemediationConfig(dg.Config):
    dry_run: bool = Field(default=True, description="Compute and report only; write nothing.")
    opportunity_id: str | None = Field(default=None, description="Opportunity UUID; null = all.")
    batch_size: int = Field(default=500, description="Rows locked and updated per batch.")
    plan_id: str | None = Field(
        default=None, description="A reviewed plan (over_cap_visit_plan); null = a fresh plan.")
    include_suspended: bool = Field(default=False, description="Also flip suspended workers.")


@dg.op(out=dg.Out(dict, description="the plan's report"))
def build_or_load_plan(context: dg.OpExecutionContext, config: RemediationConfig,
                       warehouse: WarehouseResource) -> dict:
    now = datetime.now(timezone.utc)
    wh = warehouse.get()
    if config.plan_id is None:
        # A wet run stores its fresh plan so the apply can pin it by id.
        plan = apply.plan_only(wh, config.opportunity_id, config.include_suspended, now,
                               save=not config.dry_run)
        report = apply.report(plan, run_id=context.run_id, dry_run=True, applied=False)
    else:
        report = apply.remediate(wh, run_id=context.run_id, now=now, dry_run=True,
                                 opportunity_id=config.opportunity_id, plan_id=config.plan_id,
                                 include_suspended=config.include_suspended,
                                 batch_size=config.batch_size)
    context.add_output_metadata(report_metadata(report))
    return report


@dg.op(out=dg.Out(dict, description="the run's report"))
def apply_plan(context: dg.OpExecutionContext, config: RemediationConfig,
               warehouse: WarehouseResource, plan: dict) -> dict:
    if config.dry_run:
        context.log.info("dry_run=true: nothing written")
        return plan
    report = apply.remediate(
        warehouse.get(), run_id=context.run_id, now=datetime.now(timezone.utc), dry_run=False,
        plan_id=plan["plan_id"], include_suspended=config.include_suspended,
        batch_size=config.batch_size,
        after_batch=lambda n, total: context.log.debug(f"flipped batch {n}/{total}"))
    context.add_output_metadata(report_metadata(report))
    return report


@dg.op
def report_remediation(context: dg.OpExecutionContext, report: dict) -> dg.Output[dict]:
    context.log.info(report["message"])
    return dg.Output(report, metadata=report_metadata(report))


# Typed from the annotation: the launchpad shows RemediationConfig's fields, defaults and
# descriptions, and config validation rejects unknown keys and wrong types, naming the field.
@dg.config_mapping
def remediation_config(config: RemediationConfig) -> dict:
    full = config.model_dump()
    return {"ops": {"build_or_load_plan": {"config": full}, "apply_plan": {"config": full}}}


# Three short steps: run them in the run's process (a subprocess per step cost ~3 s each).
@dg.job(name="remediate_over_cap_visits", tags=EXCLUSIVE_TAG, executor_def=dg.in_process_executor,
        config=remediation_config,
        description="Flip over-cap completed works and their visits to over_limit, recompute "
                    "accruals, log for undo. dry_run is true by default.")
def remediate_over_cap_visits():
    report_remediation(apply_plan(build_or_load_plan()))

