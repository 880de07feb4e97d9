"""The SQL of the monthly determination: month sums, agreements, stored statuses (both backends).

A month's minutes per profile come from one GROUP BY over that month's studies; each study
counts its direction-tagged interstate column when present and the retail/wholesale proxy
otherwise (COALESCE), and the counts of tagged studies say which source a month used. The
previous months a month needs (the month before, for the carried state; two months before
and a year before, for the rate-of-return period and growth) come from stored statuses; a
profile without them (first month, newly active, a gap) has its studies summed instead.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, time, timezone

from compliance_pipeline.access_stimulation import monthly_core as core
from compliance_pipeline.errors import InputError
from compliance_pipeline.warehouse import Connection
from compliance_pipeline.warehouse.locks import advisory_xact_lock

STATUS_TABLE = "access_stim_monthly_status"
STATUS_COLUMNS = tuple(f for f in core.MonthStatus._fields if f != "evidence") + ("evidence_json",)

_TERM = "COALESCE(interstate_terminating_minutes, retail_minutes)"
_ORIG = "COALESCE(interstate_originating_minutes, wholesale_minutes)"



def _source(tagged: str) -> str:
    """Which minutes a month used for one direction, from the count of tagged studies."""
    return (f"CASE WHEN count({tagged}) = 0 THEN '{core.PROXY}' WHEN count({tagged}) = count(*)"
            f" THEN '{core.INTERSTATE}' ELSE '{core.MIXED}' END")


_SUMS = f"""CAST(COALESCE(SUM({_TERM}), 0) AS BIGINT), CAST(COALESCE(SUM({_ORIG}), 0) AS BIGINT),
           {_source("interstate_terminating_minutes")}, {_source("interstate_originating_minutes")},
           count(*) FILTER (WHERE {_TERM} < 0 OR {_ORIG} < 0)"""


def _instant(month: date) -> datetime:
    return datetime.combine(month, time(0), tzinfo=timezone.utc)


def active_profiles(conn: Connection) -> list[tuple[int, str]]:
    return [(int(p), str(c)) for p, c in conn.query(
        "SELECT id, carrier_class FROM cdr_ingestion_profiles WHERE active ORDER BY id")]


def _traffic_rows(rows: list[tuple], label: str) -> dict:
    """{key: Traffic} from (key..., term, orig, term_source, orig_source, negative) rows; negative
    minutes are refused, naming the profiles (they would shrink a ratio silently)."""
    bad = [f"profile {row[0]}: {row[-1]} studies" for row in rows if row[-1]]
    if bad:
        raise InputError(f"cdr_traffic_studies has negative minutes in {label}: {', '.join(bad[:20])}")
    new, make = tuple.__new__, core.Traffic
    if rows and len(rows[0]) == 6:
        return {row[0]: new(make, row[1:5]) for row in rows}
    return {(row[0], row[1]): new(make, row[2:6]) for row in rows}


def month_traffic(conn: Connection, month: date, profile_ids: list[int] | None = None) -> dict[int, core.Traffic]:
    """{profile_id: Traffic} for one calendar month: one GROUP BY over the month's studies."""
    sql = f"SELECT profile_id, {_SUMS} FROM cdr_traffic_studies WHERE generated_at >= ? AND generated_at < ?"
    params: list = [_instant(month), _instant(core.add_months(month, 1))]
    if profile_ids is not None:
        sql += " AND profile_id = ANY(?)"
        params.append(profile_ids)
    rows = conn.query(sql + " GROUP BY profile_id", params)
    return _traffic_rows(rows, core.month_label(month))


def history_traffic(conn: Connection, before: date, profile_ids: list[int] | None) -> dict[int, dict[date, core.Traffic]]:
    """Every month's traffic before `before` per profile (None = every profile): GROUP BY profile, month."""
    sql = (f"SELECT profile_id, CAST(date_trunc('month', generated_at) AS DATE) AS month, {_SUMS}"
           " FROM cdr_traffic_studies WHERE generated_at < ?")
    params: list = [_instant(before)]
    if profile_ids is not None:
        sql += " AND profile_id = ANY(?)"
        params.append(profile_ids)
    rows = conn.query(sql + " GROUP BY profile_id, month", params)
    history: dict[int, dict[date, core.Traffic]] = defaultdict(dict)
    for (profile_id, month), traffic in _traffic_rows(rows, f"the months before {core.month_label(before)}").items():
        history[profile_id][month] = traffic
    return history


def agreements(conn: Connection, profile_ids: list[int] | None = None) -> dict[int, list[core.Agreement]]:
    sql = "SELECT profile_id, counterparty, starts_on, ends_on FROM access_revenue_sharing_agreements"
    params: list = []
    if profile_ids is not None:
        sql += " WHERE profile_id = ANY(?)"
        params.append(profile_ids)
    found: dict[int, list[core.Agreement]] = defaultdict(list)
    for profile_id, counterparty, starts_on, ends_on in conn.query(sql + " ORDER BY profile_id, starts_on", params):
        found[int(profile_id)].append(core.Agreement(counterparty, starts_on, ends_on))
    return found


def stored_months(conn: Connection, months: list[date],
                  state_month: date) -> tuple[dict[date, dict[int, core.Traffic]], dict[int, core.Carried]]:
    """Stored traffic per month and profile for the months a month needs, and the state
    `state_month` (the month before) carries on. Built without per-field conversions: both
    drivers already give ints, bools and dates."""
    rows = conn.query(
        f"""SELECT month, profile_id, term_minutes, orig_minutes, term_source, orig_source,
                   state = ?, basis_agreement, basis_ratio, months_below, engaged_since
            FROM {STATUS_TABLE} WHERE month = ANY(?)""",
        (core.ENGAGED, months),
    )
    new, make_traffic, make_carried = tuple.__new__, core.Traffic, core.Carried
    traffic: dict[date, dict[int, core.Traffic]] = {m: {} for m in months}
    carried: dict[int, core.Carried] = {}
    for row in rows:
        traffic[row[0]][row[1]] = new(make_traffic, row[2:6])
        if row[0] == state_month:
            carried[row[1]] = new(make_carried, row[6:11])
    return traffic, carried


def lock_month(conn: Connection, month: date) -> None:
    """Serialise writers of one month (PostgreSQL; DuckDB has one writing process per file):
    the second waits, then re-reads and rewrites the same rows, and finds its ToDos queued."""
    advisory_xact_lock(conn, f"access_stim_monthly_status:{core.month_label(month)}")


def replace_month(conn: Connection, month: date, statuses: list[core.MonthStatus]) -> int:
    """The month's rows replaced (a rerun writes the same rows again)."""
    conn.execute(f"DELETE FROM {STATUS_TABLE} WHERE month = ?", (month,))
    rows = (s[:-1] + (json.dumps(s.evidence, sort_keys=True) if s.evidence is not None else None,)
            for s in statuses)
    return conn.insert_rows(STATUS_TABLE, STATUS_COLUMNS, rows)


def read_month(conn: Connection, month: date) -> list[core.MonthStatus]:
    """The stored statuses of a month, as the pass that wrote them returned them."""
    rows = conn.query(f"SELECT {', '.join(STATUS_COLUMNS)} FROM {STATUS_TABLE} WHERE month = ? ORDER BY profile_id",
                      (month,))
    return [core.MonthStatus(*row[:-1], json.loads(row[-1]) if row[-1] is not None else None) for row in rows]



def _at_least(term: str, orig: str, ratio_param: str) -> str:
    """term/orig >= n/d exactly (n, d bound); terminating minutes without originating: unbounded."""
    n, d = f"{ratio_param}_n", f"{ratio_param}_d"
    return f"(({orig} > 0 AND {term} * {d} >= {n} * {orig}) OR ({orig} <= 0 AND {term} > 0))"


def replayed_state(conn: Connection, month: date, profile_ids: list[int] | None,
                   settings: core.MonthlySettings) -> dict[int, core.Carried]:
    """What each profile carries into `month` when no status is stored: every month from the first
    month of data to the month before, decided in SQL with window functions, exactly as
    monthly_core.decide carries the state month by month (the property tests hold them equal).

    Per profile and month: the triggers (as monthly_core._assess); the ratio basis lasts from its
    latest trigger while no run of `exit_consecutive_months` below has completed since (months
    below counted from that trigger); the agreement basis lasts from its latest trigger while an
    agreement was in force every month since; engaged since = the latest month it became engaged."""
    first = conn.scalar("SELECT min(generated_at) FROM cdr_traffic_studies WHERE generated_at < ?"
                        + (" AND profile_id = ANY(?)" if profile_ids is not None else ""),
                        [_instant(month)] + ([profile_ids] if profile_ids is not None else []))
    starts = conn.scalar("SELECT min(starts_on) FROM access_revenue_sharing_agreements"
                         + (" WHERE profile_id = ANY(?)" if profile_ids is not None else ""),
                         [profile_ids] if profile_ids is not None else [])
    candidates = [d.replace(day=1) for d in (first.date() if first is not None else None, starts) if d is not None]
    start = min(candidates, default=month)
    if start >= month:
        return {}
    count = len(core.months_between(start, core.add_months(month, -1)))
    limits = core.thresholds(settings)
    only = " AND profile_id = ANY(?)" if profile_ids is not None else ""
    only_p = " AND p.id = ANY(?)" if profile_ids is not None else ""
    ids = [profile_ids] if profile_ids is not None else []
    rows = conn.query(
        f"""
        WITH traffic AS (
            SELECT profile_id, CAST(date_trunc('month', generated_at) AS DATE) AS month,
                   SUM({_TERM}) AS term, SUM({_ORIG}) AS orig,
                   count(*) FILTER (WHERE {_TERM} < 0 OR {_ORIG} < 0) AS negative
            FROM cdr_traffic_studies WHERE generated_at >= ? AND generated_at < ?{only}
            GROUP BY profile_id, month),
        grid AS (
            SELECT p.id AS profile_id, p.carrier_class = 'clec' AS clec, g.i AS idx,
                   CAST(CAST(? AS DATE) + CAST(g.i AS INTEGER) * INTERVAL '1 month' AS DATE) AS month
            FROM cdr_ingestion_profiles p, generate_series(0, ?) AS g(i)
            WHERE p.active{only_p}),
        agreed AS (
            SELECT DISTINCT g.profile_id, g.idx FROM grid g
            JOIN access_revenue_sharing_agreements a ON a.profile_id = g.profile_id
             AND a.starts_on < CAST(g.month + INTERVAL '1 month' AS DATE)
             AND (a.ends_on IS NULL OR a.ends_on >= g.month)),
        base AS (
            SELECT g.profile_id, g.clec, g.idx, g.month, COALESCE(t.term, 0) AS term, COALESCE(t.orig, 0) AS orig,
                   a.idx IS NOT NULL AS agreement,
                   COALESCE(lag(t.term, 12) OVER w, 0) AS year_term, COALESCE(lag(t.orig, 12) OVER w, 0) AS year_orig,
                   SUM(COALESCE(t.term, 0)) OVER w3 AS p_term, SUM(COALESCE(t.orig, 0)) OVER w3 AS p_orig,
                   MIN(COALESCE(t.term, 0)) OVER w3 AS p_min, count(*) OVER w3 AS p_months
            FROM grid g LEFT JOIN traffic t ON t.profile_id = g.profile_id AND t.month = g.month
            LEFT JOIN agreed a ON a.profile_id = g.profile_id AND a.idx = g.idx
            WINDOW w AS (PARTITION BY g.profile_id ORDER BY g.idx),
                   w3 AS (PARTITION BY g.profile_id ORDER BY g.idx ROWS 2 PRECEDING)),
        flags AS (
            SELECT profile_id, idx, month, agreement,
                   agreement AND ({_at_least('term', 'orig', 'agreement')}
                       OR (year_term > 0 AND 100 * growth_d * term > year_term * (100 * growth_d + growth_n))
                       OR (year_orig > 0 AND 100 * growth_d * orig > year_orig * (100 * growth_d + growth_n)))
                       AS agreement_trigger,
                   CASE WHEN clec THEN {_at_least('term', 'orig', 'clec')}
                        ELSE p_months = 3 AND p_min >= minimum AND {_at_least('p_term', 'p_orig', 'ror')} END
                       AS ratio_trigger,
                   CASE WHEN clec THEN NOT {_at_least('term', 'orig', 'clec')}
                        ELSE NOT {_at_least('term', 'orig', 'ror')} AND term < minimum END AS below
            FROM base, (SELECT CAST(? AS BIGINT) AS agreement_n, CAST(? AS BIGINT) AS agreement_d,
                               CAST(? AS BIGINT) AS growth_n, CAST(? AS BIGINT) AS growth_d,
                               CAST(? AS BIGINT) AS clec_n, CAST(? AS BIGINT) AS clec_d,
                               CAST(? AS BIGINT) AS ror_n, CAST(? AS BIGINT) AS ror_d,
                               CAST(? AS BIGINT) AS minimum) k),
        runs AS (
            SELECT *, SUM(CASE WHEN ratio_trigger THEN 1 ELSE 0 END) OVER w AS ratio_run,
                   MAX(CASE WHEN agreement_trigger THEN idx END) OVER w AS last_agreement_trigger,
                   MAX(CASE WHEN NOT agreement THEN idx END) OVER w AS last_without_agreement
            FROM flags WINDOW w AS (PARTITION BY profile_id ORDER BY idx ROWS UNBOUNDED PRECEDING)),
        below AS (
            SELECT *, idx - MAX(CASE WHEN NOT below THEN idx END) OVER r AS run_below
            FROM runs WINDOW r AS (PARTITION BY profile_id, ratio_run ORDER BY idx ROWS UNBOUNDED PRECEDING)),
        bases AS (
            SELECT *, ratio_run > 0 AND MAX(run_below) OVER r < CAST(? AS INTEGER) AS basis_ratio,
                   ratio_run > 0 AND COALESCE(MAX(run_below) OVER r1, 0) < CAST(? AS INTEGER) AS counting,
                   last_agreement_trigger IS NOT NULL
                       AND COALESCE(last_without_agreement < last_agreement_trigger, TRUE) AS basis_agreement
            FROM below WINDOW r AS (PARTITION BY profile_id, ratio_run ORDER BY idx ROWS UNBOUNDED PRECEDING),
                              r1 AS (PARTITION BY profile_id, ratio_run ORDER BY idx
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
        engaged AS (
            SELECT *, basis_agreement OR basis_ratio AS engaged FROM bases),
        spells AS (
            SELECT *, MAX(CASE WHEN engaged AND NOT prev_engaged THEN month END) OVER w AS since
            FROM (SELECT *, lag(engaged, 1, FALSE) OVER w AS prev_engaged FROM engaged
                  WINDOW w AS (PARTITION BY profile_id ORDER BY idx)) e
            WINDOW w AS (PARTITION BY profile_id ORDER BY idx ROWS UNBOUNDED PRECEDING))
        SELECT profile_id, engaged, basis_agreement, basis_ratio,
               CASE WHEN counting THEN run_below ELSE 0 END, CASE WHEN engaged THEN since END,
               (SELECT COALESCE(SUM(negative), 0) FROM traffic)
        FROM spells WHERE idx = ?""",
        [_instant(start), _instant(month), *ids, start, count - 1, *ids,
         limits.agreement.numerator, limits.agreement.denominator, limits.growth.numerator,
         limits.growth.denominator, limits.clec.numerator, limits.clec.denominator, limits.ror.numerator,
         limits.ror.denominator, settings.rate_of_return_min_terminating_minutes,
         settings.exit_consecutive_months, settings.exit_consecutive_months, count - 1],
    )
    if rows and rows[0][-1]:
        raise InputError(f"cdr_traffic_studies has negative minutes in {rows[0][-1]} studies before "
                         f"{core.month_label(month)}")
    return {pid: core.Carried(bool(engaged), bool(b_agree), bool(b_ratio), int(below), since)
            for pid, engaged, b_agree, b_ratio, below, since, _ in rows}
