"""Dagster wiring of the monthly 61.3(bbb) determination: asset, job, schedule."""

from datetime import date, datetime, timezone

import dagster as dg
from pydantic import Field

from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.access_stimulation import monthly_pass
from compliance_pipeline.access_stimulation.assets import source_profiles, source_studies
from compliance_pipeline.access_stimulation.tables import AGREEMENTS, DOMAIN, MONTHLY_STATUS
from compliance_pipeline.automation import schedule_status
from compliance_pipeline.catalog import materialized
from compliance_pipeline.partitions import MONTHLY
from compliance_pipeline.ui import rows_table
from compliance_pipeline.warehouse.resource import WarehouseResource

ASSET_NAME = "access_stimulation_monthly_status"

source_agreements = DOMAIN.source("access_revenue_sharing_agreements", AGREEMENTS)

_DEFAULTS = core.MonthlySettings()
SHOWN_COLUMNS = ["profile_id", "class", "state", "ratio", "term_minutes", "orig_minutes", "bases",
                 "engaged_since", "months_below", "notice_due_on", "exited"]


class MonthlyStatusConfig(dg.Config):
    """The regulation's numbers are the defaults; change them only to model a what-if."""

    dry_run: bool = Field(default=False, description="Determine the month and write nothing (no rows, no ToDos).")
    agreement_ratio: float = Field(default=_DEFAULTS.agreement_ratio,
                                   description="(bbb)(1)(i): terminating:originating ratio, at least, with an agreement.")
    growth_pct: float = Field(default=_DEFAULTS.growth_pct,
                              description="(bbb)(1)(i): growth vs the same month a year earlier, more than, in %.")
    clec_ratio: float = Field(default=_DEFAULTS.clec_ratio,
                              description="(bbb)(1)(ii): a CLEC's ratio in a month, at least, with or without agreement.")
    rate_of_return_ratio: float = Field(default=_DEFAULTS.rate_of_return_ratio,
                                        description="(bbb)(1)(iii): rate-of-return ratio over three months, at least.")
    rate_of_return_min_terminating_minutes: int = Field(
        default=_DEFAULTS.rate_of_return_min_terminating_minutes,
        description="(bbb)(1)(iii): terminating minutes in each month of the three, at least.")
    exit_consecutive_months: int = Field(default=_DEFAULTS.exit_consecutive_months,
                                         description="(bbb)(3)/(4): months in a row below the ratio trigger to exit.")
    notice_days: int = Field(default=_DEFAULTS.notice_days,
                             description="Days after the month's end when notices/tariff revisions are due.")

    def settings(self) -> core.MonthlySettings:
        fields = core.MonthlySettings.__dataclass_fields__
        return core.MonthlySettings(**{name: getattr(self, name) for name in fields})


@dg.asset(
    name=ASSET_NAME,
    partitions_def=MONTHLY,
    **DOMAIN.asset(MONTHLY_STATUS),
    # The state carries month to month: each month depends on the one before, so a backfill
    # runs the months in order and equals the same months run one by one.
    deps=[source_profiles, source_studies, source_agreements,
          dg.AssetDep(ASSET_NAME, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1))],
    description="47 CFR 61.3(bbb) per active profile and calendar month (UTC): interstate minutes, ratio, growth "
                "vs a year earlier, each trigger, engaged or not, engaged since, months below the trigger, the "
                "month it may exit, the notice due date; ERPNext ToDos for newly engaged and exiting profiles.",
)
def access_stimulation_monthly_status(context: dg.AssetExecutionContext, config: MonthlyStatusConfig,
                                      warehouse: WarehouseResource) -> dg.MaterializeResult:
    month = date.fromisoformat(context.partition_key).replace(day=1)
    now = datetime.now(timezone.utc)
    monthly_pass.require_ended(month, now)
    result = monthly_pass.run(warehouse.get(), month=month, settings=config.settings(), dry_run=config.dry_run,
                              queued_at=now)
    shown = [{"profile_id": s.profile_id, "class": s.carrier_class, "state": s.state,
              "ratio": round(s.ratio, 3) if s.ratio is not None else None, "term_minutes": s.term_minutes,
              "orig_minutes": s.orig_minutes, "bases": ", ".join(s.evidence["bases"]) if s.evidence else "",
              "engaged_since": core.month_label(s.engaged_since) if s.engaged_since else None,
              "months_below": s.months_below, "notice_due_on": s.notice_due_on, "exited": s.exited}
             for s in result.statuses if s.engaged or s.exited]
    return dg.MaterializeResult(metadata={
        "month": dg.MetadataValue.text(core.month_label(month)),
        "dry_run": dg.MetadataValue.bool(config.dry_run),
        **{name: dg.MetadataValue.int(n) for name, n in result.counts().items()},
        **{name: dg.MetadataValue.int(n) for name, n in result.written.items()},
        "engaged_and_exited": rows_table(shown, SHOWN_COLUMNS),
        **materialized(warehouse.get(), MONTHLY_STATUS, {"month": month}),
    })


monthly_access_stimulation_job = dg.define_asset_job(
    "monthly_access_stimulation_job", selection=dg.AssetSelection.assets(ASSET_NAME),
    description="Last month's 47 CFR 61.3(bbb) determination per profile.")

# The 2nd at 06:00 UTC: the last complete month, with a day's grace for late studies.
monthly_access_stimulation_schedule = dg.build_schedule_from_partitioned_job(
    monthly_access_stimulation_job, name="monthly_access_stimulation_schedule",
    day_of_month=2, hour_of_day=6, minute_of_hour=0, default_status=schedule_status(),
)
