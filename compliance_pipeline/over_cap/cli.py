"""`compliance-pipeline over-cap plan | apply | undo` (JSON on stdout)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from compliance_pipeline.over_cap import apply, undo
from compliance_pipeline.warehouse import Warehouse


def register(sub) -> None:
    over_cap = sub.add_parser("over-cap", help="over-cap visit remediation: plan, apply, undo")
    commands = over_cap.add_subparsers(dest="over_cap_command", required=True)

    plan = commands.add_parser("plan", help="dry run: derive, store and print the plan")
    plan.add_argument("--opportunity-id", default=None, help="opportunity UUID (default: all)")
    plan.add_argument("--include-suspended", action="store_true",
                      help="also flip suspended workers' over-cap work")
    plan.set_defaults(func=_plan)

    run = commands.add_parser("apply", help="apply a reviewed plan in one transaction")
    run.add_argument("--plan-id", required=True, help="plan_id printed by `over-cap plan`")
    run.add_argument("--opportunity-id", default=None, help="must match the plan's scope if given")
    run.add_argument("--batch-size", type=int, default=500)
    run.set_defaults(func=_apply)

    revert = commands.add_parser("undo", help="restore one run's prior state (dry run unless --apply)")
    revert.add_argument("--run-id", required=True)
    revert.add_argument("--apply", action="store_true", help="write the undo (default: report only)")
    revert.set_defaults(func=_undo)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _plan(args) -> dict:
    plan = apply.plan_only(Warehouse.from_env(), args.opportunity_id, args.include_suspended, _now())
    return apply.report(plan, run_id=None, dry_run=True, applied=False)


def _apply(args) -> dict:
    return apply.remediate(
        Warehouse.from_env(), run_id=f"cli-{uuid.uuid4()}", now=_now(), dry_run=False,
        opportunity_id=args.opportunity_id, plan_id=args.plan_id, batch_size=args.batch_size)


def _undo(args) -> dict:
    return undo.undo(Warehouse.from_env(), args.run_id, now=_now(), apply=args.apply)
