"""Rule validation names the bad field; rule files validate as a whole."""

import pytest

from compliance_pipeline.alerts.rule_file import parse_rule_file
from compliance_pipeline.alerts.rules import validate_rule, with_changes
from compliance_pipeline.errors import InputError

GOOD = {"unit_id": "u1", "name": "night", "metric": "leq", "comparison": "above", "threshold_db": 55}


def test_a_good_rule_gets_its_defaults():
    rule = validate_rule(GOOD)
    assert (rule.duration_s, rule.clear_margin_db, rule.timezone, rule.enabled) == (0.0, 0.0, "UTC", True)


@pytest.mark.parametrize("changes, field", [
    ({"metric": "dba"}, "metric"),
    ({"comparison": "over"}, "comparison"),
    ({"threshold_db": float("inf")}, "threshold_db"),
    ({"threshold_db": "loud"}, "threshold_db"),
    ({"threshold_db": None}, "threshold_db"),
    ({"duration_s": -1}, "duration_s"),
    ({"clear_margin_db": -0.5}, "clear_margin_db"),
    ({"schedule_start": "22:00"}, "schedule_end"),
    ({"schedule_start": "24:00", "schedule_end": "07:00"}, "schedule_start"),
    ({"schedule_start": "22:00", "schedule_end": "7"}, "schedule_end"),
    ({"schedule_days": "0,7"}, "schedule_days"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"unit_id": ""}, "unit_id"),
    ({"enabled": "yes"}, "enabled"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_rule_is_refused_with_the_field_named(changes, field):
    with pytest.raises(InputError, match=field):
        validate_rule({**GOOD, **changes})


def test_fingerprint_changes_only_with_evaluated_fields():
    rule = validate_rule({**GOOD}, rule_id=3)
    assert with_changes(rule, {"name": "renamed"}).fingerprint == rule.fingerprint
    assert with_changes(rule, {"threshold_db": 56}).fingerprint != rule.fingerprint
    assert with_changes(rule, {"schedule_days": "1,0"}).schedule_days == "0,1"


def test_rule_file_reports_the_entry_and_field():
    text = """
rules:
  - {unit_id: u1, name: a, metric: leq, comparison: above, threshold_db: 55}
  - {unit_id: u1, name: b, metric: leq, comparison: sideways, threshold_db: 55}
"""
    with pytest.raises(InputError, match=r"rules\[1\]: comparison"):
        parse_rule_file(text)


def test_rule_file_catches_unquoted_times_and_duplicates():
    with pytest.raises(InputError, match="schedule_start: quote"):
        parse_rule_file("rules:\n  - {unit_id: u, name: a, metric: leq, comparison: above, threshold_db: 1,"
                        " schedule_start: 22:00, schedule_end: '07:00'}\n")
    with pytest.raises(InputError, match="duplicate"):
        parse_rule_file("rules:\n" + "  - {unit_id: u, name: a, metric: leq, comparison: above, threshold_db: 1}\n" * 2)
    with pytest.raises(InputError, match="rules:"):
        parse_rule_file("- just a list\n")
