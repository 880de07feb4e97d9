"""The console script `compliance-pipeline`: JSON on stdout; exit 0 ok, 2 bad input.

Each domain adds its own subcommands through `register(subparsers)` in its cli.py; a
subcommand's handler takes the parsed args and returns something JSON-serialisable.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from decimal import Decimal

from compliance_pipeline.errors import InputError

EXIT_OK, EXIT_BAD_INPUT = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def build_parser() -> argparse.ArgumentParser:
    from compliance_pipeline import demo_data
    from compliance_pipeline.access_stimulation import cli as access_stimulation
    from compliance_pipeline.alerts import cli as alerts
    from compliance_pipeline.budget_audit import cli as budget_audit
    from compliance_pipeline.over_cap import cli as over_cap
    from compliance_pipeline.warehouse import cli as warehouse

    parser = _Parser(prog="compliance-pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    warehouse.register(sub)
    demo_data.register(sub)
    for domain in (access_stimulation, budget_audit, over_cap, alerts):
        domain.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except InputError as exc:
        print(f"compliance-pipeline {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(result, indent=2, default=_json_default))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
