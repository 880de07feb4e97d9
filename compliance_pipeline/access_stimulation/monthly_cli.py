"""CLI: `compliance-pipeline access-stim monthly --month YYYY-MM [--dry-run]` (the month's statuses)."""

from __future__ import annotations

from datetime import datetime, timezone

from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.access_stimulation import monthly_pass
from compliance_pipeline.warehouse import Warehouse


def handle(args) -> dict:
    month = core.parse_month(args.month, "--month")
    now = datetime.now(timezone.utc)
    monthly_pass.require_ended(month, now)
    result = monthly_pass.run(Warehouse.from_env(), month=month, dry_run=args.dry_run, queued_at=now)
    return result.as_json()


def register(access_stim_parser) -> None:
    """`monthly` under `access-stim`, which keeps working without it (`access-stim [--dry-run] [--as-of D]`)."""
    sub = access_stim_parser.add_subparsers(dest="access_stim_command", required=False,
                                            parser_class=type(access_stim_parser), metavar="{monthly}")
    p = sub.add_parser("monthly", help="the 47 CFR 61.3(bbb) determination of one calendar month (UTC)")
    p.add_argument("--month", required=True, help="the calendar month, YYYY-MM (it must have ended)")
    p.add_argument("--dry-run", action="store_true", help="determine the month, write nothing")
    p.set_defaults(func=handle)
