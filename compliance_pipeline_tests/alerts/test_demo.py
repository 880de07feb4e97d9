"""The demo data set: deterministic, replaces its rows, and its planted episodes fire."""

from datetime import date

from compliance_pipeline.alerts.demo import load_demo
from compliance_pipeline.alerts.evaluation import evaluate_pass
from compliance_pipeline_tests.alerts.helpers import NOW, events


def test_demo_loads_replaces_and_fires_the_night_exceedance(warehouse):
    first = load_demo(warehouse, seed=7, scale=1, anchor=date(2026, 3, 10))
    assert load_demo(warehouse, seed=7, scale=1, anchor=date(2026, 3, 10)) == first
    assert first == {"monitor_snapshots": 3 * 3 * 1440, "alert_rules": 3, "units": 3}
    report = evaluate_pass(warehouse, now=NOW)
    assert report.skipped_schedule > 0 and report.skipped_missing > 0
    names = {e["rule_name"] for e in events(warehouse)}
    assert names == {"night limit", "weekday lmax spike", "signal lost"}
    night = next(e for e in events(warehouse) if e["rule_name"] == "night limit")
    assert night["onset_at"].date() == date(2026, 3, 10) and night["status"] == "cleared"
