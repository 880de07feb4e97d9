"""Warehouse errors carry one clear line naming the URL (password masked) and what to do."""

from compliance_pipeline.errors import InputError, ServiceUnavailableError


class WarehouseError(InputError):
    """The warehouse URL or a warehouse setting is malformed (bad input: exit 2)."""


class WarehouseNotInitialisedError(WarehouseError):
    """The warehouse has no schema (or an older one): run `compliance-pipeline init`."""


class WarehouseUnavailableError(ServiceUnavailableError):
    """The server is down, the connection was lost, or a lock/statement timed out (exit 1)."""


class WarehouseLockedError(WarehouseUnavailableError):
    """Another process holds the DuckDB file's write lock."""
