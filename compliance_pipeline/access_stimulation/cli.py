"""CLI: `compliance-pipeline access-stim [--dry-run] [--as-of YYYY-MM-DD]`: one evaluation pass."""

from __future__ import annotations

from datetime import datetime, timezone

from compliance_pipeline.access_stimulation import core, monitor, monthly_cli
from compliance_pipeline.inputs import iso_day
from compliance_pipeline.warehouse import Warehouse


def _as_of(text: str | None, now: datetime) -> datetime:
    """--as-of D evaluates as of the end of day D (D+1 00:00 UTC), exactly like partition D of
    the Dagster assets; absent: now."""
    if text is None:
        return now
    return core.as_of_for_partition(iso_day(text, "--as-of"))


def handle(args) -> dict:
    """--as-of D reads day D's stored running totals when traffic_six_month_aggregates has
    materialized D (two stored rows per profile instead of six months of studies), else sums
    the studies; "now" (no --as-of) always sums the studies."""
    now = datetime.now(timezone.utc)
    day = None if args.as_of is None else iso_day(args.as_of, "--as-of")
    result = monitor.run(Warehouse.from_env(), as_of=_as_of(args.as_of, now), dry_run=args.dry_run, queued_at=now,
                         partition_day=day, stored_if_any=True)
    return result.as_json()


def register(sub) -> None:
    p = sub.add_parser("access-stim", help="evaluate every active profile for access stimulation (47 CFR 61.3(bbb))")
    p.add_argument("--dry-run", action="store_true", help="evaluate, write nothing, report would-be flags")
    p.add_argument("--as-of", default=None, help="evaluate as of the end of day YYYY-MM-DD (the next day 00:00 UTC), like that "
                   "day's partition (default: now)")
    p.set_defaults(func=handle)
    monthly_cli.register(p)
