"""Warehouse errors carry one clear line naming the URL (password masked)."""

from compliance_pipeline.errors import InputError


class WarehouseError(InputError):
    """The warehouse URL is malformed or the server cannot be reached."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the DuckDB file's write lock."""
