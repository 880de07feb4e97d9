"""PostgreSQL's over_cap_limit_usage (migration 302) against the source tables it summarises.

The plan trusts each key's counted_works and max_visits to pick the tail of counted works, so a
count left wrong by a write that bypassed the triggers would not just miss work: a count too high
would flip works that are within the cap. Before every plan the counts are compared with a fresh
GROUP BY (one index-only pass over the counted works) and a plan on wrong counts is refused."""

from __future__ import annotations

from compliance_pipeline.errors import InputError
from compliance_pipeline.over_cap import core
from compliance_pipeline.warehouse import Connection

_COUNTED = "(" + ", ".join(f"'{s}'" for s in core.COUNTED_STATUSES) + ")"  # constants, not input

# Keys whose stored count or max_visits differ from the source tables; {scope} limits each side
# to one opportunity's accesses (alias a). A key with no works, no limit and a zero count agrees.
_DISAGREEING_KEYS = f"""
SELECT COUNT(*) FROM (
    SELECT cw.opportunity_access_id AS access_id, cw.payment_unit_id AS unit_id, COUNT(*) AS counted
    FROM completed_work cw JOIN opportunity_access a ON a.id = cw.opportunity_access_id
    WHERE cw.status IN {_COUNTED} AND cw.payment_unit_id IS NOT NULL {{scope}}
    GROUP BY 1, 2) works
FULL JOIN (
    SELECT cl.opportunity_access_id AS access_id, cl.payment_unit_id AS unit_id, MIN(cl.max_visits) AS max_visits
    FROM opportunity_claim_limit cl JOIN opportunity_access a ON a.id = cl.opportunity_access_id
    WHERE cl.payment_unit_id IS NOT NULL {{scope}}
    GROUP BY 1, 2) limits USING (access_id, unit_id)
FULL JOIN (
    SELECT u.opportunity_access_id AS access_id, u.payment_unit_id AS unit_id, u.counted_works, u.max_visits
    FROM over_cap_limit_usage u JOIN opportunity_access a ON a.id = u.opportunity_access_id
    WHERE TRUE {{scope}}) usage USING (access_id, unit_id)
WHERE COALESCE(works.counted, 0) <> COALESCE(usage.counted_works, 0)
   OR limits.max_visits IS DISTINCT FROM usage.max_visits
"""


def check_limit_usage(conn: Connection, scope: str, params: list) -> None:
    """Refuse a plan on counts the triggers did not keep (PostgreSQL; DuckDB keeps none)."""
    sql = conn.per_backend(postgresql=_DISAGREEING_KEYS, duckdb=None)
    if sql is None:
        return
    wrong = conn.scalar(sql.format(scope=scope), params * 3)
    if wrong:
        raise InputError(
            f"over_cap_limit_usage disagrees with completed_work / opportunity_claim_limit for {wrong} "
            "(access, payment_unit) pairs: a write bypassed its triggers. Recount with "
            "`SELECT over_cap_rebuild_limit_usage();` (see the over_cap README), then plan again")
