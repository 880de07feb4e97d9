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
from compliance_pipeline.redact import safe_name

METRICS = ("lp", "leq", "lmax", "lmin", "lpeak", "ln1", "ln2")
COMPARISONS = ("above", "below")
FIELDS = ("unit_id", "name", "metric", "comparison", "threshold_db", "duration_s", "clear_margin_db",
          "schedule_start", "schedule_end", "schedule_days", "timezone", "enabled")
# The fields the state machine depends on: changing any of them resets the rule's state.
EVALUATED_FIELDS = ("unit_id", "metric", "comparison", "threshold_db", "duration_s", "clear_margin_db",
                    "schedule_start", "schedule_end", "schedule_days", "timezone")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
# An IANA zone name: ASCII path components (Area/Location, Etc/GMT+5); checked before zoneinfo
# sees it, which would otherwise read any file under the tz directory ('Europe' is a folder).
_ZONE = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")
MAX_ZONE_CHARS = 64
MAX_DAYS_CHARS = 100


def _shown(raw: Any) -> str:
    """A value for an error message: repr (so control characters are escaped), shortened."""
    text = repr(raw)
    return text if len(text) <= 60 else f"{text[:60]}...({len(text)} chars)"


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
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise InputError(f"{name} must be a number, got {_shown(raw)}")
    try:
        value = float(raw)
    except (ValueError, OverflowError):  # OverflowError: an int beyond a float (10**400)
        raise InputError(f"{name} must be a finite number, got {_shown(raw)}") from None
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {_shown(raw)}")
    if minimum is not None and value < minimum:
        raise InputError(f"{name} must be >= {minimum:g}, got {_shown(raw)}")
    return value


def _text(fields: dict, name: str) -> str:
    raw = fields.get(name)
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(f"{name} must be a non-empty string, got {_shown(raw)}")
    return raw.strip()


def _choice(fields: dict, name: str, allowed: tuple[str, ...]) -> str:
    raw = fields.get(name)
    if not isinstance(raw, str) or raw not in allowed:
        raise InputError(f"{name} must be one of {', '.join(allowed)}; got {_shown(raw)}")
    return raw


def _schedule_end(fields: dict, name: str) -> str | None:
    raw = fields.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not _HHMM.fullmatch(raw):
        raise InputError(f"{name} must be HH:MM (00:00-23:59), got {_shown(raw)}")
    return raw


def _days(fields: dict) -> str | None:
    raw = fields.get("schedule_days")
    if raw is None or raw == "":
        return None
    error = InputError(f"schedule_days must be comma-separated days 0-6 (Monday = 0), got {_shown(raw)}")
    if isinstance(raw, (list, tuple)):
        if len(raw) > 7 * 2 or not all(isinstance(i, (int, str)) and not isinstance(i, bool) for i in raw):
            raise error
        items = [str(i) for i in raw]
    elif isinstance(raw, (int, str)) and not isinstance(raw, bool) and len(str(raw)) <= MAX_DAYS_CHARS:
        items = str(raw).split(",")
    else:
        raise error
    # One ASCII digit each: '²' and other Unicode digits pass isdigit() but not int().
    texts = [item.strip() for item in items]
    if not texts or not all(len(t) == 1 and "0" <= t <= "6" for t in texts):
        raise error
    return ",".join(sorted(set(texts)))


def _timezone(fields: dict) -> str:
    raw = fields.get("timezone", "UTC")
    if raw is None:
        raw = "UTC"
    error = InputError(f"timezone must be an IANA zone name such as Europe/Berlin, got {_shown(raw)}")
    if not isinstance(raw, str) or len(raw) > MAX_ZONE_CHARS or not _ZONE.fullmatch(raw):
        raise error
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError, UnicodeError):  # OSError: 'Europe' is a folder
        raise error from None
    return raw


def validate_rule(fields: dict[str, Any], *, rule_id: int | None = None) -> Rule:
    """A Rule from loosely typed fields (CLI, YAML, rows); InputError names the first bad field."""
    if not isinstance(fields, dict):
        raise InputError(f"a rule must be a mapping of fields, got {_shown(fields)}")
    unknown = sorted(str(f) for f in set(fields) - set(FIELDS) - {"id"})
    if unknown:
        raise InputError(f"unknown rule field(s): {', '.join(safe_name(f, 60) for f in unknown[:5])}")
    start, end = _schedule_end(fields, "schedule_start"), _schedule_end(fields, "schedule_end")
    if (start is None) != (end is None):
        missing = "schedule_end" if end is None else "schedule_start"
        raise InputError(f"{missing} must be given together with the other schedule end (or neither)")
    enabled = fields.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InputError(f"enabled must be true or false, got {_shown(enabled)}")
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


def split_valid(rows: list[dict]) -> tuple[list[Rule], list[dict]]:
    """Stored rule rows (each with its "id") as Rules, and those that fail validation as
    {"rule_id", "error"}: a row written behind the CLI's back is reported, never evaluated."""
    rules, invalid = [], []
    for row in rows:
        fields = {k: v for k, v in row.items() if k != "id"}
        rule_id = int(row["id"])
        try:
            rules.append(validate_rule(fields, rule_id=rule_id))
        except InputError as exc:
            invalid.append({"rule_id": rule_id, "error": str(exc)})
    return rules, invalid
