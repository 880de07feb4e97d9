"""One `dagster dev` for every web UI test (starting one costs ~10-30 s), on a PostgreSQL
warehouse with the demo data and a few materializations already in its instance."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest

from benchmarks.support import pg_server
from compliance_pipeline.demo_data import load_all
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline_tests.webui.dagster_dev import PROJECT_ROOT, DagsterDev

# Screenshots and page dumps for a person to look at (git-ignored).
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "webui"
PRE_MATERIALIZED = ["over_cap_visit_plan", "budget_audit_log", "budget_daily_summary"]


def _materialize(home: Path, url: str, budget_dir: Path) -> None:
    from compliance_pipeline.budget_audit.resources import BudgetAuditResource
    from compliance_pipeline.definitions import defs
    from compliance_pipeline.warehouse.resource import WarehouseResource

    resources = {**defs.resources, "warehouse": WarehouseResource(url=url),
                 "budget_audit": BudgetAuditResource(audit_dir=str(budget_dir))}
    yesterday = (datetime.now(timezone.utc).date() - timedelta(days=1)).isoformat()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for selection, partition in ((PRE_MATERIALIZED[:1], None), (PRE_MATERIALIZED[1:], yesterday)):
            assert dg.materialize(list(defs.assets), selection=selection, partition_key=partition,
                                  instance=instance, resources=resources).success


def _load_demo(url: str, budget_dir: Path) -> None:
    before = os.environ.get("BUDGET_AUDIT_DIR")
    os.environ["BUDGET_AUDIT_DIR"] = str(budget_dir)  # the demo's parquet log goes there
    try:
        load_all(Warehouse(url), seed=1, scale=1)
    finally:
        if before is None:
            os.environ.pop("BUDGET_AUDIT_DIR")
        else:
            os.environ["BUDGET_AUDIT_DIR"] = before


@pytest.fixture(scope="session")
def dagster_dev(pg_admin_url, tmp_path_factory):
    """dagster dev on a free port, on a PostgreSQL warehouse holding the demo data."""
    name, url = pg_server.create_database(pg_admin_url)
    home = tmp_path_factory.mktemp("dagster_home")
    budget_dir = home / "budget"
    server = DagsterDev(home, {"COMPLIANCE_WAREHOUSE_URL": url, "BUDGET_AUDIT_DIR": str(budget_dir)},
                        PROJECT_ROOT / "deploy" / "dagster.yaml").launch()  # boots while the data loads
    try:
        _load_demo(url, budget_dir)
        _materialize(home, url, budget_dir)
        server.warehouse_url = url
        yield server.wait_ready()
    finally:
        server.stop()
    pg_server.drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
