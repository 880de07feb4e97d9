"""Declarative rule files (in the spirit of Prometheus rule files): YAML, validated as a whole.

    rules:
      - unit_id: NL-001
        name: night limit
        metric: leq
        comparison: above
        threshold_db: 55
        duration_s: 300
        clear_margin_db: 3
        schedule_start: "22:00"
        schedule_end: "07:00"
        timezone: America/New_York
"""

from __future__ import annotations

from pathlib import Path

from compliance_pipeline.alerts.rules import Rule, validate_rule
from compliance_pipeline.errors import InputError


def parse_rule_file(text: str, source: str = "rule file") -> list[Rule]:
    import yaml

    try:
        document = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:  # e.g. a date out of range
        raise InputError(f"{source}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise InputError(f"{source}: rules: expected a top-level 'rules:' list")
    rules, seen = [], set()
    for position, entry in enumerate(document["rules"]):
        where = f"{source}: rules[{position}]"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected a mapping of rule fields")
        for field in ("schedule_start", "schedule_end"):
            if isinstance(entry.get(field), int) and not isinstance(entry.get(field), bool):
                # YAML 1.1 reads an unquoted 22:00 as the number 1320 (base 60).
                raise InputError(f'{where}: {field}: quote HH:MM times in YAML ("22:00")')
        try:
            rule = validate_rule(entry)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        if (rule.unit_id, rule.name) in seen:
            raise InputError(f"{where}: name: duplicate rule {rule.name!r} for unit {rule.unit_id!r}")
        seen.add((rule.unit_id, rule.name))
        rules.append(rule)
    return rules


def load_rule_file(path: Path) -> list[Rule]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"file: cannot read {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"file: {path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None
    return parse_rule_file(text, str(path))
