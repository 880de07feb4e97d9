"""Dagster asset and job, and the CLI, against the real warehouse fixture."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from compliance_pipeline.cli import main
from compliance_pipeline.over_cap.assets import over_cap_visit_plan, source_specs
from compliance_pipeline.over_cap.jobs import remediate_over_cap_visits
from compliance_pipeline.warehouse.resource import WarehouseResource
from compliance_pipeline_tests.over_cap.helpers import OPP, snapshot, statuses
from compliance_pipeline_tests.over_cap.test_remediation import qa_scenario


def resources(warehouse):
    return {"warehouse": WarehouseResource(url=warehouse.url.raw)}


def test_plan_asset_stores_plan_and_shows_totals_and_per_access_table(warehouse):
    qa_scenario()[0].load(warehouse)
    result = dg.materialize([*source_specs, over_cap_visit_plan], resources=resources(warehouse),
                            run_config={"ops": {"over_cap_visit_plan": {
                                "config": {"opportunity_id": OPP}}}})
    assert result.success
    metadata = result.asset_materializations_for_node("over_cap_visit_plan")[0].metadata
    assert metadata["completed_works"].value == 2 and metadata["visits"].value == 4
    assert metadata["worker_accrual_drop"].value == 2000
    per_access = metadata["per_access"]
    assert [c.name for c in per_access.schema.columns][:2] == ["access_id", "user_id"]
    assert sum(record.data["completed_works"] for record in per_access.records) == 2
    with warehouse.connect() as conn:
        stored = conn.scalar("SELECT completed_works FROM over_cap_plan WHERE plan_id = ?",
                             (metadata["plan_id"].value,))
    assert stored == 2


def test_job_defaults_to_dry_run_and_writes_nothing(warehouse):
    qa_scenario()[0].load(warehouse)
    before = snapshot(warehouse)
    result = remediate_over_cap_visits.execute_in_process(resources=resources(warehouse))
    assert result.success
    report = result.output_for_node("report_remediation")
    assert report["dry_run"] and report["completed_works"] == 3
    assert snapshot(warehouse) == before
    assert remediate_over_cap_visits.tags["compliance/exclusive"] == "over_cap"


def test_job_applies_then_second_run_has_nothing_to_do(warehouse):
    qa_scenario()[0].load(warehouse)
    config = {"dry_run": False, "opportunity_id": OPP, "batch_size": 1}
    first = remediate_over_cap_visits.execute_in_process(run_config=config,
                                                         resources=resources(warehouse))
    report = first.output_for_node("report_remediation")
    assert report["applied"] and report["completed_works"] == 2 and report["run_id"] == first.run_id
    assert list(statuses(warehouse, "completed_work").values()).count("over_limit") == 2
    second = remediate_over_cap_visits.execute_in_process(run_config=config,
                                                          resources=resources(warehouse))
    assert second.output_for_node("report_remediation")["nothing_to_do"]


def test_job_with_stale_plan_id_fails_and_writes_nothing(warehouse):
    s, ids = qa_scenario()
    s.load(warehouse)
    plan_run = dg.materialize([over_cap_visit_plan], resources=resources(warehouse))
    plan_id = plan_run.asset_materializations_for_node("over_cap_visit_plan")[0].metadata[
        "plan_id"].value
    with warehouse.transaction() as conn:
        conn.execute("UPDATE completed_work SET status = 'rejected' WHERE id = ?", (ids["over"][0],))
    before = snapshot(warehouse)
    result = remediate_over_cap_visits.execute_in_process(
        run_config={"dry_run": False, "plan_id": plan_id}, resources=resources(warehouse),
        raise_on_error=False)
    assert not result.success
    assert snapshot(warehouse) == before


def cli(capsys, *argv) -> tuple[int, dict | str]:
    code = main(["over-cap", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else err


def test_cli_plan_apply_undo(warehouse_env, capsys):
    s, ids = qa_scenario()
    s.load(warehouse_env)
    before = snapshot(warehouse_env, ("completed_work", "user_visit", "opportunity_access"))
    code, plan = cli(capsys, "plan", "--opportunity-id", OPP)
    assert code == 0 and plan["completed_works"] == 2 and plan["dry_run"]

    code, applied = cli(capsys, "apply", "--plan-id", plan["plan_id"])
    assert code == 0 and applied["applied"] and applied["worker_accrual_drop"] == 2000

    code, preview = cli(capsys, "undo", "--run-id", applied["run_id"])
    assert code == 0 and not preview["applied"] and preview["accrual_changes"]
    code, undone = cli(capsys, "undo", "--run-id", applied["run_id"], "--apply")
    assert code == 0 and undone["applied"]
    assert snapshot(warehouse_env, ("completed_work", "user_visit", "opportunity_access")) == before


@pytest.mark.parametrize("argv, message", [
    (["plan", "--opportunity-id", "bogus"], "opportunity_id must be an opportunity UUID"),
    (["apply", "--plan-id", "missing"], "plan_id missing is not a stored plan"),
    (["undo", "--run-id", "missing"], "run_id missing"),
])
def test_cli_bad_input_exits_2_naming_the_field(warehouse_env, capsys, argv, message):
    code, err = cli(capsys, *argv)
    assert code == 2 and message in err
