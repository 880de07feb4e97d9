"""The Dagster resource `warehouse`: a ConfigurableResource whose URL comes from an EnvVar."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import dagster as dg
from pydantic import PrivateAttr

from compliance_pipeline.warehouse.connection import Warehouse
from compliance_pipeline.warehouse.url import ENV_VAR, default_url


class WarehouseResource(dg.ConfigurableResource):
    """The compliance warehouse (DuckDB file or PostgreSQL), selected by COMPLIANCE_WAREHOUSE_URL.

    Within a run, the resource lives as long as Dagster keeps it: one step in its own process
    (the multiprocess executor), or the whole run (the in-process executor, as the daily job
    uses). For that span its Warehouse is in a session (Warehouse.session): DuckDB is opened
    once, on first use, and closed (released for other processes) when the step or run ends.
    Outside a run (sensors and schedules in the long-lived code server) there is no session:
    every connection opens and closes the file itself."""

    url: str
    _warehouse: Warehouse | None = PrivateAttr(default=None)

    def get(self) -> Warehouse:
        return self._warehouse if self._warehouse is not None else Warehouse(self.url)

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        if context.run is None:
            yield self
            return
        warehouse = Warehouse(self.url)
        with warehouse.session():
            self._warehouse = warehouse
            try:
                yield self
            finally:
                self._warehouse = None


def warehouse_resource() -> WarehouseResource:
    # EnvVar keeps the URL (and its password) out of the UI's config view. With the
    # variable unset we fall back to the embedded DuckDB default, as the CLI does.
    if os.environ.get(ENV_VAR):
        return WarehouseResource(url=dg.EnvVar(ENV_VAR))
    return WarehouseResource(url=default_url())
