"""The Dagster resource `warehouse`: a ConfigurableResource whose URL comes from an EnvVar."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import dagster as dg
from pydantic import PrivateAttr

from compliance_pipeline.warehouse.connection import Warehouse
from compliance_pipeline.warehouse.url import ENV_VAR, default_url

# A job opts in to one warehouse session per run (or per step, under the multiprocess executor)
# with this run tag. Only jobs whose steps are short and wait on nothing but the warehouse
# should: on DuckDB the session keeps the file open, so locked for every other process, from
# the first connection to the end of the run. Steps that wait on the network (ToDo and webhook
# delivery) and everything outside a run (sensors, schedules) keep per-call connections.
SESSION_TAG = "compliance/warehouse_session"
SESSION_TAGS = {SESSION_TAG: "run"}


class WarehouseResource(dg.ConfigurableResource):
    """The compliance warehouse (DuckDB file or PostgreSQL), selected by COMPLIANCE_WAREHOUSE_URL.

    In a run tagged SESSION_TAGS the resource's Warehouse is in a session (Warehouse.session)
    for as long as Dagster keeps the resource: the whole run under the in-process executor
    (as daily_access_stimulation_job runs), one step under the multiprocess one. DuckDB is then
    opened once, on first use, and closed (released for other processes) when that ends.
    Everywhere else every connection opens and closes the file itself. Having a lifecycle
    makes it a context-manager resource for Dagster: a test that builds a sensor or op context
    with it enters that context (`with dg.build_sensor_context(...) as context:`), as Dagster's
    own evaluation does."""

    url: str
    _warehouse: Warehouse | None = PrivateAttr(default=None)

    def get(self) -> Warehouse:
        return self._warehouse if self._warehouse is not None else Warehouse(self.url)

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        from compliance_pipeline.warehouse.retries import RunWarehouse

        run = context.run
        if run is None:  # sensors, schedules: per-call connections, no step to retry
            yield self
            return
        # In a run, a transient failure retries the step (warehouse/retries.py).
        warehouse = RunWarehouse(self.url)
        if run.tags.get(SESSION_TAG) != SESSION_TAGS[SESSION_TAG]:
            self._warehouse = warehouse
            try:
                yield self
            finally:
                self._warehouse = None
            return
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
