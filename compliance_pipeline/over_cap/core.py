"""The over-cap rules, pure: which completed works are over their claim limit, what the plan
is (and its digest), what it does to accruals. No database, no Dagster, no clock.

Why completed works and not visits: a claim limit counts earned payment units, and a payment
unit may need several deliver units (visits), e.g. a registration plus a service form. Counting
visits would cap a worker halfway to the limit (the review of the original remediation script), so we rank CompletedWork rows
and flip each over-cap one together with all its visits.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from compliance_pipeline.errors import InputError

# Only these count toward the cap; over_limit, rejected and incomplete are never counted or touched.
COUNTED_STATUSES = ("pending", "approved")
COMPLETED_WORK_STATUSES = ("pending", "approved", "rejected", "over_limit", "incomplete")
ACCRUING_STATUS = "approved"  # only an approved completed work accrues payment


@dataclass(frozen=True)
class OverCapWork:
    """One completed work beyond its claim limit, with the visits that would flip with it."""

    completed_work_id: int
    access_id: int
    payment_unit_id: int
    status: str
    position: int  # 1-based rank among counted works of (access, unit), by date_created, id
    max_visits: int
    worker_accrual: int  # what this work accrues now under the rule (0 unless approved)
    org_accrual: int
    suspended: bool
    visits: tuple[tuple[int, str], ...] = ()  # (visit id, current status), not already over_limit


@dataclass(frozen=True)
class AccessAccrual:
    """An access's stored accruals and what the accrual rule gives on its current statuses."""

    access_id: int
    user_id: str | None
    suspended: bool
    worker_stored: int  # opportunity_access.payment_accrued
    org_stored: int  # SUM(completed_work.saved_org_payment_accrued)
    worker_recomputed: int
    org_recomputed: int


@dataclass(frozen=True)
class AccessSummary:
    access_id: int
    user_id: str | None
    suspended: bool
    skipped: bool
    completed_works: int
    visits: int
    worker_accrual_before: int
    worker_accrual_after: int
    org_accrual_before: int
    org_accrual_after: int

    @property
    def worker_accrual_drop(self) -> int:
        return self.worker_accrual_before - self.worker_accrual_after

    @property
    def org_accrual_drop(self) -> int:
        return self.org_accrual_before - self.org_accrual_after

    def as_row(self) -> dict:
        return {
            "access_id": self.access_id, "user_id": self.user_id, "suspended": self.suspended,
            "skipped": self.skipped, "completed_works": self.completed_works, "visits": self.visits,
            "worker_before": self.worker_accrual_before, "worker_after": self.worker_accrual_after,
            "worker_drop": self.worker_accrual_drop, "org_before": self.org_accrual_before,
            "org_after": self.org_accrual_after, "org_drop": self.org_accrual_drop,
        }


@dataclass(frozen=True)
class Plan:
    plan_id: str
    opportunity_id: str | None
    include_suspended: bool
    works: tuple[OverCapWork, ...]  # to flip
    accesses: tuple[AccessSummary, ...]  # flipped and skipped ones
    created_at: datetime | None = field(default=None, compare=False)

    @property
    def visit_count(self) -> int:
        return sum(len(w.visits) for w in self.works)

    @property
    def applied_accesses(self) -> list[AccessSummary]:
        return [a for a in self.accesses if not a.skipped]

    @property
    def skipped_accesses(self) -> list[AccessSummary]:
        return [a for a in self.accesses if a.skipped]

    @property
    def is_empty(self) -> bool:
        return not self.works

    def totals(self) -> dict:
        applied = self.applied_accesses
        return {
            "plan_id": self.plan_id,
            "opportunity_id": self.opportunity_id,
            "include_suspended": self.include_suspended,
            "accesses": len(applied),
            "completed_works": len(self.works),
            "visits": self.visit_count,
            "skipped_suspended_accesses": len(self.skipped_accesses),
            "worker_accrual_before": sum(a.worker_accrual_before for a in applied),
            "worker_accrual_after": sum(a.worker_accrual_after for a in applied),
            "worker_accrual_drop": sum(a.worker_accrual_drop for a in applied),
            "org_accrual_before": sum(a.org_accrual_before for a in applied),
            "org_accrual_after": sum(a.org_accrual_after for a in applied),
            "org_accrual_drop": sum(a.org_accrual_drop for a in applied),
            "nothing_to_do": self.is_empty,
        }


def work_accrual(status: str, approved_count: int, amount: int) -> int:
    """CommCare Connect's rule: a completed work accrues count x amount only while approved."""
    return approved_count * amount if status == ACCRUING_STATUS else 0


def plan_digest(opportunity_id: str | None, include_suspended: bool,
                works: Iterable[OverCapWork]) -> str:
    """Content digest: the same scope and the same rows in the same states give the same id."""
    digest = hashlib.sha256(json.dumps([opportunity_id, include_suspended]).encode())
    # One update with every line (same digest as line by line, ~3x faster at 300,000 items).
    digest.update("".join(f"{table}:{row_id}:{work_id}:{status}\n"
                          for table, row_id, work_id, status in sorted(plan_items(works))).encode())
    return digest.hexdigest()[:32]


def plan_items(works: Iterable[OverCapWork]) -> list[tuple[str, int, int, str]]:
    """(table, row id, completed work id, current status) for every row a plan flips."""
    items = []
    for w in works:
        items.append(("completed_work", w.completed_work_id, w.completed_work_id, w.status))
        items.extend(("user_visit", vid, w.completed_work_id, vstatus) for vid, vstatus in w.visits)
    return items


def build_plan(opportunity_id: str | None, include_suspended: bool, over_cap: Iterable[OverCapWork],
               accruals: Iterable[AccessAccrual], created_at: datetime | None = None) -> Plan:
    """Split over-cap works into flipped and skipped (suspended), project each access's accruals."""
    by_access: dict[int, list[OverCapWork]] = {}
    for work in over_cap:
        by_access.setdefault(work.access_id, []).append(work)
    accrual_by_access = {a.access_id: a for a in accruals}
    summaries, flipped = [], []
    for access_id in sorted(by_access):
        works = by_access[access_id]
        acc = accrual_by_access.get(access_id)
        if acc is None:
            raise ValueError(f"no accrual row for opportunity_access {access_id}")
        skipped = acc.suspended and not include_suspended
        if not skipped:
            flipped.extend(works)
        worker_after = acc.worker_recomputed - (0 if skipped else sum(w.worker_accrual for w in works))
        org_after = acc.org_recomputed - (0 if skipped else sum(w.org_accrual for w in works))
        summaries.append(AccessSummary(
            access_id=access_id, user_id=acc.user_id, suspended=acc.suspended, skipped=skipped,
            completed_works=len(works), visits=sum(len(w.visits) for w in works),
            worker_accrual_before=acc.worker_stored,
            worker_accrual_after=acc.worker_stored if skipped else worker_after,
            org_accrual_before=acc.org_stored,
            org_accrual_after=acc.org_stored if skipped else org_after,
        ))
    flipped.sort(key=lambda w: w.completed_work_id)
    return Plan(
        plan_id=plan_digest(opportunity_id, include_suspended, flipped),
        opportunity_id=opportunity_id, include_suspended=include_suspended,
        works=tuple(flipped), accesses=tuple(summaries), created_at=created_at,
    )


def diff_items(reviewed: Iterable[tuple[str, int, int, str]],
               current: Iterable[tuple[str, int, int, str]], limit: int = 50) -> list[str]:
    """Human-readable differences between a reviewed plan's rows and the re-derived ones."""
    old = {(t, rid): status for t, rid, _cw, status in reviewed}
    new = {(t, rid): status for t, rid, _cw, status in current}
    lines = []
    for key in sorted(old.keys() | new.keys()):
        table, row_id = key
        if key not in new:
            lines.append(f"{table} {row_id}: in the reviewed plan, no longer over cap")
        elif key not in old:
            lines.append(f"{table} {row_id}: now over cap ({new[key]}), not in the reviewed plan")
        elif old[key] != new[key]:
            lines.append(f"{table} {row_id}: status was {old[key]}, now {new[key]}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more"]
    return lines


def validate_opportunity_id(value: str | None, field_name: str = "opportunity_id") -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError as exc:
        raise InputError(f"{field_name} must be an opportunity UUID, got {value!r}") from exc


def validate_batch_size(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"batch_size must be a positive integer, got {value!r}")
    return value


def batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
