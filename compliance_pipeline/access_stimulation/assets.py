"""Dagster assets of access_stimulation: thin wiring around storage and monitor."""


from datetime import date, datetime, timezone

import dagster as dg
from pydantic import Field

from compliance_pipeline.access_stimulation import checks, core, monitor, sums
from compliance_pipeline.access_stimulation.erpnext import ERPNextResource
from compliance_pipeline.access_stimulation.tables import AGGREGATES, DOMAIN, EVALUATIONS, PROFILES, STUDIES
from compliance_pipeline.catalog import materialized
from compliance_pipeline.outbox import topics
from compliance_pipeline.outbox.metadata import delivery_step
from compliance_pipeline.outbox.tables import OUTBOX
from compliance_pipeline.partitions import DAILY
from compliance_pipeline.ui import rows_table
from compliance_pipeline.warehouse.resource import WarehouseResource

GROUP = DOMAIN.group

source_profiles = DOMAIN.source("cdr_ingestion_profiles", PROFILES)
source_studies = DOMAIN.source("cdr_traffic_studies", STUDIES)


def _partition_day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)


@dg.asset(
    partitions_def=DAILY,
    **DOMAIN.asset(AGGREGATES),
    # A day adds its studies to the previous day's running sums. Depending on the previous
    # partition keeps backfills in day order, so each day reads one day of studies; a day
    # computed without it (a gap) is still right, it sums that profile's studies instead.
    deps=[source_profiles, source_studies,
          dg.AssetDep("traffic_six_month_aggregates",
                      partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1))],
    description="Per active CDR profile and day: terminating and originating minutes over the six "
                "calendar months before the day's end (as_of = next day 00:00 UTC), the figures the "
                "47 CFR 61.3(bbb) 3:1 test is applied to; with running totals that keep each day cheap.",
    check_specs=[checks.TRAFFIC_STUDIES_VALID],
)
def traffic_six_month_aggregates(context: dg.AssetExecutionContext,
                                 warehouse: WarehouseResource) -> dg.MaterializeResult:
    day = _partition_day(context)
    summary = sums.materialize_partition(warehouse.get(), day)
    as_of = core.as_of_for_partition(day)
    check = checks.traffic_studies_result(warehouse.get(), day, summary)
    return dg.MaterializeResult(check_results=[check], metadata={
        "as_of": dg.MetadataValue.text(as_of.isoformat()),
        "window_start": dg.MetadataValue.text(core.window_start(as_of).isoformat()),
        "profiles": dg.MetadataValue.int(summary["profiles"]),
        "profiles_without_orig_traffic": dg.MetadataValue.int(summary["profiles_without_orig_traffic"]),
        "term_minutes": dg.MetadataValue.int(summary["term_minutes"]),
        "orig_minutes": dg.MetadataValue.int(summary["orig_minutes"]),
        "max_ratio": dg.MetadataValue.float(summary["max_ratio"]),
        **materialized(warehouse.get(), AGGREGATES, {"partition_day": day}),
    })


class AccessStimulationFlagsConfig(dg.Config):
    dry_run: bool = Field(default=False, description=(
        "Evaluate and report only: write no history, stamp no profile, queue no ERPNext ToDo."))
    threshold: float = Field(default=core.DEFAULT_THRESHOLD, description=(
        "Terminating-to-originating minutes ratio above which a profile is flagged (3:1 in 47 CFR 61.3(bbb))."))
    cooldown_days: int = Field(default=core.DEFAULT_COOLDOWN_DAYS, description=(
        "A profile flagged within this many days before as_of is not flagged again."))


@dg.asset(
    partitions_def=DAILY,
    **DOMAIN.asset(EVALUATIONS),
    # Cooldown depends on earlier days' flags: each day also depends on the day before,
    # so a backfill runs in day order and equals the same days run one by one.
    deps=[traffic_six_month_aggregates,
          dg.AssetDep("access_stimulation_flags",
                      partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1))],
    description="The access-stimulation decision per active profile and day (47 CFR 61.3(bbb): "
                "terminating-to-originating ratio above 3:1, not flagged in the last 30 days). Every "
                "outcome is kept in access_stim_evaluations; a flag stamps the profile and queues one "
                "ERPNext ToDo for the Accounting Advisor, in the same transaction.",
)
def access_stimulation_flags(context: dg.AssetExecutionContext, config: AccessStimulationFlagsConfig,
                             warehouse: WarehouseResource) -> dg.MaterializeResult:
    day = _partition_day(context)
    result = monitor.run(warehouse.get(), as_of=core.as_of_for_partition(day), dry_run=config.dry_run,
                         threshold=config.threshold, cooldown_days=config.cooldown_days, partition_day=day,
                         queued_at=datetime.now(timezone.utc))
    counts = result.reason_counts()
    shown = [{"profile_id": ev.profile_id, "reason": ev.reason, "ratio": round(ev.ratio, 3),
              "term_minutes": ev.term_minutes, "orig_minutes": ev.orig_minutes,
              "last_flagged_at": ev.last_flagged_at}
             for ev in result.evaluations if ev.reason in (core.FLAGGED, core.COOLDOWN)]
    ratios = [ev.ratio for ev in result.evaluations if ev.ratio is not None]
    metadata = {
        "as_of": dg.MetadataValue.text(result.as_of.isoformat()),
        "dry_run": dg.MetadataValue.bool(config.dry_run),
        "evaluated": dg.MetadataValue.int(len(result.evaluations)),
        "flagged": dg.MetadataValue.int(counts[core.FLAGGED]),
        "max_ratio": dg.MetadataValue.float(round(max(ratios), 3) if ratios else 0.0),
        "outcomes": dg.MetadataValue.json(counts),
        "flagged_and_cooldown": rows_table(shown, EVALUATIONS.pick(
            "profile_id", "reason", "ratio", "term_minutes", "orig_minutes", "last_flagged_at")),
        **{f"count_{reason}": dg.MetadataValue.int(n) for reason, n in counts.items()},
        **{name: dg.MetadataValue.int(n) for name, n in result.written.items()},
        **materialized(warehouse.get(), EVALUATIONS, {"as_of": result.as_of}),
    }
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    **DOMAIN.asset(OUTBOX, kinds=["http"]),
    deps=[access_stimulation_flags],
    description="Sends the queued access-stimulation ToDos to ERPNext (POST /api/resource/ToDo): "
                "retried with backoff, sent once, refusals (4xx) kept as failed for a person to see. "
                "Never fails because ERPNext is down: the ToDos wait in the outbox.",
)
def erpnext_todo_delivery(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                          erpnext: ERPNextResource) -> dg.MaterializeResult:
    _, metadata = delivery_step(context.log, warehouse.get(), topic=topics.ERPNEXT_TODO,
                                send=erpnext.send_todo if erpnext.configured else None,
                                settings="ERPNEXT_URL / ERPNEXT_API_KEY / ERPNEXT_API_SECRET")
    return dg.MaterializeResult(metadata=metadata)
