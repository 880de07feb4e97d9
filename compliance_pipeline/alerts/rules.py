"""Alert rules: the validated value object, and its fingerprint. Pure (no database, no clock)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance_pipeline.errors import InputError

METRICS = ("lp", "leq", "lmax", "lmin", "lpeak", "ln1", "ln2")
COMPARISONS = ("above", "below")
FIELDS = ("unit_id", "name", "metric", "comparison", "threshold_db", "duration_s", "clear_margin_db",
          "schedule_start", "schedule_end", "schedule_days", "timezone", "enabled")
# The fields the state machine depends on: changing any of them resets the rule's state.
EVALUATED_FIELDS = ("unit_id", "metric", "comparison", "threshold_db", "duration_s", "clear_margin_db",
                    "schedule_start", "schedule_end", "schedule_days", "timezone")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Rule:
    id: int | None
    unit_id: str
    name: str
    metric: str
    comparison: str
    threshold_db: float
    duration_s: float = 0.0
    clear_margin_db: float = 0.0
    schedule_start: str | None = None
    schedule_end: str | None = None
    schedule_days: str | None = None
    timezone: str = "UTC"
    enabled: bool = True

    @property
    def fingerprint(self) -> str:
        evaluated = {f: getattr(self, f) for f in EVALUATED_FIELDS}
        return hashlib.sha256(json.dumps(evaluated, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def days(self) -> frozenset[int] | None:
        if self.schedule_days is None:
            return None
        return frozenset(int(d) for d in self.schedule_days.split(","))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _number(fields: dict, name: str, *, minimum: float | None = None) -> float:
    raw = fields.get(name)
    if isinstance(raw, bool) or raw is None:
        raise InputError(f"{name} must be a number, got {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {raw!r}")
    if minimum is not None and value < minimum:
        raise InputError(f"{name} must be >= {minimum:g}, got {raw!r}")
    return value


def _text(fields: dict, name: str) -> str:
    raw = fields.get(name)
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(f"{name} must be a non-empty string, got {raw!r}")
    return raw.strip()


def _choice(fields: dict, name: str, allowed: tuple[str, ...]) -> str:
    raw = fields.get(name)
    if raw not in allowed:
        raise InputError(f"{name} must be one of {', '.join(allowed)}; got {raw!r}")
    return raw


def _schedule_end(fields: dict, name: str) -> str | None:
    raw = fields.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not _HHMM.match(raw):
        raise InputError(f"{name} must be HH:MM (00:00-23:59), got {raw!r}")
    return raw


def _days(fields: dict) -> str | None:
    raw = fields.get("schedule_days")
    if raw is None or raw == "":
        return None
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    days = []
    for item in items:
        text = str(item).strip()
        if not text.isdigit() or not 0 <= int(text) <= 6:
            raise InputError(f"schedule_days must be comma-separated days 0-6 (Monday = 0), got {raw!r}")
        days.append(int(text))
    return ",".join(str(d) for d in sorted(set(days)))


def _timezone(fields: dict) -> str:
    raw = fields.get("timezone", "UTC")
    if raw is None:
        raw = "UTC"
    try:
        ZoneInfo(str(raw))
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"timezone must be an IANA zone name such as Europe/Berlin, got {raw!r}") from None
    return str(raw)


def validate_rule(fields: dict[str, Any], *, rule_id: int | None = None) -> Rule:
    """A Rule from loosely typed fields (CLI, YAML, rows); InputError names the first bad field."""
    unknown = sorted(set(fields) - set(FIELDS) - {"id"})
    if unknown:
        raise InputError(f"unknown rule field(s): {', '.join(unknown)}")
    start, end = _schedule_end(fields, "schedule_start"), _schedule_end(fields, "schedule_end")
    if (start is None) != (end is None):
        missing = "schedule_end" if end is None else "schedule_start"
        raise InputError(f"{missing} must be given together with the other schedule end (or neither)")
    enabled = fields.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InputError(f"enabled must be true or false, got {enabled!r}")
    return Rule(
        id=rule_id,
        unit_id=_text(fields, "unit_id"),
        name=_text(fields, "name"),
        metric=_choice(fields, "metric", METRICS),
        comparison=_choice(fields, "comparison", COMPARISONS),
        threshold_db=_number(fields, "threshold_db"),
        duration_s=_number({**{"duration_s": 0.0}, **fields}, "duration_s", minimum=0.0),
        clear_margin_db=_number({**{"clear_margin_db": 0.0}, **fields}, "clear_margin_db", minimum=0.0),
        schedule_start=start,
        schedule_end=end,
        schedule_days=_days(fields),
        timezone=_timezone(fields),
        enabled=enabled,
    )


def with_changes(rule: Rule, changes: dict[str, Any]) -> Rule:
    """The rule with some fields changed, validated as a whole."""
    merged = {f: getattr(rule, f) for f in FIELDS}
    merged.update(changes)
    return validate_rule(merged, rule_id=rule.id)
