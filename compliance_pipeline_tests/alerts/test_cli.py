"""The `compliance-pipeline alerts ...` commands, end to end on the warehouse."""

import json

from compliance_pipeline.cli import main
from compliance_pipeline_tests.alerts.helpers import add_snapshots

RULE_FILE = """
rules:
  - unit_id: u1
    name: night
    metric: leq
    comparison: above
    threshold_db: 70
    schedule_start: "22:00"
    schedule_end: "07:00"
    timezone: America/New_York
  - {unit_id: u1, name: quiet, metric: lmin, comparison: below, threshold_db: 20}
"""


def run(capsys, *argv):
    code = main(["alerts", *argv])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else captured.err)


def test_rules_crud_with_validation(warehouse_env, capsys):
    code, rule = run(capsys, "rules", "add", "--unit", "u1", "--name", "loud", "--metric", "leq",
                     "--comparison", "above", "--threshold", "70", "--duration", "0")
    assert code == 0 and rule["threshold_db"] == 70.0
    code, err = run(capsys, "rules", "add", "--unit", "u1", "--name", "bad", "--metric", "leq",
                    "--comparison", "above", "--threshold", "70", "--timezone", "Nowhere/City")
    assert code == 2 and "timezone" in err
    code, updated = run(capsys, "rules", "update", str(rule["id"]), "--threshold", "72")
    assert code == 0 and updated["rule"]["threshold_db"] == 72.0 and "reset" in updated["note"]
    code, err = run(capsys, "rules", "update", str(rule["id"]), "--days", "9")
    assert code == 2 and "schedule_days" in err
    assert [r["name"] for r in run(capsys, "rules", "list")[1]] == ["loud"]
    assert run(capsys, "rules", "delete", str(rule["id"]))[0] == 0
    code, err = run(capsys, "rules", "delete", str(rule["id"]))
    assert code == 2 and "id" in err


def test_rule_files_validate_and_apply_declaratively(warehouse_env, capsys, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULE_FILE)
    assert run(capsys, "rules", "validate", str(path))[1]["rules"] == 2
    assert run(capsys, "rules", "apply", str(path))[1]["added"] == ["u1/night", "u1/quiet"]
    path.write_text(RULE_FILE.replace("threshold_db: 70", "threshold_db: 65"))
    result = run(capsys, "rules", "apply", str(path))[1]
    assert (result["updated"], result["unchanged"]) == (["u1/night"], ["u1/quiet"])
    path.write_text(RULE_FILE.replace("comparison: below", "comparison: under"))
    code, err = run(capsys, "rules", "validate", str(path))
    assert code == 2 and "rules[1]: comparison" in err


def test_evaluate_events_and_ack(warehouse_env, capsys):
    run(capsys, "rules", "add", "--unit", "u1", "--name", "loud", "--metric", "leq", "--comparison", "above",
        "--threshold", "70")
    add_snapshots(warehouse_env, "u1", [75, 76])
    assert run(capsys, "evaluate")[1]["opened"] == 1
    code, events = run(capsys, "events", "--unit", "u1", "--status", "active")
    assert code == 0 and len(events) == 1
    event_id = str(events[0]["id"])
    first = run(capsys, "ack", event_id, "--by", "ana", "--notes", "neighbour party")[1]
    assert first["acknowledged"] is True
    second = run(capsys, "ack", event_id, "--by", "bob")[1]
    assert second["acknowledged"] is False and second["already_acknowledged_by"] == "ana"
    assert run(capsys, "events", "--status", "open")[0] == 2
    assert run(capsys, "ack", "999", "--by", "ana")[0] == 2
