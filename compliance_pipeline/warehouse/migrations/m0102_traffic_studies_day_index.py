"""PostgreSQL: the index that finds a day's traffic studies also carries what the day's sums
read, so traffic_six_month_aggregates reads a day from the index alone (index-only scan).

A day's ~10,000 studies sit on as many heap pages when each profile's studies are stored
together (the layout the original script's per-profile index prefers); visiting them was a
sixth of a day's time, the covering index makes it negligible (access_stimulation README).
It replaces the plain (generated_at) index, which it serves in every use. DuckDB finds a
day's rows through its zone maps: nothing to do there. The index is built inside the
migration's transaction (CONCURRENTLY cannot run in one), so on a large existing table new
studies wait while it builds: run `compliance-pipeline init` for this upgrade in a quiet
window."""

VERSION = 102


def statements(backend: str) -> list[str]:
    if backend != "postgresql":
        return []
    return [
        "CREATE INDEX cdr_traffic_studies_day ON cdr_traffic_studies (generated_at)"
        " INCLUDE (profile_id, retail_minutes, wholesale_minutes)",
        "DROP INDEX cdr_traffic_studies_time",
    ]
