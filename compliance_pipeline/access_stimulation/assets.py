"""Dagster assets of access_stimulation: thin wiring around storage and monitor."""


from datetime import date, datetime, timezone

import dagster as dg
from pydantic import Field

from compliance_pipeline.access_stimulation import checks, core, monitor, sums
from compliance_pipeline.access_stimulation.erpnext import ERPNextResource, deliver_todos
from compliance_pipeline.outbox.metadata import delivery_metadata
from compliance_pipeline.partitions import DAILY
from compliance_pipeline.ui import markdown_table
from compliance_pipeline.warehouse.resource import WarehouseResource

GROUP = "access_stimulation"

source_profiles = dg.AssetSpec("cdr_ingestion_profiles", group_name=GROUP,
                               description="Source: CDR ingestion profiles (active flag, flag stamp, evidence).")
source_studies = dg.AssetSpec("cdr_traffic_studies", group_name=GROUP,
                              description="Source: traffic studies (retail = terminating, wholesale = originating proxy).")


def _partition_day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)


@dg.asset(
    partitions_def=DAILY,
    group_name=GROUP,
    # A day adds its studies to the previous day's running sums. Depending on the previous
    # partition keeps backfills in day order, so each day reads one day of studies; a day
    # computed without it (a gap) is still right, it sums that profile's studies instead.
    deps=[source_profiles, source_studies,
          dg.AssetDep("traffic_six_month_aggregates",
                      partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1))],
    description="Per active profile: term/orig minutes over [as_of - 6 months, as_of), as_of = the "
                "partition day's end; plus running sums that make the next day cheap.",
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
    })


class AccessStimulationFlagsConfig(dg.Config):
    dry_run: bool = Field(default=False, description=(
        "Evaluate and record the outcomes, but stamp no profile and queue no ERPNext ToDo."))
    threshold: float = Field(default=core.DEFAULT_THRESHOLD, description=(
        "Terminating-to-originating minutes ratio above which a profile is flagged (3:1 in 47 CFR 61.3(bbb))."))
    cooldown_days: int = Field(default=core.DEFAULT_COOLDOWN_DAYS, description=(
        "A profile flagged within this many days before as_of is not flagged again."))


@dg.asset(
    partitions_def=DAILY,
    group_name=GROUP,
    # Cooldown depends on earlier days' flags: each day also depends on the day before,
    # so a backfill runs in day order and equals the same days run one by one.
    ins={
        "traffic_six_month_aggregates": dg.AssetIn(dagster_type=dg.Nothing),
        "access_stimulation_flags": dg.AssetIn(
            dagster_type=dg.Nothing,
            partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)),
    },
    description="The seed 000 decision per active profile: history row for every outcome; flags stamp "
                "the profile and queue one ERPNext ToDo (same transaction).",
)
def access_stimulation_flags(context: dg.AssetExecutionContext, config: AccessStimulationFlagsConfig,
                             warehouse: WarehouseResource) -> dg.MaterializeResult:
    day = _partition_day(context)
    result = monitor.run(warehouse.get(), as_of=core.as_of_for_partition(day), dry_run=config.dry_run,
                         threshold=config.threshold, cooldown_days=config.cooldown_days, partition_day=day,
                         queued_at=datetime.now(timezone.utc))
    counts = result.reason_counts()
    shown = [{"profile_id": ev.profile_id, "outcome": ev.reason, "ratio": round(ev.ratio, 3),
              "term_minutes": ev.term_minutes, "orig_minutes": ev.orig_minutes,
              "last_flagged_at": ev.last_flagged_at.isoformat() if ev.last_flagged_at else None}
             for ev in result.evaluations if ev.reason in (core.FLAGGED, core.COOLDOWN)]
    ratios = [ev.ratio for ev in result.evaluations if ev.ratio is not None]
    metadata = {
        "as_of": dg.MetadataValue.text(result.as_of.isoformat()),
        "dry_run": dg.MetadataValue.bool(config.dry_run),
        "evaluated": dg.MetadataValue.int(len(result.evaluations)),
        "flagged": dg.MetadataValue.int(counts[core.FLAGGED]),
        "max_ratio": dg.MetadataValue.float(round(max(ratios), 3) if ratios else 0.0),
        "outcomes": dg.MetadataValue.json(counts),
        "flagged_and_cooldown": dg.MetadataValue.md(markdown_table(shown)),
        **{f"count_{reason}": dg.MetadataValue.int(n) for reason, n in counts.items()},
        **{name: dg.MetadataValue.int(n) for name, n in result.written.items()},
    }
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    group_name=GROUP,
    deps=[access_stimulation_flags],
    description="Sends queued ToDos to ERPNext (POST /api/resource/ToDo): retried with backoff, "
                "sent once, 4xx kept as failed. Never fails because ERPNext is down.",
)
def erpnext_todo_delivery(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                          erpnext: ERPNextResource) -> dg.MaterializeResult:
    report = deliver_todos(warehouse.get(), erpnext, monitor.TODO_TOPIC, datetime.now(timezone.utc))
    if not report.configured:
        context.log.warning("ERPNEXT_URL / ERPNEXT_API_KEY / ERPNEXT_API_SECRET not set: ToDos stay pending")
    return dg.MaterializeResult(metadata=delivery_metadata(report))
