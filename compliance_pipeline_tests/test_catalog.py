"""The catalog: every asset and source table is owned, tagged, typed by the backend in use, and
documents exactly the columns its table really has; every materialization names its table and
counts its rows."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import dagster as dg
import pytest

from compliance_pipeline.budget_audit.parquet_log import arrow_schema
from compliance_pipeline.demo_data import load_all
from compliance_pipeline.warehouse.resource import WarehouseResource

# Loads the code location as `dagster dev` would, with the given warehouse URL in the env.
DUMP = """
import json
from compliance_pipeline.definitions import defs
graph = defs.resolve_asset_graph()
out = {}
for key in graph.get_all_asset_keys():
    node = graph.get(key)
    schema = node.metadata.get("dagster/column_schema")
    out[key.to_user_string()] = {
        "owners": list(node.owners), "kinds": sorted(node.kinds), "tags": dict(node.tags),
        "table": node.metadata.get("dagster/table_name"),
        "columns": [c.name for c in schema.columns] if schema else None,
        "described": all(c.description for c in schema.columns) if schema else False,
        "description": node.description or "",
        "materializable": node.is_materializable}
print(json.dumps(out))
"""
BACKEND_KIND = {"duckdb": "duckdb", "postgresql": "postgres"}


def _catalog(url: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", DUMP], capture_output=True, text=True, timeout=120,
                          env={"COMPLIANCE_WAREHOUSE_URL": url, "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _real_columns(warehouse, table: str) -> list[str]:
    if table == "budget_audit_log":
        return arrow_schema().names
    schema = "current_schema()" if warehouse.backend == "postgresql" else "'main'"
    with warehouse.connect() as conn:
        return [r[0] for r in conn.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            f" AND table_schema = {schema} ORDER BY ordinal_position", (table,))]


def test_every_asset_is_owned_tagged_typed_and_documents_its_real_columns(warehouse):
    catalog = _catalog(warehouse.url.raw)
    assert len(catalog) >= 20
    for name, node in catalog.items():
        assert node["owners"] and all(o.startswith("team:") for o in node["owners"]), name
        assert node["tags"].get("domain") and ({"regulation", "policy"} & set(node["tags"])), name
        assert node["kinds"], name
        assert node["description"] and "seed" not in node["description"].lower(), name
        assert node["table"] and node["described"], name
        assert node["columns"] == _real_columns(warehouse, node["table"]), name
        if node["table"] != "budget_audit_log":
            assert BACKEND_KIND[warehouse.backend] in node["kinds"], name
            assert {"duckdb", "postgres"} - {BACKEND_KIND[warehouse.backend]} & set(node["kinds"]) == set()


DAY = date(2026, 3, 15)
WEEK = date(2026, 3, 9)  # the Monday of DAY's week
MONTH = date(2026, 2, 1)


def _expected_rows(conn, asset: str, metadata: dict, budget_dir) -> int:
    """count(*) of what each asset's materialization documents as its rows."""
    as_of = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    where = {
        "traffic_six_month_aggregates": ("access_stim_aggregates WHERE partition_day = ?", [DAY]),
        "access_stimulation_flags": ("access_stim_evaluations WHERE as_of = ?", [as_of]),
        "budget_daily_summary": ("budget_daily_summary WHERE day = ?", [DAY]),
        "budget_weekly_report": ("budget_weekly_report WHERE week_start = ?", [WEEK]),
        "access_stimulation_monthly_status": ("access_stim_monthly_status WHERE month = ?", [MONTH]),
        "over_cap_visit_plan": ("over_cap_plan_item WHERE plan_id = ?",
                                [metadata["plan_id"].value if "plan_id" in metadata else None]),
        "alert_evaluation": ("alert_events", []),
        "alert_webhook_delivery": ("outbox WHERE topic = ?", ["alert_webhook"]),
        "erpnext_todo_delivery": ("outbox WHERE topic = ?", ["erpnext_todo"]),
    }
    if asset == "budget_audit_log":
        import duckdb

        files = str(budget_dir / f"day={DAY.isoformat()}" / "*.parquet")
        return duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{files}')").fetchone()[0]
    sql, params = where[asset]
    return conn.scalar(f"SELECT count(*) FROM {sql}", params)


@pytest.mark.slow
def test_materializations_carry_table_name_and_row_count_equal_to_count(warehouse, tmp_path, monkeypatch):
    from compliance_pipeline.definitions import defs

    budget_dir = tmp_path / "budget"
    monkeypatch.setenv("BUDGET_AUDIT_DIR", str(budget_dir))
    load_all(warehouse, seed=1, scale=1, anchor=DAY + timedelta(days=1))
    resources = {**defs.resources, "warehouse": WarehouseResource(url=warehouse.url.raw)}
    seen = {}
    with dg.DagsterInstance.ephemeral() as instance:
        for partition, names in ((DAY.isoformat(), ["traffic_six_month_aggregates", "access_stimulation_flags",
                                                    "budget_audit_log", "budget_daily_summary"]),
                                 (WEEK.isoformat(), ["budget_weekly_report"]),
                                 (MONTH.isoformat(), ["access_stimulation_monthly_status"]),
                                 (None, ["over_cap_visit_plan", "alert_evaluation", "alert_webhook_delivery",
                                         "erpnext_todo_delivery"])):
            result = dg.materialize(list(defs.assets), selection=names, partition_key=partition,
                                    instance=instance, resources=resources, raise_on_error=False)
            for event in result.get_asset_materialization_events():
                seen[event.asset_key.to_user_string()] = event.materialization.metadata
    assert set(seen) == {"traffic_six_month_aggregates", "access_stimulation_flags", "budget_audit_log",
                         "budget_daily_summary", "budget_weekly_report", "access_stimulation_monthly_status",
                         "over_cap_visit_plan",
                         "alert_evaluation", "alert_webhook_delivery", "erpnext_todo_delivery"}
    with warehouse.connect() as conn:
        for asset, metadata in seen.items():
            assert metadata["dagster/table_name"].value, asset
            expected = _expected_rows(conn, asset, metadata, budget_dir)
            assert metadata["dagster/row_count"].value == expected, asset
            if asset in ("traffic_six_month_aggregates", "access_stimulation_flags", "budget_daily_summary"):
                assert expected > 0, asset  # the demo data makes these non-trivial


def test_code_references_link_to_git_when_a_remote_is_configured(monkeypatch):
    from compliance_pipeline.catalog import with_code_references
    from compliance_pipeline.over_cap.assets import over_cap_visit_plan

    def references():
        (linked,) = with_code_references([over_cap_visit_plan])
        metadata = linked.metadata_by_key[dg.AssetKey("over_cap_visit_plan")]
        return metadata["dagster/code_references"].code_references

    monkeypatch.delenv("COMPLIANCE_GIT_URL", raising=False)
    (local,) = references()
    assert local.file_path.endswith("compliance_pipeline/over_cap/assets.py")
    monkeypatch.setenv("COMPLIANCE_GIT_URL", "https://github.com/acme/compliance_pipeline")
    monkeypatch.setenv("COMPLIANCE_GIT_BRANCH", "release")
    (remote,) = references()
    assert remote.url.startswith("https://github.com/acme/compliance_pipeline/tree/release/")
    assert remote.url.split("#")[0].endswith("compliance_pipeline/over_cap/assets.py")


def test_a_self_hosted_forge_needs_its_platform_named(monkeypatch):
    """A URL naming neither GitHub nor GitLab: links would be guessed (and 404), so the location
    refuses to load until COMPLIANCE_GIT_PLATFORM says how to build them."""
    from compliance_pipeline.catalog import with_code_references
    from compliance_pipeline.errors import InputError
    from compliance_pipeline.over_cap.assets import over_cap_visit_plan

    monkeypatch.setenv("COMPLIANCE_GIT_URL", "https://code.acme.example/compliance/pipeline")
    monkeypatch.delenv("COMPLIANCE_GIT_PLATFORM", raising=False)
    with pytest.raises(InputError, match="COMPLIANCE_GIT_PLATFORM"):
        with_code_references([over_cap_visit_plan])
    monkeypatch.setenv("COMPLIANCE_GIT_PLATFORM", "bitbucket")
    with pytest.raises(InputError, match="must be one of github, gitlab"):
        with_code_references([over_cap_visit_plan])
    monkeypatch.setenv("COMPLIANCE_GIT_PLATFORM", "GitLab")
    (linked,) = with_code_references([over_cap_visit_plan])
    (remote,) = linked.metadata_by_key[dg.AssetKey("over_cap_visit_plan")]["dagster/code_references"].code_references
    assert remote.url.startswith("https://code.acme.example/compliance/pipeline/-/tree/main/")
