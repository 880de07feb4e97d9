"""Transient warehouse failures retry the Dagster step; bad input never does.

Dagster's RetryPolicy on an op retries every exception, bad input included. So the policy's
numbers live here and are applied only where the failure is known to be transient: a run's
Warehouse (WarehouseResource in a run) turns a WarehouseUnavailableError — connection lost or
server restarting, lock or statement timeout, deadlock or serialization failure, a DuckDB file
held by another process — into dg.RetryRequested with these numbers. Everything else (bad
rows, bad config, a missing schema, a bug) fails the step at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg

from compliance_pipeline.warehouse.connection import Connection, Warehouse
from compliance_pipeline.warehouse.errors import WarehouseUnavailableError

TRANSIENT_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)


def is_transient(exc: BaseException) -> bool:
    """True when the failure, or one it was raised from, is the warehouse being unavailable."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, WarehouseUnavailableError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@contextlib.contextmanager
def retry_transient(attempt: int = 1) -> Iterator[None]:
    try:
        yield
    except dg.RetryRequested:
        raise
    except Exception as exc:
        if is_transient(exc):
            raise dg.RetryRequested(max_retries=TRANSIENT_RETRY.max_retries,
                                    seconds_to_wait=TRANSIENT_RETRY.calculate_delay(attempt)) from exc
        raise


class RunWarehouse(Warehouse):
    """The Warehouse a run's steps get: a transient failure asks Dagster to retry the step."""

    @contextlib.contextmanager
    def connect(self, *, create: bool = False) -> Iterator[Connection]:
        with retry_transient(), super().connect(create=create) as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self, *, create: bool = False) -> Iterator[Connection]:
        with retry_transient(), super().transaction(create=create) as conn:
            yield conn
