"""Session settings read from the environment, validated: a bad value is one error naming the variable.

PostgreSQL: every connection starts with `lock_timeout` and `statement_timeout` set, so a pass
that waits on another one's lock, or a statement that runs away, fails with a clear error
instead of hanging a run. DuckDB: how long to wait for another process's write lock.
"""

from __future__ import annotations

import math
import os

from compliance_pipeline.warehouse.errors import WarehouseError

LOCK_TIMEOUT_ENV = "COMPLIANCE_PG_LOCK_TIMEOUT_MS"
STATEMENT_TIMEOUT_ENV = "COMPLIANCE_PG_STATEMENT_TIMEOUT_MS"
LOCK_WAIT_ENV = "COMPLIANCE_DUCKDB_LOCK_WAIT_S"

DEFAULT_LOCK_TIMEOUT_MS = 60_000  # a pass waits up to a minute for another pass's locks
DEFAULT_STATEMENT_TIMEOUT_MS = 900_000  # no single statement of ours should need 15 minutes
DEFAULT_LOCK_WAIT_S = 30.0
PG_MAX_MS = 2_147_483_647  # PostgreSQL's own upper bound for both settings
MAX_LOCK_WAIT_S = 86_400.0


def _shown(raw: str) -> str:
    return repr(raw) if len(raw) <= 40 else repr(raw[:40]) + f"...({len(raw)} chars)"


def _milliseconds(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    # isascii: '²' and other Unicode digits pass isdigit() but are no number a user meant.
    if not (text.isascii() and text.isdigit()) or int(text) > PG_MAX_MS:
        raise WarehouseError(f"{name} must be a whole number of milliseconds from 0 to {PG_MAX_MS} "
                             f"(0 = no limit), got {_shown(raw)}")
    return int(text)


def pg_timeouts_ms() -> tuple[int, int]:
    """(lock_timeout, statement_timeout) in milliseconds for every PostgreSQL connection."""
    return (_milliseconds(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT_MS),
            _milliseconds(STATEMENT_TIMEOUT_ENV, DEFAULT_STATEMENT_TIMEOUT_MS))


def duckdb_lock_wait_s() -> float:
    """Seconds to wait for another process's DuckDB write lock (0 = fail at once)."""
    raw = os.environ.get(LOCK_WAIT_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_LOCK_WAIT_S
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= MAX_LOCK_WAIT_S):
        raise WarehouseError(f"{LOCK_WAIT_ENV} must be a number of seconds from 0 to {MAX_LOCK_WAIT_S:g}, "
                             f"got {_shown(raw)}")
    return value
