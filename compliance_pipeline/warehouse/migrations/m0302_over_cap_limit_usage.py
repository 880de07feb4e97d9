"""PostgreSQL: `over_cap_limit_usage`, per (access, payment unit) the number of counted
(pending/approved) completed works and the claim limit's max_visits, kept current by triggers on
completed_work and opportunity_claim_limit. The plan reads only the keys over their cap from it
instead of walking every claim limit's works: a limit under its cap costs nothing.

Statement-level triggers with transition tables: a bulk write aggregates its rows per key and
upserts each key once, in key order (concurrent statements lock the same keys in the same
order). Counts move by deltas (`n = n + d` on the locked row, so concurrent writers add up);
max_visits is recomputed from the claim limits after the key's row is locked, by a later
statement with a fresh snapshot, so the last writer sees every committed claim limit (MIN of
them: duplicates are refused by the plan's validation anyway). Keys with a NULL part are not
counted (no claim limit can match them). A partial index holds the keys over their cap (m0304
replaces it by an index on counted_works - max_visits). ENABLE ALWAYS: the triggers also fire where the source
tables are filled by logical replication. DuckDB (no triggers): nothing; its plan counts as it
goes. Backfilled inside the migration's transaction, which holds off writers until it commits."""

VERSION = 302

_COUNTED = "status IN ('pending', 'approved') AND opportunity_access_id IS NOT NULL AND payment_unit_id IS NOT NULL"
_KEYED = "opportunity_access_id IS NOT NULL AND payment_unit_id IS NOT NULL"
_UPSERT_COUNTS = """
        INSERT INTO over_cap_limit_usage AS u (opportunity_access_id, payment_unit_id, counted_works)
        SELECT opportunity_access_id, payment_unit_id, SUM(delta) FROM ({rows}) d
        GROUP BY opportunity_access_id, payment_unit_id HAVING SUM(delta) <> 0
        ORDER BY opportunity_access_id, payment_unit_id
        ON CONFLICT (opportunity_access_id, payment_unit_id)
        DO UPDATE SET counted_works = u.counted_works + EXCLUDED.counted_works;"""
_NEW = f"SELECT opportunity_access_id, payment_unit_id, 1 AS delta FROM new_rows WHERE {_COUNTED}"
_OLD = f"SELECT opportunity_access_id, payment_unit_id, -1 AS delta FROM old_rows WHERE {_COUNTED}"

_COUNT_WORKS = f"""
CREATE FUNCTION over_cap_count_works() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE over_cap_limit_usage SET counted_works = 0 WHERE counted_works <> 0;
    ELSIF TG_OP = 'INSERT' THEN{_UPSERT_COUNTS.format(rows=_NEW)}
    ELSIF TG_OP = 'DELETE' THEN{_UPSERT_COUNTS.format(rows=_OLD)}
    ELSE{_UPSERT_COUNTS.format(rows=_NEW + " UNION ALL " + _OLD)}
    END IF;
    RETURN NULL;
END
$body$"""

_LOCK_KEYS = """
        INSERT INTO over_cap_limit_usage AS u (opportunity_access_id, payment_unit_id, counted_works)
        SELECT DISTINCT opportunity_access_id, payment_unit_id, 0 FROM ({rows}) k
        ORDER BY opportunity_access_id, payment_unit_id
        ON CONFLICT (opportunity_access_id, payment_unit_id) DO UPDATE SET max_visits = u.max_visits;
        UPDATE over_cap_limit_usage u
        SET max_visits = (SELECT MIN(cl.max_visits) FROM opportunity_claim_limit cl
                          WHERE cl.opportunity_access_id = u.opportunity_access_id
                            AND cl.payment_unit_id = u.payment_unit_id)
        FROM (SELECT DISTINCT opportunity_access_id, payment_unit_id FROM ({rows}) k2) k
        WHERE u.opportunity_access_id = k.opportunity_access_id AND u.payment_unit_id = k.payment_unit_id;"""
_NEW_KEYS = f"SELECT opportunity_access_id, payment_unit_id FROM new_rows WHERE {_KEYED}"
_OLD_KEYS = f"SELECT opportunity_access_id, payment_unit_id FROM old_rows WHERE {_KEYED}"

# The key rows are locked first (INSERT ... ON CONFLICT DO UPDATE waits for any other writer of
# the key), then max_visits is recomputed by the next statement, whose snapshot includes every
# claim limit committed by those writers.
_TRACK_LIMITS = f"""
CREATE FUNCTION over_cap_track_limits() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE over_cap_limit_usage SET max_visits = NULL WHERE max_visits IS NOT NULL;
    ELSIF TG_OP = 'INSERT' THEN{_LOCK_KEYS.format(rows=_NEW_KEYS)}
    ELSIF TG_OP = 'DELETE' THEN{_LOCK_KEYS.format(rows=_OLD_KEYS)}
    ELSE{_LOCK_KEYS.format(rows=_NEW_KEYS + " UNION ALL " + _OLD_KEYS)}
    END IF;
    RETURN NULL;
END
$body$"""


def _triggers(table: str, function: str) -> list[str]:
    name = f"{table}_over_cap_usage"
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ] + [f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}_{op}" for op in ("insert", "update", "delete", "truncate")]


def statements(backend: str) -> list[str]:
    if backend != "postgresql":
        return []
    return [
        """
        CREATE TABLE over_cap_limit_usage (
            opportunity_access_id BIGINT NOT NULL,
            payment_unit_id BIGINT NOT NULL,
            counted_works BIGINT NOT NULL,
            max_visits INTEGER,
            PRIMARY KEY (opportunity_access_id, payment_unit_id)
        )""",
        # The keys over their cap: what the plan reads (index-only), however many keys exist.
        "CREATE INDEX over_cap_limit_usage_over ON over_cap_limit_usage (opportunity_access_id, payment_unit_id)"
        " INCLUDE (counted_works, max_visits) WHERE counted_works > max_visits",
        _COUNT_WORKS,
        _TRACK_LIMITS,
        *_triggers("completed_work", "over_cap_count_works"),
        *_triggers("opportunity_claim_limit", "over_cap_track_limits"),
        f"""
        INSERT INTO over_cap_limit_usage (opportunity_access_id, payment_unit_id, counted_works, max_visits)
        SELECT COALESCE(w.opportunity_access_id, cl.opportunity_access_id),
               COALESCE(w.payment_unit_id, cl.payment_unit_id), COALESCE(w.n, 0), cl.max_visits
        FROM (SELECT opportunity_access_id, payment_unit_id, COUNT(*) AS n FROM completed_work
              WHERE {_COUNTED} GROUP BY opportunity_access_id, payment_unit_id) w
        FULL JOIN (SELECT opportunity_access_id, payment_unit_id, MIN(max_visits) AS max_visits
                   FROM opportunity_claim_limit WHERE {_KEYED}
                   GROUP BY opportunity_access_id, payment_unit_id) cl
          ON cl.opportunity_access_id = w.opportunity_access_id AND cl.payment_unit_id = w.payment_unit_id""",
    ]
