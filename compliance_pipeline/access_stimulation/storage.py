"""The SQL of the flags: history, stamps, cooldown look-ups, data checks (set-based, both backends)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from compliance_pipeline.access_stimulation import core
from compliance_pipeline.warehouse import Connection


def last_flagged(conn: Connection, as_of: datetime, cooldown_days: int) -> dict[int, datetime]:
    """Per profile, the flag that decides its cooldown at as_of: the latest flag before as_of
    (the profile's stamp, the original script's source, or an earlier evaluation's flag, so re-running an
    old partition sees the flags before it), or else a flag less than cooldown_days AFTER as_of.
    Days evaluated out of order (a backfill, two calls at once) thus still give one flag per
    profile per cooldown. A flag at as_of itself is this day's own (a re-run replaces it)."""
    since = as_of - timedelta(days=cooldown_days + 1)
    until = as_of + timedelta(days=cooldown_days)
    # One row per profile (max/min in SQL), as naive UTC timestamps given their zone here:
    # DuckDB would attach a pytz zone to every value, which tripled the look-up's time.
    rows = conn.query(
        """
        SELECT profile_id, timezone('UTC', max(flagged_at) FILTER (WHERE flagged_at < ?)),
               timezone('UTC', min(flagged_at) FILTER (WHERE flagged_at > ?)) FROM (
            SELECT id AS profile_id, access_stim_flagged_at AS flagged_at FROM cdr_ingestion_profiles
            WHERE active AND access_stim_flagged_at < ? AND access_stim_flagged_at <> ?
            UNION ALL
            SELECT profile_id, as_of FROM access_stim_evaluations
            WHERE as_of >= ? AND as_of < ? AND as_of <> ? AND reason = ?) flags
        GROUP BY profile_id""",
        (as_of, as_of, until, as_of, since, until, as_of, core.FLAGGED),
    )
    decisive = {}
    for profile_id, before, after in rows:
        before_in_cooldown = before is not None and (as_of.replace(tzinfo=None) - before).days < cooldown_days
        flag = after if after is not None and not before_in_cooldown else before
        decisive[int(profile_id)] = flag.replace(tzinfo=timezone.utc)
    return decisive


def replace_evaluations(conn: Connection, as_of: datetime, threshold: float, cooldown_days: int,
                        evaluations: Iterable[core.Evaluation], evidences: dict[int, dict]) -> int:
    """History: one row per profile per as_of; re-running the same as_of replaces its rows.

    Written column-wise with the types known up front (no inference)."""
    conn.execute("DELETE FROM access_stim_evaluations WHERE as_of = ?", (as_of,))
    evaluations = list(evaluations)
    if not evaluations:
        return 0
    column = dict(zip(core.Evaluation._fields, zip(*evaluations)))  # the NamedTuples transposed
    evidence_json = [None if (payload := evidences.get(pid)) is None else json.dumps(payload, sort_keys=True)
                     for pid in column["profile_id"]]
    n = len(evaluations)
    return conn.insert_columns("access_stim_evaluations", {
        "profile_id": column["profile_id"], "as_of": [as_of] * n, "reason": column["reason"],
        "ratio": column["ratio"], "term_minutes": column["term_minutes"], "orig_minutes": column["orig_minutes"],
        "threshold": [float(threshold)] * n, "cooldown_days": [int(cooldown_days)] * n,
        "last_flagged_at": column["last_flagged_at"], "evidence_json": evidence_json,
    }, _EVALUATION_KINDS)


# tables.EVALUATIONS' column types (not imported: it brings Dagster; a test keeps them equal).
_EVALUATION_KINDS = {
    "profile_id": "bigint", "as_of": "timestamptz", "reason": "text", "ratio": "double",
    "term_minutes": "bigint", "orig_minutes": "bigint", "threshold": "double", "cooldown_days": "integer",
    "last_flagged_at": "timestamptz", "evidence_json": "text",
}


def stamp_flagged_profiles(conn: Connection, as_of: datetime) -> int:
    """The original script's stamp, set-based from the history rows just written. A stamp only moves
    forward, so re-running this or an older as_of never stamps twice or backwards."""
    conn.execute(
        """
        UPDATE cdr_ingestion_profiles
        SET access_stim_flagged_at = e.as_of, access_stim_evidence_json = e.evidence_json
        FROM access_stim_evaluations e
        WHERE e.profile_id = cdr_ingestion_profiles.id AND e.as_of = ? AND e.reason = ?
          AND (cdr_ingestion_profiles.access_stim_flagged_at IS NULL
               OR cdr_ingestion_profiles.access_stim_flagged_at < e.as_of)""",
        (as_of, core.FLAGGED),
    )
    return conn.rowcount


def bad_study_rows(conn: Connection, partition_day: date, limit: int = 50) -> dict[str, list[dict]]:
    """Rows of the partition's day that make its sums meaningless: negative minutes, or a
    profile_id with no profile (each kind capped at `limit`), and negative window sums.
    The blocking check calls this only when the aggregates step counted bad rows, to name
    them; the day's studies are read once for both kinds."""
    as_of = core.as_of_for_partition(partition_day)
    day_start = as_of - timedelta(days=1)
    rows = conn.query(
        """
        WITH bad AS MATERIALIZED (
            SELECT s.id, s.profile_id, s.generated_at, s.retail_minutes, s.wholesale_minutes,
                   COALESCE(s.retail_minutes < 0 OR s.wholesale_minutes < 0, FALSE) AS negative,
                   p.id IS NULL AS orphan
            FROM cdr_traffic_studies s LEFT JOIN cdr_ingestion_profiles p ON p.id = s.profile_id
            WHERE s.generated_at >= ? AND s.generated_at < ?
              AND (s.retail_minutes < 0 OR s.wholesale_minutes < 0 OR p.id IS NULL))
        (SELECT 'negative_minutes' AS kind, id, profile_id, generated_at, retail_minutes, wholesale_minutes
         FROM bad WHERE negative ORDER BY id LIMIT ?)
        UNION ALL
        (SELECT 'unknown_profile', id, profile_id, generated_at, retail_minutes, wholesale_minutes
         FROM bad WHERE orphan ORDER BY id LIMIT ?)""",
        (day_start, as_of, limit, limit),
    )
    found: dict[str, list[dict]] = {"negative_minutes": [], "unknown_profile": []}
    for kind, study_id, profile_id, generated_at, retail, wholesale in sorted(rows, key=lambda r: (r[0], r[1])):
        row = {"id": study_id, "profile_id": profile_id, "generated_at": generated_at}
        if kind == "negative_minutes":
            row.update(retail_minutes=retail, wholesale_minutes=wholesale)
        found[kind].append(row)
    negative_windows = conn.query_dicts(
        """
        SELECT profile_id, term_minutes, orig_minutes FROM access_stim_aggregates
        WHERE partition_day = ? AND (term_minutes < 0 OR orig_minutes < 0)
        ORDER BY profile_id LIMIT ?""",
        (partition_day, limit),
    )
    return {**found, "negative_window_sums": negative_windows}
