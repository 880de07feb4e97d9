"""CLI: `budget log` (JSON lines on stdin), `budget report`, `budget daily YYYY-MM-DD`."""

from __future__ import annotations

import json
import sys
from datetime import date

from compliance_pipeline.errors import InputError


def register(sub) -> None:
    budget = sub.add_parser("budget", help="budget audit log and its daily and weekly rollups")
    commands = budget.add_subparsers(dest="budget_command", required=True)
    log = commands.add_parser("log", help="append JSON lines of SlotRecord fields from stdin (all or nothing)")
    log.add_argument("--batch-id", help="a retry with the same id appends nothing if the batch was appended "
                                        "(remembered 7 days)")
    log.set_defaults(func=_log)
    report = commands.add_parser("report", help="weekly rollup report over the whole log")
    report.set_defaults(func=_report)
    daily = commands.add_parser("daily", help="one day's summary")
    daily.add_argument("day", help="YYYY-MM-DD")
    daily.set_defaults(func=_daily)


def _audit_log():
    from compliance_pipeline.budget_audit.audit_log import BudgetAuditLog

    return BudgetAuditLog()


def _stdin_lines():
    """(number, text) of stdin's lines; a line that is not UTF-8 is an input error naming it."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream (tests)
        yield from enumerate(sys.stdin, start=1)
        return
    for number, raw in enumerate(stream, start=1):
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"stdin line {number}: not UTF-8 text (byte {exc.start + 1})") from exc


def _log(args) -> dict:
    from compliance_pipeline.budget_audit.core import record_from_tick

    records = []
    for number, line in _stdin_lines():
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise InputError(f"stdin line {number}: not JSON ({reason})") from exc
        if not isinstance(fields, dict):
            raise InputError(f"stdin line {number}: expected a JSON object of SlotRecord fields")
        try:
            records.append(record_from_tick(fields))
        except InputError as exc:
            raise InputError(f"stdin line {number}: {exc}") from exc
    # Everything is validated before the first write, and the batch shows in every day at once.
    appended = _audit_log().append_batch(records, batch_id=args.batch_id)
    if args.batch_id is None:
        return {"appended": appended.rows}
    return {"appended": appended.rows, "batch_id": args.batch_id, "already_committed": appended.already_committed}


def _report(args) -> dict:
    return _audit_log().weekly_report()


def _daily(args) -> dict:
    try:
        day = date.fromisoformat(args.day)
    except ValueError as exc:
        raise InputError(f"day must be YYYY-MM-DD, got {args.day!r}") from exc
    return _audit_log().daily_summary(day)
