"""The web UI is part of the product: a real `dagster dev`, queried and driven over /graphql,
and rendered by headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from compliance_pipeline.demo_data import load_all
from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline_tests import pg_server
from compliance_pipeline_tests.webui.dagster_dev import PROJECT_ROOT, DagsterDev

# One `dagster dev` per module: its tests stay in one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("webui")]

CONTRACT_ASSETS = {
    "traffic_six_month_aggregates", "access_stimulation_flags", "budget_audit_log",
    "budget_daily_summary", "budget_weekly_report", "over_cap_visit_plan", "alert_evaluation",
}
CONTRACT_JOBS = {"remediate_over_cap_visits"}
CONTRACT_SCHEDULES = {"daily_access_stimulation_schedule", "weekly_budget_report_schedule"}
CONTRACT_SENSORS = {"monitor_snapshot_sensor"}

REPOSITORY_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name } jobs { name } schedules { name } sensors { name }
} } } }"""
LAUNCH_MUTATION = """
mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename
  ... on LaunchRunSuccess { run { runId } }
  ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } }
} }"""
RUN_STATUS_QUERY = "query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


@pytest.fixture(scope="module")
def dagster_dev(pg_admin_url, tmp_path_factory):
    """dagster dev on a free port, on a PostgreSQL warehouse holding the demo data."""
    name, url = pg_server.create_database(pg_admin_url)
    home = tmp_path_factory.mktemp("dagster_home")
    load_all(Warehouse(url), seed=1, scale=1)
    server = DagsterDev(home, {"COMPLIANCE_WAREHOUSE_URL": url, "BUDGET_AUDIT_DIR": str(home / "budget")},
                        PROJECT_ROOT / "deploy" / "dagster.yaml").start()
    yield server
    server.stop()
    pg_server.drop_database(pg_admin_url, name)


def test_graphql_lists_every_contract_name(dagster_dev):
    assets = dagster_dev.graphql("{ assetNodes { assetKey { path } } }")["data"]["assetNodes"]
    asset_names = {"/".join(node["assetKey"]["path"]) for node in assets}
    assert CONTRACT_ASSETS <= asset_names
    (repo,) = dagster_dev.graphql(REPOSITORY_QUERY)["data"]["repositoriesOrError"]["nodes"]
    assert CONTRACT_JOBS <= {j["name"] for j in repo["jobs"]}
    assert CONTRACT_SCHEDULES <= {s["name"] for s in repo["schedules"]}
    assert CONTRACT_SENSORS <= {s["name"] for s in repo["sensors"]}


def test_launch_a_run_through_graphql_and_see_it_succeed(dagster_dev):
    (repo,) = dagster_dev.graphql(REPOSITORY_QUERY)["data"]["repositoriesOrError"]["nodes"]
    params = {
        "selector": {"repositoryLocationName": repo["location"]["name"],
                     "repositoryName": repo["name"], "jobName": "remediate_over_cap_visits"},
        "runConfigData": {},  # the launchpad defaults: a dry run over every opportunity
    }
    result = dagster_dev.graphql(LAUNCH_MUTATION, {"params": params})["data"]["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    run_id = result["run"]["runId"]
    status, deadline = None, time.monotonic() + 240
    while time.monotonic() < deadline:
        status = dagster_dev.graphql(RUN_STATUS_QUERY, {"id": run_id})["data"]["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    assert status == "SUCCESS", (dagster_dev.log_path.read_text()[-3000:])


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_browser_renders_the_asset_catalog(dagster_dev, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium; .ci/run does it in CI)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1600,4000",
             "--virtual-time-budget=20000"]
    page = f"{dagster_dev.url}/assets"
    dom = subprocess.run([browser, *flags, "--dump-dom", page], capture_output=True, text=True,
                         timeout=120).stdout
    missing = {name for name in CONTRACT_ASSETS if name not in dom}
    assert not missing, f"asset catalog page lacks {missing}"
    screenshot = tmp_path / "assets.png"
    subprocess.run([browser, *flags, f"--screenshot={screenshot}", page], capture_output=True,
                   timeout=120)
    assert screenshot.exists() and screenshot.stat().st_size > 10_000
