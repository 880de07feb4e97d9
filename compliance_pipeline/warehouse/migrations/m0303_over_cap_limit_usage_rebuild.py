"""PostgreSQL: `SELECT over_cap_rebuild_limit_usage()` recounts over_cap_limit_usage from the
source tables, for when its triggers were bypassed (disabled, or replication without ALWAYS).
It locks completed_work and opportunity_claim_limit against writers (SHARE: reads go on) until
the caller's transaction ends, so no write can slip between the recount and the commit."""

VERSION = 303

_KEYED = "opportunity_access_id IS NOT NULL AND payment_unit_id IS NOT NULL"

_REBUILD = f"""
CREATE FUNCTION over_cap_rebuild_limit_usage() RETURNS bigint LANGUAGE plpgsql AS $body$
DECLARE
    keys bigint;
BEGIN
    LOCK TABLE completed_work, opportunity_claim_limit IN SHARE MODE;
    DELETE FROM over_cap_limit_usage;
    INSERT INTO over_cap_limit_usage (opportunity_access_id, payment_unit_id, counted_works, max_visits)
    SELECT COALESCE(w.opportunity_access_id, cl.opportunity_access_id),
           COALESCE(w.payment_unit_id, cl.payment_unit_id), COALESCE(w.n, 0), cl.max_visits
    FROM (SELECT opportunity_access_id, payment_unit_id, COUNT(*) AS n FROM completed_work
          WHERE status IN ('pending', 'approved') AND {_KEYED}
          GROUP BY opportunity_access_id, payment_unit_id) w
    FULL JOIN (SELECT opportunity_access_id, payment_unit_id, MIN(max_visits) AS max_visits
               FROM opportunity_claim_limit WHERE {_KEYED}
               GROUP BY opportunity_access_id, payment_unit_id) cl
      ON cl.opportunity_access_id = w.opportunity_access_id AND cl.payment_unit_id = w.payment_unit_id;
    GET DIAGNOSTICS keys = ROW_COUNT;
    RETURN keys;
END
$body$"""


def statements(backend: str) -> list[str]:
    return [_REBUILD] if backend == "postgresql" else []
