"""Driver errors a user can act on, as one line saying what happened and what to do.

Unavailable (exit 1, retry later): the server is down or the connection was lost, a lock or
statement timeout, a deadlock. Not initialised (exit 2): a table is missing, so the schema
was never created or is older than this code. Everything else stays the driver's own error
(a bug to see in full).
"""

from __future__ import annotations

from functools import lru_cache

from compliance_pipeline.redact import mask_secrets
from compliance_pipeline.warehouse import settings
from compliance_pipeline.warehouse.errors import (
    WarehouseError,
    WarehouseNotInitialisedError,
    WarehouseUnavailableError,
)

INIT_HINT = "run `compliance-pipeline init`"
ROLLED_BACK = "the transaction was rolled back"
# Connection failures that are the user's configuration, not an outage (exit 2).
_BAD_CONFIG = ("authentication failed", "does not exist", "invalid", "no password supplied",
               "permission denied", "pg_hba.conf", "unsupported", "not permitted")


@lru_cache(maxsize=2)
def driver_errors(backend: str) -> tuple[type[BaseException], ...]:
    """The driver exception classes translate() may turn into a warehouse error."""
    if backend == "postgresql":
        import psycopg2
        import psycopg2.errors

        return (psycopg2.OperationalError, psycopg2.InterfaceError, psycopg2.errors.UndefinedTable)
    import duckdb

    return (duckdb.CatalogException,)


def _reason(exc: BaseException, *, whole: bool = False) -> str:
    """The driver's message on one line: its first line (DuckDB adds the query and hints after
    it), or all of it (libpq's lines are one explanation); secrets masked, at most 300 chars."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = (" ".join(lines) if whole else lines[0]) if lines else type(exc).__name__
    return mask_secrets(text if len(text) <= 300 else text[:300] + "...")


def translate(exc: BaseException, backend: str, label: str, *, connecting: bool = False) -> Exception | None:
    """The warehouse error for a driver error, or None to let it through unchanged."""
    reason = _reason(exc, whole=backend == "postgresql")
    if backend != "postgresql":
        if "does not exist" in reason and reason.startswith("Catalog Error: Table"):
            return WarehouseNotInitialisedError(
                f"warehouse {label} is not initialised or older than this version ({reason}): {INIT_HINT}")
        return None
    return _translate_postgres(exc, label, reason, connecting)


def _translate_postgres(exc: BaseException, label: str, reason: str, connecting: bool) -> Exception | None:
    import psycopg2

    if connecting:
        if isinstance(exc, psycopg2.OperationalError) and not any(m in reason for m in _BAD_CONFIG):
            return WarehouseUnavailableError(
                f"cannot connect to warehouse {label}: {reason}; retry when the server is reachable")
        return WarehouseError(f"cannot connect to warehouse {label}: {reason}")
    code = getattr(exc, "pgcode", None)
    if code == "42P01":  # undefined_table
        return WarehouseNotInitialisedError(
            f"warehouse {label} is not initialised or older than this version ({reason}): {INIT_HINT}")
    if code == "55P03":  # lock_not_available: lock_timeout
        return WarehouseUnavailableError(
            f"lock timeout on warehouse {label}: another run holds a lock this one needs ({reason}); "
            f"{ROLLED_BACK}; retry when it has finished, or raise {settings.LOCK_TIMEOUT_ENV}")
    if code == "57014":  # query_canceled: statement_timeout (or a cancel request)
        return WarehouseUnavailableError(
            f"statement cancelled on warehouse {label} ({reason}); {ROLLED_BACK}; "
            f"retry, or raise {settings.STATEMENT_TIMEOUT_ENV}")
    if code in ("40P01", "40001"):  # deadlock_detected, serialization_failure
        return WarehouseUnavailableError(
            f"concurrent update on warehouse {label} ({reason}); {ROLLED_BACK}; retry")
    if isinstance(exc, psycopg2.InterfaceError) or (
            isinstance(exc, psycopg2.OperationalError) and (code is None or code.startswith(("08", "53", "57", "58")))):
        return WarehouseUnavailableError(
            f"lost the connection to warehouse {label} ({reason}); {ROLLED_BACK}; "
            "retry when the server is back")
    return None
