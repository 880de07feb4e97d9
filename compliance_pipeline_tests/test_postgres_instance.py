"""deploy/dagster-postgres.yaml is real: a project job runs on an instance whose run,
event-log and schedule storage live in the test PostgreSQL."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import dagster as dg
import pytest
import yaml

from benchmarks.support import pg_server
from compliance_pipeline.definitions import defs
from compliance_pipeline.warehouse.resource import WarehouseResource
from compliance_pipeline_tests.webui.dagster_dev import PROJECT_ROOT


def test_deploy_config_names_psycopg2_and_disables_telemetry():
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster-postgres.yaml").read_text())
    assert config["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert config["telemetry"]["enabled"] is False
    local = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.yaml").read_text())
    assert local["telemetry"]["enabled"] is False


@pytest.fixture
def instance_db_url(pg_admin_url):
    """A database of its own for Dagster's storage, apart from the warehouse's."""
    name, url = pg_server.create_database(pg_admin_url)
    yield url
    pg_server.drop_database(pg_admin_url, name)


def test_a_job_runs_on_dagster_postgres_storage(instance_db_url, warehouse, tmp_path, monkeypatch):
    parts = urlsplit(instance_db_url)
    monkeypatch.setenv("DAGSTER_PG_HOST", parts.hostname)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(parts.port))
    monkeypatch.setenv("DAGSTER_PG_USER", parts.username)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", parts.password or "")
    monkeypatch.setenv("DAGSTER_PG_DB", parts.path.lstrip("/"))
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster-postgres.yaml", tmp_path / "dagster.yaml")

    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        job = defs.get_job_def("remediate_over_cap_visits")
        result = job.execute_in_process(
            instance=instance,
            resources={"warehouse": WarehouseResource(url=warehouse.url.raw)},
        )
        assert result.success
        stored = instance.get_run_by_id(result.run_id)
        assert stored.status == dg.DagsterRunStatus.SUCCESS
        assert instance.all_logs(result.run_id)  # event log rows are in PostgreSQL too
