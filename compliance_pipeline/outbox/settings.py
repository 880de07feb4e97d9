"""Delivery limits, settable by environment: a slow or dead receiver costs seconds, not hours."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from compliance_pipeline.errors import InputError

DEADLINE_ENV = "COMPLIANCE_HTTP_DEADLINE_S"  # one HTTP call, connect to last byte
BREAKER_ENV = "COMPLIANCE_HTTP_BREAKER_FAILURES"  # consecutive network failures that end a pass
LEASE_ENV = "COMPLIANCE_OUTBOX_LEASE_S"  # how long a claim holds when its pass dies

DEFAULT_DEADLINE_S = 10.0
DEFAULT_BREAKER_FAILURES = 3
DEFAULT_LEASE_S = 300.0
MAX_DEADLINE_S = 3600.0
MAX_BREAKER_FAILURES = 1_000_000
MAX_LEASE_S = 7 * 86400.0


@dataclass(frozen=True)
class DeliverySettings:
    deadline_s: float = DEFAULT_DEADLINE_S
    breaker_failures: int = DEFAULT_BREAKER_FAILURES
    lease_s: float = DEFAULT_LEASE_S

    def __post_init__(self):
        # Upper bounds too: 1e300 s is finite but overflows the timedelta of a lease.
        if not (math.isfinite(self.deadline_s) and 0 < self.deadline_s <= MAX_DEADLINE_S):
            raise InputError(f"{DEADLINE_ENV} must be a positive number of seconds up to {MAX_DEADLINE_S:g},"
                             f" got {self.deadline_s!r}")
        if not 1 <= self.breaker_failures <= MAX_BREAKER_FAILURES:
            raise InputError(f"{BREAKER_ENV} must be a whole number from 1 to {MAX_BREAKER_FAILURES},"
                             f" got {self.breaker_failures!r}")
        if not (math.isfinite(self.lease_s) and 2 * self.deadline_s <= self.lease_s <= MAX_LEASE_S):
            raise InputError(f"{LEASE_ENV} must be at least twice {DEADLINE_ENV} ({2 * self.deadline_s:g} s)"
                             f" and at most {MAX_LEASE_S:g} s, got {self.lease_s!r}")

    @classmethod
    def from_env(cls) -> DeliverySettings:
        return cls(deadline_s=_number(DEADLINE_ENV, DEFAULT_DEADLINE_S, float),
                   breaker_failures=_number(BREAKER_ENV, DEFAULT_BREAKER_FAILURES, int),
                   lease_s=_number(LEASE_ENV, DEFAULT_LEASE_S, float))


def _number(name: str, default, kind):
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError as exc:
        raise InputError(f"{name} must be a {'whole ' if kind is int else ''}number, got {text!r}") from exc
