"""The console script `compliance-pipeline`: JSON on stdout; exit 0 ok, 2 bad input, 1 unavailable.

Each domain adds its own subcommands through `register(subparsers)` in its cli.py; a
subcommand's handler takes the parsed args and returns something JSON-serialisable. An
expected failure is one line on stderr (secrets masked, control characters escaped), no
traceback: InputError -> exit 2, ServiceUnavailableError (also as the cause of a wrapping
error, e.g. over-cap's "failed at step ...") -> exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from decimal import Decimal

from compliance_pipeline.errors import InputError, ServiceUnavailableError
from compliance_pipeline.redact import one_line

EXIT_OK, EXIT_UNAVAILABLE, EXIT_BAD_INPUT = 0, 1, 2


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


def _expected_failure(exc: BaseException) -> int | None:
    """The exit code for an expected failure (the error or one it wraps), None for a bug."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ServiceUnavailableError):
            return EXIT_UNAVAILABLE
        if isinstance(exc, InputError):
            return EXIT_BAD_INPUT
        exc = exc.__cause__
    return None


def _command_words(args) -> str:
    """'alerts rules add' from the parsed subcommand names (each domain's `<x>_command` dest)."""
    return " ".join(value for key, value in vars(args).items()
                    if (key == "command" or key.endswith("_command")) and isinstance(value, str))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except Exception as exc:
        code = _expected_failure(exc)
        if code is None:
            raise
        print(f"compliance-pipeline {_command_words(args)}: error: {one_line(str(exc))}", file=sys.stderr)
        return code
    print(json.dumps(result, indent=2, default=_json_default))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
