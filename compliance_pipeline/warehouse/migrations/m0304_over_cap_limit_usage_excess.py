"""PostgreSQL: over_cap_limit_usage's keys over their cap are found through an index on
`counted_works - max_visits` (replacing the partial index of m0302). The same range scan (> 0),
but ANALYZE now keeps statistics on that expression, so the planner knows how many keys are
over their cap (a comparison of two columns is otherwise guessed at a third of the table, and
with 95 % of the keys under their cap it then scanned the whole table instead of the index)."""

VERSION = 304


def statements(backend: str) -> list[str]:
    if backend != "postgresql":
        return []
    return [
        "DROP INDEX over_cap_limit_usage_over",
        "CREATE INDEX over_cap_limit_usage_excess ON over_cap_limit_usage ((counted_works - max_visits))"
        " INCLUDE (opportunity_access_id, payment_unit_id, counted_works, max_visits)",
        "ANALYZE over_cap_limit_usage",
    ]
