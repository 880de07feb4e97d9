"""docs/reference.md's generated part: every table from its declaration, every Dagster name
from the loaded definitions, so the reference cannot drift from the code.

    python -m compliance_pipeline.reference     # rewrites the part between the markers
"""

from __future__ import annotations

import importlib
from pathlib import Path

import dagster as dg

from compliance_pipeline.catalog import Table
from compliance_pipeline.demo_data import DOMAINS  # the package's four domains, one list

DOC = Path(__file__).resolve().parents[1] / "docs" / "reference.md"
BEGIN, END = "<!-- generated: begin -->", "<!-- generated: end -->"


def _table(table: Table) -> list[str]:
    where = " (parquet files under BUDGET_AUDIT_DIR)" if table.storage == "parquet" else ""
    lines = [f"#### `{table.name}`{where}", "", table.description, "", "| column | type | meaning |",
             "| --- | --- | --- |"]
    lines += [f"| `{c.name}` | {c.type} | {c.description.replace('|', '/')} |" for c in table.columns]
    return [*lines, ""]


def _tables() -> list[str]:
    from compliance_pipeline.outbox.tables import OUTBOX

    lines = ["### Source tables (filled by users and upstream systems)", ""]
    outputs: list[Table] = []
    for domain in DOMAINS:
        module = importlib.import_module(f"compliance_pipeline.{domain}.tables")
        for table in module.SOURCE_TABLES:
            lines += _table(table)
        outputs += module.OUTPUT_TABLES
    lines += ["### Output tables (written by the pipeline)", ""]
    for table in [*outputs, OUTBOX]:
        lines += _table(table)
    return lines


def _partitions(node) -> str:
    definition = node.partitions_def
    if definition is None:
        return ""
    return type(definition).__name__.replace("PartitionsDefinition", "").lower()


def _dagster(defs: dg.Definitions) -> list[str]:
    graph = defs.resolve_asset_graph()
    repo = defs.get_repository_def()
    lines = ["### Assets", "", "| asset | group | partitions | table | what |", "| --- | --- | --- | --- | --- |"]
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: (not graph.get(k).is_materializable,
                                                                      k.to_user_string())):
        node = graph.get(key)
        kind = "" if node.is_materializable else " (source)"
        text = (node.description or "").replace("\n", " ").replace("|", "/")
        lines.append(f"| `{key.to_user_string()}`{kind} | {node.group_name} | {_partitions(node)} | "
                     f"`{node.metadata.get('dagster/table_name', '')}` | {text} |")
    lines += ["", "### Asset checks", "", "| check | asset | what |", "| --- | --- | --- |"]
    for check_key in sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        spec = graph.get_check_spec(check_key)
        text = (spec.description or "").replace("\n", " ").replace("|", "/")
        freshness = spec.metadata.get("dagster/freshness_params")
        if freshness is not None:
            text = (f"ERROR (an operations message) when the latest partition has not arrived by "
                    f"`{freshness.data['deadline_cron']}` ({freshness.data['timezone']})")
        lines.append(f"| `{check_key.name}` | `{check_key.asset_key.to_user_string()}` | {text} |")
    lines += ["", "### Jobs, schedules, sensors", "", "| kind | name | what |", "| --- | --- | --- |"]
    for job in sorted(repo.get_all_jobs(), key=lambda j: j.name):
        if not job.name.startswith("__"):
            lines.append(f"| job | `{job.name}` | {(job.description or '').replace('|', '/')} |")
    for schedule in sorted(repo.schedule_defs, key=lambda s: s.name):
        text = schedule.description or f"`{schedule.cron_schedule}` ({schedule.execution_timezone or 'UTC'})"
        lines.append(f"| schedule | `{schedule.name}` | {text.replace('|', '/')} |")
    for sensor in sorted(repo.sensor_defs, key=lambda s: s.name):
        lines.append(f"| sensor | `{sensor.name}` | {(sensor.description or '').replace('|', '/')} |")
    lines += ["", "Resources: " + ", ".join(f"`{name}`" for name in sorted(repo.get_top_level_resources())), ""]
    return lines


def generated() -> str:
    from compliance_pipeline.definitions import defs

    return "\n".join([*_tables(), "## Dagster names", "", *_dagster(defs)])


def rewrite(path: Path = DOC) -> bool:
    """Replace the generated part; True when the file changed."""
    text = path.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{generated()}\n{END}{tail}"
    if new != text:
        path.write_text(new)
    return new != text


if __name__ == "__main__":
    print("docs/reference.md " + ("rewritten" if rewrite() else "already up to date"))
