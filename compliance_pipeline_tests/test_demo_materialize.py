"""`make demo` fills the partitions the UI shows: 14 days in order, 2 weeks, last month."""

from datetime import date

from compliance_pipeline.demo_materialize import plan_runs


def test_demo_runs_the_last_14_days_in_order_then_2_weeks_then_the_rest():
    from compliance_pipeline.definitions import defs

    runs = plan_runs(defs, today=date(2026, 3, 18))  # a Wednesday
    keys = [partition for partition, _ in runs]
    assert keys[:14] == [f"2026-03-{d:02d}" for d in range(4, 18)]
    assert keys[14:16] == ["2026-03-02", "2026-03-09"]  # the two complete weeks (Mondays)
    assert keys[16:] == ["2026-02-01", None]
    daily_assets = {k.to_user_string() for k in runs[0][1]}
    assert {"traffic_six_month_aggregates", "access_stimulation_flags", "budget_daily_summary"} <= daily_assets
    assert [k.to_user_string() for k in runs[14][1]] == ["budget_weekly_report"]
