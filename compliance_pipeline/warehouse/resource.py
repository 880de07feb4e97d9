"""The Dagster resource `warehouse`: a ConfigurableResource whose URL comes from an EnvVar."""

from __future__ import annotations

import os

import dagster as dg

from compliance_pipeline.warehouse.connection import Warehouse
from compliance_pipeline.warehouse.url import ENV_VAR, default_url


class WarehouseResource(dg.ConfigurableResource):
    """The compliance warehouse (DuckDB file or PostgreSQL), selected by COMPLIANCE_WAREHOUSE_URL."""

    url: str

    def get(self) -> Warehouse:
        return Warehouse(self.url)


def warehouse_resource() -> WarehouseResource:
    # EnvVar keeps the URL (and its password) out of the UI's config view. With the
    # variable unset we fall back to the embedded DuckDB default, as the CLI does.
    if os.environ.get(ENV_VAR):
        return WarehouseResource(url=dg.EnvVar(ENV_VAR))
    return WarehouseResource(url=default_url())
