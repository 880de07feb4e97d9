"""Hand-built months for every 61.3(bbb) trigger, just below and at the threshold (both backends)."""

from datetime import date

from compliance_pipeline_tests.access_stimulation.monthly_helpers import (
    add_agreements,
    add_month,
    add_profiles,
    run,
    run_months,
    todo_keys,
)

CLEC, ROR = "clec", "rate_of_return"


def test_clec_ratio_and_growth_triggers_at_and_just_below(warehouse):
    add_profiles(warehouse, [(pid, CLEC) for pid in range(1, 10)])
    add_agreements(warehouse, [(pid, date(2025, 1, 1), None) for pid in (3, 4, 5, 6, 8)])
    add_month(warehouse, [
        (1, "2026-03", 5_999, 1_000),  # (ii) just below 6:1
        (2, "2026-03", 6_000, 1_000),  # (ii) exactly 6:1 meets "at least"
        (3, "2026-03", 2_999, 1_000),  # (i) agreement, just below 3:1
        (4, "2026-03", 3_000, 1_000),  # (i) agreement, exactly 3:1
        (5, "2025-03", 1_000, 1_000), (5, "2026-03", 2_000, 1_000),  # growth exactly 100%: not "more than"
        (6, "2025-03", 1_000, 1_000), (6, "2026-03", 2_001, 1_000),  # growth 100.1%
        (7, "2025-03", 1_000, 1_000), (7, "2026-03", 4_000, 1_000),  # growth 300% without agreement
        (8, "2025-03", 1_000, 500), (8, "2026-03", 1_000, 1_001),  # originating growth > 100%
        (9, "2026-03", 1_000, 0),  # terminating minutes and no originating: unbounded ratio
    ])
    got = run(warehouse, "2026-03")
    engaged = {pid for pid, s in got.items() if s.engaged}
    assert engaged == {2, 4, 6, 8, 9}
    assert got[2].clec_ratio_trigger_met and not got[2].agreement_trigger_met and not got[2].basis_agreement
    assert got[4].agreement_trigger_met and got[4].basis_agreement and not got[4].clec_ratio_trigger_met
    assert got[5].term_growth_pct == 100.0 and not got[5].agreement_trigger_met
    assert round(got[6].term_growth_pct, 1) == 100.1 and got[6].agreement_trigger_met
    assert got[7].term_growth_pct == 300.0 and not got[7].engaged  # growth counts only with an agreement
    assert got[8].orig_growth_pct > 100 and got[8].agreement_trigger_met
    assert got[9].ratio is None and got[9].evidence["ratio"] == "unbounded"
    assert got[1].evidence is None and got[1].ror_ratio_trigger_met is None
    assert got[2].notice_due_on == date(2026, 5, 15)  # March 31 + 45 days
    assert got[2].evidence["triggers"]["61.3(bbb)(1)(ii)"]["met"] is True
    assert len(todo_keys(warehouse)) == 5


def test_agreement_starting_or_ending_mid_month(warehouse):
    add_profiles(warehouse, [(1, CLEC), (2, CLEC), (3, CLEC)])
    add_agreements(warehouse, [(1, date(2026, 3, 15), None),  # starts mid-March
                               (2, date(2025, 12, 1), date(2026, 3, 15)),  # ends mid-March
                               (3, date(2026, 4, 1), None)])  # starts after March
    add_month(warehouse, [(pid, m, 4_000, 1_000) for pid in (1, 2, 3) for m in ("2026-03", "2026-04")])
    months = run_months(warehouse, "2026-03", "2026-04")
    march, april = months["2026-03"], months["2026-04"]
    assert march[1].engaged and march[1].newly_engaged and march[1].has_agreement
    assert march[1].may_exit_month is None  # an open-ended agreement: no foreseeable exit
    assert march[2].engaged and march[2].may_exit_month == date(2026, 4, 1)
    assert not march[3].engaged and not march[3].has_agreement
    assert april[2].state == "not_engaged" and april[2].exited  # every agreement ended: (bbb)(2)
    assert april[1].engaged and not april[1].newly_engaged and april[1].engaged_since == date(2026, 3, 1)
    assert april[3].newly_engaged
    assert todo_keys(warehouse) == [
        "access-stim-monthly:profile:1:month:2026-03:engaged", "access-stim-monthly:profile:2:month:2026-03:engaged",
        "access-stim-monthly:profile:2:month:2026-04:exited", "access-stim-monthly:profile:3:month:2026-04:engaged"]


def test_rate_of_return_ten_to_one_over_three_months_with_500000_minutes(warehouse):
    add_profiles(warehouse, [(pid, ROR) for pid in range(1, 7)])
    add_agreements(warehouse, [(6, date(2026, 1, 1), None)])

    def three(pid, terms, origs):
        return [(pid, f"2026-0{i + 1}", t, o) for i, (t, o) in enumerate(zip(terms, origs))]

    add_month(warehouse, [
        *three(1, [600_000, 499_999, 600_000], [60_000, 40_000, 60_000]),  # ratio 10.6:1, one month 499,999
        *three(2, [600_000, 500_000, 600_000], [60_000, 40_000, 60_000]),  # the same with 500,000
        *three(3, [500_000] * 3, [50_000] * 3),  # exactly 10:1
        *three(4, [500_000] * 3, [50_000, 50_000, 50_001]),  # just below 10:1
        *three(5, [0, 0, 60_000], [0, 0, 10_000]),  # 6:1 in a month: the CLEC trigger is not theirs
        *three(6, [0, 0, 3_000], [0, 0, 1_000]),  # (i) applies to rate-of-return LECs too
    ])
    march = run(warehouse, "2026-03")
    assert {pid for pid, s in march.items() if s.engaged} == {2, 3, 6}
    assert march[1].period_term_minutes == 1_699_999 and not march[1].ror_ratio_trigger_met
    assert march[2].ror_ratio_trigger_met and march[2].clec_ratio_trigger_met is None
    assert march[5].ratio == 6.0 and not march[5].engaged
    assert [p["terminating_minutes"] for p in march[2].evidence["triggers"]["61.3(bbb)(1)(iii)"]["period"]] == [
        600_000, 500_000, 600_000]


def test_six_months_below_exits_and_a_month_above_restarts_the_count(warehouse):
    add_profiles(warehouse, [(1, CLEC), (2, CLEC), (3, ROR)])
    months = [f"{2025 + (5 + i) // 12}-{(5 + i) % 12 + 1:02d}" for i in range(14)]  # 2025-06 .. 2026-07
    ratio_1 = [6] + [2] * 5 + [6] + [2] * 7  # five below, one above (restart), six below
    ratio_2 = [6] + [2] * 13
    add_month(warehouse, [(1, m, r * 1_000, 1_000) for m, r in zip(months, ratio_1)]
              + [(2, m, r * 1_000, 1_000) for m, r in zip(months, ratio_2)]
              # rate-of-return: engaged by (iii), then ratio 2:1 but 600,000 terminating minutes a month
              + [(3, m, 600_000, 50_000) for m in months[:3]] + [(3, m, 600_000, 300_000) for m in months[3:]])
    got = run_months(warehouse, months[0], months[-1])
    one = [got[m][1] for m in months]
    assert [s.months_below for s in one] == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 0]  # counted while (ii) lasts
    assert [s.engaged for s in one] == [True] * 12 + [False] * 2
    assert one[12].exited and not one[13].exited and one[6].engaged_since == date(2025, 6, 1)
    assert one[5].may_exit_month == date(2025, 12, 1) and one[6].may_exit_month == date(2026, 6, 1)
    two = [got[m][2] for m in months]
    assert [s.engaged for s in two] == [True] * 6 + [False] * 8 and two[6].exited
    three = [got[m][3] for m in months]
    assert three[2].newly_engaged and all(s.engaged for s in three[2:])  # (bbb)(4): minutes >= 500,000
    assert three[-1].months_below == 0
    assert todo_keys(warehouse) == [
        "access-stim-monthly:profile:1:month:2025-06:engaged", "access-stim-monthly:profile:2:month:2025-06:engaged",
        "access-stim-monthly:profile:3:month:2025-08:engaged", "access-stim-monthly:profile:2:month:2025-12:exited",
        "access-stim-monthly:profile:1:month:2026-06:exited"]


def test_direction_tagged_columns_win_over_the_proxy(warehouse):
    add_profiles(warehouse, [(1, CLEC), (2, CLEC), (3, CLEC)])
    add_month(warehouse, [
        (1, "2026-03", 1_000, 1_000, 6_000, 1_000),  # tagged 6:1, proxy 1:1
        (2, "2026-03", 6_000, 1_000),  # proxy only
        (3, "2026-03", 1_000, 1_000, 3_000, None),  # terminating tagged, originating from the proxy
    ])
    add_month(warehouse, [(3, "2026-03", 2_000, 500)], day=20)  # a second, untagged study
    got = run(warehouse, "2026-03")
    assert (got[1].term_minutes, got[1].orig_minutes, got[1].term_source, got[1].orig_source) == (
        6_000, 1_000, "interstate", "interstate")
    assert got[1].engaged and got[1].evidence["minutes_source"] == {"terminating": "interstate",
                                                                    "originating": "interstate"}
    assert (got[2].term_source, got[2].orig_source) == ("proxy", "proxy") and got[2].engaged
    assert (got[3].term_minutes, got[3].orig_minutes) == (5_000, 1_500)
    assert (got[3].term_source, got[3].orig_source) == ("mixed", "proxy")
