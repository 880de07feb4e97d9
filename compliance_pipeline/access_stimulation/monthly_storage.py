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


def stored_months(conn: Connection, months: list[date]) -> dict[date, dict[int, tuple]]:
    """Stored (carried state, traffic) per month and profile, for the months a month needs."""
    rows = conn.query(
        f"""SELECT month, profile_id, state, basis_agreement, basis_ratio, months_below, engaged_since,
                   term_minutes, orig_minutes, term_source, orig_source
            FROM {STATUS_TABLE} WHERE month = ANY(?)""",
        (months,),
    )
    found: dict[date, dict[int, tuple]] = {m: {} for m in months}
    for month, pid, state, b_agree, b_ratio, below, since, term, orig, t_src, o_src in rows:
        found[month][int(pid)] = (core.Carried(state == core.ENGAGED, bool(b_agree), bool(b_ratio), int(below), since),
                                  core.Traffic(int(term), int(orig), t_src, o_src))
    return found


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

