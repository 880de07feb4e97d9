"""CLI: `compliance-pipeline access-stim [--dry-run] [--as-of YYYY-MM-DD]` (the seed's run_once)."""

from __future__ import annotations

from datetime import datetime, time, timezone

from compliance_pipeline.access_stimulation import monitor, monthly_cli
from compliance_pipeline.inputs import iso_day
from compliance_pipeline.warehouse import Warehouse


def _as_of(text: str | None, now: datetime) -> datetime:
    """--as-of D evaluates at D 00:00 UTC (the window ends just before D); absent: now."""
    if text is None:
        return now
    return datetime.combine(iso_day(text, "--as-of"), time(0), tzinfo=timezone.utc)


def handle(args) -> dict:
    now = datetime.now(timezone.utc)
    result = monitor.run(Warehouse.from_env(), as_of=_as_of(args.as_of, now), dry_run=args.dry_run, queued_at=now)
    return result.as_json()


def register(sub) -> None:
    p = sub.add_parser("access-stim", help="evaluate every active profile for access stimulation (47 CFR 61.3(bbb))")
    p.add_argument("--dry-run", action="store_true", help="evaluate, write nothing, report would-be flags")
    p.add_argument("--as-of", default=None, help="evaluate at YYYY-MM-DD 00:00 UTC (default: now)")
    p.set_defaults(func=handle)
    monthly_cli.register(p)
