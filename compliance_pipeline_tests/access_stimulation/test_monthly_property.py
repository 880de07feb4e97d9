"""Properties of the monthly status over random histories (both backends).

- 24 months run one by one (each carrying on from the stored month before, as a backfill runs
  them) equal each month determined from scratch (no stored status at all: the replay);
- a rerun of any month changes nothing and sends nothing.
"""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.access_stimulation import monthly_pass
from compliance_pipeline_tests.access_stimulation.monthly_helpers import (
    NOW,
    add_agreements,
    add_profiles,
    snapshot,
    stored,
)
from compliance_pipeline_tests.access_stimulation.monthly_helpers import _study_ids as study_ids

FIRST = date(2024, 1, 1)
MONTHS = core.months_between(FIRST, core.add_months(FIRST, 23))

# Minutes around the triggers: ratios 0..12:1 and rate-of-return volumes around 500,000.
month_minutes = st.tuples(st.sampled_from([0, 1_000, 3_000, 6_000, 12_000, 500_000, 600_000]),
                          st.sampled_from([0, 1_000, 2_000, 50_000]), st.booleans())
profile = st.fixed_dictionaries({
    "carrier_class": st.sampled_from(core.CARRIER_CLASSES),
    "offset": st.integers(0, 6),  # months without any study before the profile's first
    # a run of months with the same minutes, then another, ... (so states last and change)
    "runs": st.lists(st.tuples(st.integers(1, 8), month_minutes), min_size=1, max_size=6),
    "agreement": st.one_of(st.none(), st.tuples(st.integers(0, 700), st.one_of(st.none(), st.integers(0, 400)))),
})


def _load(warehouse, profiles):
    with warehouse.transaction() as conn:
        for table in ("access_stim_monthly_status", "access_revenue_sharing_agreements", "cdr_traffic_studies",
                      "cdr_ingestion_profiles", "outbox"):
            conn.execute(f"DELETE FROM {table}")
    add_profiles(warehouse, [(pid, p["carrier_class"]) for pid, p in enumerate(profiles, 1)])
    studies, agreements = [], []
    for pid, p in enumerate(profiles, 1):
        months = [minutes for length, minutes in p["runs"] for _ in range(length)][:len(MONTHS)]
        for month, (term, orig, tagged) in zip(MONTHS[p["offset"]:], months):
            at = core.month_end(month) - timedelta(days=pid % 7)
            studies.append((next(study_ids), pid, datetime.combine(at, time(12), tzinfo=timezone.utc),
                            *((0, 0, term, orig) if tagged else (term, orig, None, None))))
        if p["agreement"] is not None:
            start, length = p["agreement"]
            starts_on = FIRST + timedelta(days=start)
            agreements.append((pid, starts_on, None if length is None else starts_on + timedelta(days=length)))
    with warehouse.transaction() as conn:
        conn.insert_rows("cdr_traffic_studies", ["id", "profile_id", "generated_at", "retail_minutes",
                                                 "wholesale_minutes", "interstate_terminating_minutes",
                                                 "interstate_originating_minutes"], studies)
    add_agreements(warehouse, agreements)


def _pure_replay(profiles):
    """The last month by monthly_core.replay over the same data, no database involved."""
    statuses = []
    for pid, p in enumerate(profiles, 1):
        months = [minutes for length, minutes in p["runs"] for _ in range(length)][:len(MONTHS)]
        history = {m: core.Traffic(t, o, core.INTERSTATE if tagged else core.PROXY,
                                   core.INTERSTATE if tagged else core.PROXY)
                   for m, (t, o, tagged) in zip(MONTHS[p["offset"]:], months)}
        agreements = []
        if p["agreement"] is not None:
            start, length = p["agreement"]
            starts_on = FIRST + timedelta(days=start)
            agreements.append(core.Agreement(f"partner of {pid}", starts_on,
                                             None if length is None else starts_on + timedelta(days=length)))
        first = core.first_month(history, agreements, MONTHS[-1])
        statuses.append(core.replay(pid, p["carrier_class"], history, agreements, first, MONTHS[-1],
                                    core.MonthlySettings()))
    return statuses


def _from_scratch(warehouse, month):
    """The month determined with no stored status at all (rolled back afterwards)."""
    with warehouse.connect() as conn:
        conn.execute("BEGIN")
        conn.execute("DELETE FROM access_stim_monthly_status")
        statuses = monthly_pass.decide_month(conn, month, core.MonthlySettings())
        conn.execute("ROLLBACK")
    return statuses


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profiles=st.lists(profile, min_size=1, max_size=4), rerun=st.integers(0, len(MONTHS) - 1),
       checked=st.lists(st.integers(0, len(MONTHS) - 1), min_size=2, max_size=4))
def test_month_by_month_equals_from_scratch_and_reruns_change_nothing(warehouse, profiles, rerun, checked):
    with warehouse.session():  # one open DuckDB file for the example, as a run holds it
        _load(warehouse, profiles)
        for month in MONTHS:
            monthly_pass.run(warehouse, month=month, queued_at=NOW)
        for index in {*checked, len(MONTHS) - 1}:
            assert stored(warehouse, core.month_label(MONTHS[index])) == _from_scratch(warehouse, MONTHS[index])
        assert stored(warehouse, core.month_label(MONTHS[-1])) == _pure_replay(profiles)
        once = snapshot(warehouse)
        again = monthly_pass.run(warehouse, month=MONTHS[rerun], queued_at=NOW)
        assert again.written["todos_enqueued"] == 0
        assert snapshot(warehouse) == once
