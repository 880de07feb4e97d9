"""The UI as the users' workplace: a typed remediation launchpad (GraphQL and rendered), a launch
that applies, and an asset page showing its column schema and a metadata table."""

from __future__ import annotations

import time

import pytest

from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline_tests.webui.browser import render

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("webui")]  # shares the one dagster dev

JOB = "remediate_over_cap_visits"
DEFAULTS = {"dry_run": "true", "opportunity_id": "null", "batch_size": "500", "plan_id": "null",
            "include_suspended": "false"}
SCHEMA_QUERY = """query($sel: PipelineSelector!) { runConfigSchemaOrError(selector: $sel) {
  ... on RunConfigSchema { rootConfigType { ... on CompositeConfigType {
    fields { name isRequired defaultValueAsJson description } } } } } }"""
VALID_QUERY = """query($sel: PipelineSelector!, $cfg: RunConfigData) {
  isPipelineConfigValid(pipeline: $sel, mode: "default", runConfigData: $cfg) {
    __typename ... on RunConfigValidationInvalid { errors { message reason } } } }"""
LAUNCH_MUTATION = """mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
RUN_STATUS_QUERY = "query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


def _selector(dagster_dev) -> dict:
    data = dagster_dev.graphql("{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }")
    (repo,) = data["data"]["repositoriesOrError"]["nodes"]
    return {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"], "pipelineName": JOB}


def _launch_and_wait(dagster_dev, run_config: dict) -> tuple[str, str, float]:
    sel = _selector(dagster_dev)
    params = {"selector": {"repositoryLocationName": sel["repositoryLocationName"],
                           "repositoryName": sel["repositoryName"], "jobName": JOB},
              "runConfigData": run_config}
    started = time.monotonic()
    result = dagster_dev.graphql(LAUNCH_MUTATION, {"params": params})["data"]["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    run_id, status = result["run"]["runId"], None
    while time.monotonic() - started < 240:
        status = dagster_dev.graphql(RUN_STATUS_QUERY, {"id": run_id})["data"]["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(0.25)
    return run_id, status, time.monotonic() - started


def test_the_root_config_type_has_the_five_fields_with_defaults(dagster_dev):
    schema = dagster_dev.graphql(SCHEMA_QUERY, {"sel": _selector(dagster_dev)})
    fields = {f["name"]: f for f in schema["data"]["runConfigSchemaOrError"]["rootConfigType"]["fields"]}
    assert set(fields) == set(DEFAULTS)
    for name, default in DEFAULTS.items():
        assert fields[name]["defaultValueAsJson"] == default and not fields[name]["isRequired"]
        assert fields[name]["description"]


def test_bad_config_is_invalid_naming_the_field(dagster_dev):
    # Two GraphQL questions to the session's dagster dev; each assertion names its case.
    for config, field in (({"dryrun": False}, "dryrun"), ({"dry_run": "nope"}, "dry_run")):
        answer = dagster_dev.graphql(VALID_QUERY, {"sel": _selector(dagster_dev), "cfg": config})
        verdict = answer["data"]["isPipelineConfigValid"]
        assert verdict["__typename"] == "RunConfigValidationInvalid", config
        assert any(f'"{field}"' in e["message"] or f":{field}" in e["message"]
                   for e in verdict["errors"]), (config, verdict["errors"])
    valid = dagster_dev.graphql(VALID_QUERY, {"sel": _selector(dagster_dev), "cfg": {"dry_run": False}})
    assert valid["data"]["isPipelineConfigValid"]["__typename"] == "PipelineConfigValidationValid"


def test_a_dry_run_launched_from_the_ui_succeeds_in_seconds(dagster_dev, artifacts):
    _, status, seconds = _launch_and_wait(dagster_dev, {})
    assert status == "SUCCESS", dagster_dev.log_path.read_text()[-3000:]
    line = f"remediation dry run: launch to success in {seconds:.1f} s"
    print(f"\n{line}")  # xdist workers keep stdout: the line is in the artifacts too
    (artifacts / "timings.txt").write_text(line + "\n")


def test_a_launch_with_dry_run_false_applies(dagster_dev):
    warehouse = Warehouse(dagster_dev.warehouse_url)
    with warehouse.connect() as conn:
        opportunity = conn.scalar(
            "SELECT o.opportunity_id FROM over_cap_plan_item i"
            " JOIN opportunity_access a ON a.id = i.opportunity_access_id"
            " JOIN opportunity o ON o.id = a.opportunity_id"
            " GROUP BY o.opportunity_id ORDER BY count(*) DESC, o.opportunity_id LIMIT 1")
    assert opportunity, "the demo data has over-cap work"
    run_id, status, _ = _launch_and_wait(dagster_dev, {"dry_run": False, "opportunity_id": opportunity})
    assert status == "SUCCESS", dagster_dev.log_path.read_text()[-3000:]
    with warehouse.connect() as conn:
        applied = conn.query("SELECT opportunity_id, completed_works FROM over_cap_run WHERE run_id = ?", (run_id,))
        flipped = conn.scalar("SELECT count(*) FROM over_cap_remediation_log WHERE run_id = ?"
                              " AND new_status = 'over_limit'", (run_id,))
    assert applied and applied[0][0] == opportunity and applied[0][1] > 0 and flipped >= applied[0][1]


def test_the_launchpad_page_shows_dry_run(dagster_dev, tmp_path, artifacts):
    location = _selector(dagster_dev)["repositoryLocationName"]
    dom = render(f"{dagster_dev.url}/locations/{location}/jobs/{JOB}/playground", tmp_path / "profile",
                 artifacts / "launchpad.png")
    assert "dry_run" in dom and "Rows locked and updated per batch" in dom  # a field and its docs
    assert (artifacts / "launchpad.png").stat().st_size > 10_000


def test_an_asset_page_shows_its_column_schema_and_a_metadata_table(dagster_dev, tmp_path, artifacts):
    dom = render(f"{dagster_dev.url}/assets/over_cap_visit_plan", tmp_path / "profile", artifacts / "asset.png")
    assert "Columns" in dom and "current_status" in dom  # the declared column schema ...
    assert "status when planned" in dom  # ... with the column descriptions
    assert "per_access" in dom and "worker_before" in dom  # a metadata table, its columns rendered
    assert "postgres" in dom.lower()  # kinds name the backend in use (this server runs on PostgreSQL)
    assert (artifacts / "asset.png").stat().st_size > 10_000
