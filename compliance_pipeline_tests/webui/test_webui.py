"""The web UI is part of the product: a real `dagster dev`, queried and driven over /graphql,
and rendered by headless Chromium."""

from __future__ import annotations

import pytest

from compliance_pipeline_tests.webui.browser import render

# One `dagster dev` for every web UI test (conftest): they stay in one xdist worker.
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


def test_graphql_lists_every_contract_name(dagster_dev):
    assets = dagster_dev.graphql("{ assetNodes { assetKey { path } } }")["data"]["assetNodes"]
    asset_names = {"/".join(node["assetKey"]["path"]) for node in assets}
    assert CONTRACT_ASSETS <= asset_names
    (repo,) = dagster_dev.graphql(REPOSITORY_QUERY)["data"]["repositoriesOrError"]["nodes"]
    assert CONTRACT_JOBS <= {j["name"] for j in repo["jobs"]}
    assert CONTRACT_SCHEDULES <= {s["name"] for s in repo["schedules"]}
    assert CONTRACT_SENSORS <= {s["name"] for s in repo["sensors"]}


def test_browser_renders_the_asset_catalog(dagster_dev, tmp_path, artifacts):
    screenshot = artifacts / "assets.png"
    dom = render(f"{dagster_dev.url}/assets", tmp_path / "profile", screenshot, window="1600,4000")
    missing = {name for name in CONTRACT_ASSETS if name not in dom}
    assert not missing, f"asset catalog page lacks {missing}"
    assert screenshot.exists() and screenshot.stat().st_size > 10_000
