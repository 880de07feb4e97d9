"""`compliance-pipeline access-stim`: the seed's run_once JSON."""

import json
from datetime import date

import pytest

from compliance_pipeline.access_stimulation.demo import load_demo
from compliance_pipeline.cli import main
from compliance_pipeline_tests.access_stimulation.helpers import add_profiles, add_studies, at, table_snapshot

ANCHOR = date(2026, 3, 15)
SEED_KEYS = {
    "no_orig_traffic": {"profile_id", "flagged", "reason", "term_minutes", "orig_minutes"},
    "below_threshold": {"profile_id", "flagged", "reason", "ratio", "term_minutes", "orig_minutes"},
    "cooldown": {"profile_id", "flagged", "reason", "ratio", "term_minutes", "orig_minutes", "last_flagged_at"},
    None: {"profile_id", "flagged", "dry_run", "evidence"},
}


def run_cli(capsys, *argv) -> tuple[int, dict | str]:
    code = main(["access-stim", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else captured.err


def test_cli_json_has_the_seeds_shape_on_demo_data(warehouse_env, capsys):
    load_demo(warehouse_env, seed=7, scale=1, anchor=ANCHOR)
    before = table_snapshot(warehouse_env)
    code, dry = run_cli(capsys, "--dry-run", "--as-of", "2026-03-16")
    assert code == 0 and set(dry) == {"evaluated", "flagged", "dry_flagged", "summaries"}
    assert table_snapshot(warehouse_env) == before
    assert dry["evaluated"] == 40 and dry["flagged"] == 0 and dry["dry_flagged"] >= 1
    seen = {s.get("reason") for s in dry["summaries"]}
    assert seen == {"no_orig_traffic", "below_threshold", "cooldown", None}
    for s in dry["summaries"]:
        assert set(s) == SEED_KEYS[s.get("reason")]
    code, real = run_cli(capsys, "--as-of", "2026-03-16")
    assert real["flagged"] == dry["dry_flagged"] and real["dry_flagged"] == 0
    code, rerun = run_cli(capsys, "--as-of", "2026-03-16")
    assert rerun["flagged"] == real["flagged"]  # same instant: re-evaluated, nothing new written
    with warehouse_env.connect() as conn:
        assert conn.scalar("SELECT count(*) FROM outbox") == real["flagged"]


def test_cli_without_as_of_uses_now_and_rejects_bad_dates(warehouse_env, capsys):
    code, result = run_cli(capsys, "--dry-run")
    assert code == 0 and result == {"evaluated": 0, "flagged": 0, "dry_flagged": 0, "summaries": []}
    code, err = run_cli(capsys, "--as-of", "16/03/2026")
    assert code == 2 and "--as-of" in err


@pytest.mark.parametrize("scale", [2])
def test_demo_scale_multiplies_profiles(warehouse, scale):
    counts = load_demo(warehouse, seed=1, scale=scale, anchor=ANCHOR)
    assert counts["cdr_ingestion_profiles"] == 44 * scale
    assert load_demo(warehouse, seed=1, scale=scale, anchor=ANCHOR) == counts


def test_demo_with_a_short_window_loads(warehouse):
    """A window shorter than the ended agreement's two months (a benchmark's --days 10) once
    broke the agreements' CHECK (ends_on >= starts_on)."""
    counts = load_demo(warehouse, seed=1, scale=1, anchor=ANCHOR, days=10)
    assert counts["access_revenue_sharing_agreements"] >= 1
    with warehouse.connect() as conn:
        assert conn.scalar("SELECT count(*) FROM access_revenue_sharing_agreements"
                           " WHERE ends_on IS NOT NULL AND ends_on < DATE '2026-01-15'") == 1


def test_cli_refuses_negative_minutes_naming_the_profile(warehouse_env, capsys):
    add_profiles(warehouse_env, [(1, True), (2, True)])
    add_studies(warehouse_env, [(1, at(date(2026, 3, 1)), 900, 100),
                                (2, at(date(2026, 3, 2)), 900, -50)])
    before = table_snapshot(warehouse_env)
    code, err = run_cli(capsys, "--as-of", "2026-03-16")
    assert code == 2 and "negative" in err and "profile 2: 1 studies" in err and "profile 1" not in err
    assert table_snapshot(warehouse_env) == before


def test_as_of_a_day_equals_that_days_partition(warehouse_env, capsys):
    from compliance_pipeline_tests.access_stimulation.test_dagster import materialize_day, metadata_of

    load_demo(warehouse_env, seed=7, scale=1, anchor=ANCHOR)
    code, cli = run_cli(capsys, "--dry-run", "--as-of", ANCHOR.isoformat())
    assert code == 0
    result = materialize_day(warehouse_env, day=ANCHOR)
    assert result.success
    flags = metadata_of(result, "access_stimulation_flags")
    assert flags["as_of"].value == "2026-03-16T00:00:00+00:00"  # the end of the day
    with warehouse_env.connect() as conn:
        stored = {row[0]: tuple(row[1:]) for row in conn.query(
            "SELECT profile_id, reason, term_minutes, orig_minutes FROM access_stim_evaluations")}
    from_cli = {s["profile_id"]: (s.get("reason") or "flagged",
                                  s.get("term_minutes", s.get("evidence", {}).get("term_minutes")),
                                  s.get("orig_minutes", s.get("evidence", {}).get("orig_minutes")))
                for s in cli["summaries"]}
    assert from_cli == stored
    assert cli["evaluated"] == flags["evaluated"].value and cli["dry_flagged"] == flags["flagged"].value
    assert cli["dry_flagged"] >= 1


def test_as_of_a_materialized_day_reads_its_stored_totals_with_the_same_numbers(warehouse_env, capsys):
    from datetime import timedelta

    from compliance_pipeline.access_stimulation import core, sums

    load_demo(warehouse_env, seed=7, scale=1, anchor=ANCHOR)
    day = ANCHOR - timedelta(days=1)
    code, from_studies = run_cli(capsys, "--dry-run", "--as-of", day.isoformat())
    assert code == 0 and from_studies["dry_flagged"] >= 1
    as_of = core.as_of_for_partition(day)
    boundaries = [start.date() - timedelta(days=1) for _, start, _ in core.month_segments(core.window_start(as_of), as_of)]
    for partition in sorted({*boundaries, day}):  # the day and its month boundaries, as the schedule leaves them
        sums.materialize_partition(warehouse_env, partition)
    code, from_stored = run_cli(capsys, "--dry-run", "--as-of", day.isoformat())
    assert code == 0 and from_stored == from_studies
    # It really read them: a stored total changed behind its back shows in the output.
    profile = from_stored["summaries"][0]["profile_id"]
    with warehouse_env.transaction() as conn:
        conn.execute("UPDATE access_stim_aggregates SET term_minutes = 0, orig_minutes = 0"
                     " WHERE partition_day = ? AND profile_id = ?", (day, profile))
    code, tampered = run_cli(capsys, "--dry-run", "--as-of", day.isoformat())
    changed = next(s for s in tampered["summaries"] if s["profile_id"] == profile)
    assert changed["reason"] == "no_orig_traffic" and changed["term_minutes"] == 0
