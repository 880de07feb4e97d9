"""`compliance-pipeline alerts ...`: rules CRUD and rule files, events, ack, one evaluation pass."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from compliance_pipeline.errors import InputError
from compliance_pipeline.inputs import row_id

# CLI flag -> rule field; flags left out of an update keep the stored value.
_RULE_FLAGS = {
    "unit": "unit_id", "name": "name", "metric": "metric", "comparison": "comparison",
    "threshold": "threshold_db", "duration": "duration_s", "clear_margin": "clear_margin_db",
    "schedule_start": "schedule_start", "schedule_end": "schedule_end", "days": "schedule_days",
    "timezone": "timezone",
}


def _warehouse():
    from compliance_pipeline.warehouse import Warehouse

    return Warehouse.from_env()


def _rule_fields(args) -> dict:
    fields = {field: getattr(args, flag) for flag, field in _RULE_FLAGS.items() if getattr(args, flag) is not None}
    if args.enabled is not None:
        fields["enabled"] = args.enabled
    return fields


def _add_rule_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit")
    parser.add_argument("--name")
    parser.add_argument("--metric", help="lp, leq, lmax, lmin, lpeak, ln1 or ln2")
    parser.add_argument("--comparison", help="above or below")
    parser.add_argument("--threshold", help="threshold in dB")
    parser.add_argument("--duration", help="seconds the condition must hold (both edges)")
    parser.add_argument("--clear-margin", help="hysteresis in dB")
    parser.add_argument("--schedule-start", help="HH:MM local time")
    parser.add_argument("--schedule-end", help="HH:MM local time (exclusive; may wrap past midnight)")
    parser.add_argument("--days", help="e.g. 0,1,2,3,4 (Monday = 0)")
    parser.add_argument("--timezone", help="IANA zone, e.g. America/New_York")
    parser.add_argument("--enabled", dest="enabled", action="store_true", default=None)
    parser.add_argument("--disabled", dest="enabled", action="store_false")


def _rules_list(args):
    from compliance_pipeline.alerts import rule_store

    with _warehouse().connect() as conn:
        return [r.as_dict() for r in rule_store.list_rules(conn, args.unit)]


def _rules_add(args):
    from compliance_pipeline.alerts import rule_store

    with _warehouse().transaction() as conn:
        return rule_store.add_rule(conn, _rule_fields(args)).as_dict()


def _rules_update(args):
    from compliance_pipeline.alerts import rule_store

    changes = _rule_fields(args)
    if not changes:
        raise InputError("update: give at least one field to change (e.g. --threshold 72)")
    with _warehouse().transaction() as conn:
        return {"rule": rule_store.update_rule(conn, row_id(args.id), changes).as_dict(),
                "note": "the rule's alert state resets at the next evaluation pass"}


def _rules_delete(args):
    from compliance_pipeline.alerts import rule_store

    with _warehouse().transaction() as conn:
        return {"deleted": rule_store.delete_rule(conn, row_id(args.id)).as_dict()}


def _rules_validate(args):
    from compliance_pipeline.alerts.rule_file import load_rule_file

    rules = load_rule_file(Path(args.file))
    return {"file": args.file, "valid": True, "rules": len(rules)}


def _rules_apply(args):
    from compliance_pipeline.alerts import rule_store
    from compliance_pipeline.alerts.rule_file import load_rule_file

    rules = load_rule_file(Path(args.file))
    with _warehouse().transaction() as conn:
        return rule_store.apply_rules(conn, rules)


def _events(args):
    from compliance_pipeline.alerts import rule_store

    with _warehouse().connect() as conn:
        return rule_store.list_events(conn, args.unit, args.status)


def _ack(args):
    from compliance_pipeline.alerts import rule_store

    with _warehouse().transaction() as conn:
        return rule_store.acknowledge(conn, row_id(args.id), by=args.by, notes=args.notes, now=datetime.now(timezone.utc))


def _evaluate(args):
    from dataclasses import asdict

    from compliance_pipeline.alerts.evaluation import evaluate_pass

    return asdict(evaluate_pass(_warehouse(), now=datetime.now(timezone.utc)))


def _deliver(args):
    import os

    from compliance_pipeline.alerts.webhook import deliver

    return deliver(_warehouse(), os.environ.get("ALERT_WEBHOOK_URL"), now=datetime.now(timezone.utc))


def register(sub) -> None:
    alerts = sub.add_parser("alerts", help="threshold alerts on sound-meter snapshots")
    commands = alerts.add_subparsers(dest="alerts_command", required=True)

    rules = commands.add_parser("rules", help="list, add, update, delete, validate or apply alert rules")
    rule_commands = rules.add_subparsers(dest="rules_command", required=True)
    p = rule_commands.add_parser("list")
    p.add_argument("--unit")
    p.set_defaults(func=_rules_list)
    p = rule_commands.add_parser("add")
    _add_rule_flags(p)
    p.set_defaults(func=_rules_add)
    p = rule_commands.add_parser("update", help="change fields; resets the rule's alert state")
    p.add_argument("id")
    _add_rule_flags(p)
    p.set_defaults(func=_rules_update)
    p = rule_commands.add_parser("delete")
    p.add_argument("id")
    p.set_defaults(func=_rules_delete)
    p = rule_commands.add_parser("validate", help="check a YAML rule file without touching the warehouse")
    p.add_argument("file")
    p.set_defaults(func=_rules_validate)
    p = rule_commands.add_parser("apply", help="add/update the rules of a YAML rule file (matched by unit+name)")
    p.add_argument("file")
    p.set_defaults(func=_rules_apply)

    p = commands.add_parser("events", help="list alert events, newest first")
    p.add_argument("--unit")
    p.add_argument("--status", help="active or cleared")
    p.set_defaults(func=_events)
    p = commands.add_parser("ack", help="acknowledge an event (a second ack is a no-op)")
    p.add_argument("id")
    p.add_argument("--by", required=True)
    p.add_argument("--notes")
    p.set_defaults(func=_ack)
    commands.add_parser("evaluate", help="run one evaluation pass").set_defaults(func=_evaluate)
    commands.add_parser("deliver", help="send queued webhook messages to ALERT_WEBHOOK_URL").set_defaults(
        func=_deliver)
