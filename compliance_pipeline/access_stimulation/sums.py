"""Window sums per profile: the running partial sums behind traffic_six_month_aggregates.

A day computes total[D] = total[D-1] + the day's studies and window[D] = total[D] - total[the
day before the window start]: one day of studies and two stored rows per profile, instead of
six months of studies. Everything is set-based; both backends.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from compliance_pipeline.access_stimulation import core
from compliance_pipeline.errors import InputError
from compliance_pipeline.warehouse import Connection, Warehouse

_TERM = "CAST(COALESCE(SUM(COALESCE(retail_minutes, 0)), 0) AS BIGINT)"
_ORIG = "CAST(COALESCE(SUM(COALESCE(wholesale_minutes, 0)), 0) AS BIGINT)"


def window_totals_from_studies(conn: Connection, start: datetime, end: datetime) -> list[core.ProfileTotals]:
    """Every active profile's sums over [start, end) straight from the studies: one GROUP BY.
    Used for an arbitrary instant (the CLI's "now") and as the reference in tests."""
    rows = conn.query(
        f"""
        SELECT p.id, {_TERM}, {_ORIG},
               count(s.id) FILTER (WHERE s.retail_minutes < 0 OR s.wholesale_minutes < 0)
        FROM cdr_ingestion_profiles p
        LEFT JOIN cdr_traffic_studies s
          ON s.profile_id = p.id AND s.generated_at >= ? AND s.generated_at < ?
        WHERE p.active
        GROUP BY p.id
        ORDER BY p.id""",
        (start, end),
    )
    # The assets' blocking check refuses negative minutes; this path (no partition, so no
    # check) refuses them too rather than let them shrink a ratio.
    bad = [(int(p), int(n)) for p, _, _, n in rows if n]
    if bad:
        listed = ", ".join(f"profile {p}: {n} studies" for p, n in bad[:20])
        raise InputError(f"cdr_traffic_studies has negative retail_minutes or wholesale_minutes "
                         f"in the window [{start.isoformat()}, {end.isoformat()}): {listed}")
    return [core.ProfileTotals(int(p), int(t), int(o)) for p, t, o, _ in rows]


def _profiles_without_row(conn: Connection, partition_day: date) -> list[int]:
    """Active profiles with no stored running sums at partition_day."""
    rows = conn.query(
        """
        SELECT p.id FROM cdr_ingestion_profiles p
        WHERE p.active AND NOT EXISTS (
            SELECT 1 FROM access_stim_aggregates a WHERE a.partition_day = ? AND a.profile_id = p.id)""",
        (partition_day,),
    )
    return [int(r[0]) for r in rows]


def _running_totals_cte(name: str, day: date, missing: list[int], before: datetime) -> tuple[str, list]:
    """Running totals before an instant: the stored rows of the partition ending at that instant,
    plus, only for profiles without one (first run, newly active), a sum over their studies.
    The fallback is left out when nobody needs it: DuckDB would scan every study for it."""
    sql = f"""{name} AS (
            SELECT profile_id, total_term_minutes AS term, total_orig_minutes AS orig
            FROM access_stim_aggregates WHERE partition_day = ?"""
    params: list = [day]
    if missing:
        sql += f"""
            UNION ALL
            SELECT profile_id, {_TERM}, {_ORIG}
            FROM cdr_traffic_studies WHERE profile_id = ANY(?) AND generated_at < ?
            GROUP BY profile_id"""
        params += [missing, before]
    return sql + ")", params


class PartitionRefresh(NamedTuple):
    """What replacing a partition found: its profiles, and the bad studies of its day (counted
    from the same read of the day that fed the sums; the blocking check lists them)."""

    profiles: int
    negative_studies: int  # retail or wholesale minutes below 0
    unknown_profile_studies: int  # profile_id with no cdr_ingestion_profiles row


# The day's studies per profile, read ONCE for both the sums and the bad-row counts (on
# PostgreSQL, where each profile's studies may sit together, a day's 10,000 studies are on
# 10,000 heap pages: a second read for the check was a sixth of the day's time).
_DAY_SUMS = "access_stim_day_sums"


def refresh_partition_aggregates(conn: Connection, partition_day: date) -> PartitionRefresh:
    """Replace the partition's aggregates (idempotent), inside the caller's transaction."""
    as_of = core.as_of_for_partition(partition_day)
    start = core.window_start(as_of)
    day_start = as_of - timedelta(days=1)
    prev_day = partition_day - timedelta(days=1)
    base_day = start.date() - timedelta(days=1)  # the partition whose as_of is our window start
    missing_prev = _profiles_without_row(conn, prev_day)
    missing_base = _profiles_without_row(conn, base_day)
    prev_sql, prev_params = _running_totals_cte("prev", prev_day, missing_prev, day_start)
    base_sql, base_params = _running_totals_cte("base", base_day, missing_base, start)
    # Temporary, so private to this connection; dropped below, or with the transaction on error.
    conn.execute(
        f"""
        CREATE TEMP TABLE {_DAY_SUMS} AS
        SELECT profile_id, {_TERM} AS term, {_ORIG} AS orig, count(*) AS studies,
               count(*) FILTER (WHERE retail_minutes < 0 OR wholesale_minutes < 0) AS negative_studies
        FROM cdr_traffic_studies WHERE generated_at >= ? AND generated_at < ?
        GROUP BY profile_id""",
        (day_start, as_of),
    )
    conn.execute("DELETE FROM access_stim_aggregates WHERE partition_day = ?", (partition_day,))
    conn.execute(
        f"""
        INSERT INTO access_stim_aggregates (partition_day, profile_id, as_of, window_start,
            term_minutes, orig_minutes, total_term_minutes, total_orig_minutes)
        WITH {prev_sql},
        {base_sql},
        totals AS (
            SELECT p.id AS profile_id,
                   COALESCE(prev.term, 0) + COALESCE(d.term, 0) AS term,
                   COALESCE(prev.orig, 0) + COALESCE(d.orig, 0) AS orig
            FROM cdr_ingestion_profiles p
            LEFT JOIN prev ON prev.profile_id = p.id
            LEFT JOIN {_DAY_SUMS} d ON d.profile_id = p.id
            WHERE p.active)
        SELECT CAST(? AS DATE), t.profile_id, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ),
               t.term - COALESCE(b.term, 0), t.orig - COALESCE(b.orig, 0), t.term, t.orig
        FROM totals t LEFT JOIN base b ON b.profile_id = t.profile_id""",
        [*prev_params, *base_params, partition_day, as_of, start],
    )
    profiles = conn.rowcount
    negative, unknown = conn.execute(
        f"""
        SELECT CAST(COALESCE(SUM(d.negative_studies), 0) AS BIGINT),
               CAST(COALESCE(SUM(CASE WHEN p.id IS NULL THEN d.studies ELSE 0 END), 0) AS BIGINT)
        FROM {_DAY_SUMS} d LEFT JOIN cdr_ingestion_profiles p ON p.id = d.profile_id""",
    ).fetchone()
    conn.execute(f"DROP TABLE {_DAY_SUMS}")
    return PartitionRefresh(profiles, int(negative), int(unknown))


def materialize_partition(warehouse: Warehouse, partition_day: date) -> dict:
    """What the traffic_six_month_aggregates asset does: replace the partition's rows and
    summarise them (in SQL: the asset's metadata needs a few numbers, not 10,000 rows)."""
    with warehouse.transaction() as conn:
        refresh = refresh_partition_aggregates(conn, partition_day)
        without_orig, term, orig, max_ratio, negative_sums = conn.execute(
            """
            SELECT count(*) FILTER (WHERE orig_minutes <= 0),
                   CAST(COALESCE(SUM(term_minutes), 0) AS BIGINT), CAST(COALESCE(SUM(orig_minutes), 0) AS BIGINT),
                   max(CAST(term_minutes AS DOUBLE PRECISION) / orig_minutes) FILTER (WHERE orig_minutes > 0),
                   count(*) FILTER (WHERE term_minutes < 0 OR orig_minutes < 0)
            FROM access_stim_aggregates WHERE partition_day = ?""",
            (partition_day,),
        ).fetchone()
    return {"profiles": refresh.profiles, "profiles_without_orig_traffic": int(without_orig),
            "term_minutes": int(term), "orig_minutes": int(orig),
            "max_ratio": round(max_ratio, 3) if max_ratio is not None else 0.0,
            "negative_minutes": refresh.negative_studies,
            "unknown_profile": refresh.unknown_profile_studies,
            "negative_window_sums": int(negative_sums)}


def partition_totals(conn: Connection, partition_day: date) -> list[tuple[int, int, int]]:
    """(profile_id, term_minutes, orig_minutes) per profile of the partition: plain tuples, as
    core.evaluate_many takes them (BIGINT columns: already ints)."""
    return conn.query(
        "SELECT profile_id, term_minutes, orig_minutes FROM access_stim_aggregates"
        " WHERE partition_day = ? ORDER BY profile_id",
        (partition_day,),
    )


def partition_is_stored(conn: Connection, partition_day: date) -> bool:
    """Whether traffic_six_month_aggregates has materialized this day (one index probe)."""
    return conn.scalar("SELECT 1 FROM access_stim_aggregates WHERE partition_day = ? LIMIT 1",
                       (partition_day,)) is not None


def has_active_profiles(conn: Connection) -> bool:
    return conn.scalar("SELECT count(*) FROM cdr_ingestion_profiles WHERE active") > 0


def month_breakdown(conn: Connection, profile_ids: list[int], start: datetime,
                    end: datetime) -> dict[int, list[core.MonthMinutes]]:
    """Per calendar month minutes of the few flagged profiles, from the studies (index on
    (profile_id, generated_at)). Works for any instant; see month_breakdown_from_totals."""
    if not profile_ids:
        return {}
    rows = conn.query(
        f"""
        SELECT profile_id, CAST(date_trunc('month', generated_at) AS DATE) AS month, {_TERM}, {_ORIG}
        FROM cdr_traffic_studies
        WHERE profile_id = ANY(?) AND generated_at >= ? AND generated_at < ?
        GROUP BY profile_id, month""",
        (profile_ids, start, end),
    )
    found = {(int(p), f"{m.year:04d}-{m.month:02d}"): (int(t), int(o)) for p, m, t, o in rows}
    labels = [label for label, _, _ in core.month_segments(start, end)]
    return {pid: [core.MonthMinutes(label, *found.get((pid, label), (0, 0))) for label in labels]
            for pid in profile_ids}


def month_breakdown_from_totals(conn: Connection, profile_ids: list[int],
                                partition_day: date) -> dict[int, list[core.MonthMinutes]]:
    """The same months as differences of stored running sums at the month boundaries (the
    partitions ending on each 1st), ~8 rows per profile; profiles missing a boundary row
    (partitions not materialized yet) fall back to the studies."""
    as_of = core.as_of_for_partition(partition_day)
    segments = core.month_segments(core.window_start(as_of), as_of)
    boundaries = [seg_start for _, seg_start, _ in segments] + [as_of]
    days = [b.date() - timedelta(days=1) for b in boundaries]  # partition whose as_of is b
    rows = conn.query(
        "SELECT partition_day, profile_id, total_term_minutes, total_orig_minutes FROM access_stim_aggregates"
        " WHERE partition_day = ANY(?) AND profile_id = ANY(?)",
        (days, profile_ids),
    ) if profile_ids else []
    totals = {(d, int(p)): (int(t), int(o)) for d, p, t, o in rows}
    result: dict[int, list[core.MonthMinutes]] = {}
    missing = []
    for pid in profile_ids:
        points = [totals.get((d, pid)) for d in days]
        if None in points:
            missing.append(pid)
            continue
        result[pid] = [core.MonthMinutes(label, b[0] - a[0], b[1] - a[1])
                       for (label, _, _), a, b in zip(segments, points, points[1:])]
    result.update(month_breakdown(conn, missing, boundaries[0], as_of))
    return result
