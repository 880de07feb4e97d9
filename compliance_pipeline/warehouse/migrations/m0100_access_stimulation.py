"""access_stimulation outputs: per-partition aggregates (with running partial sums) and the
evaluation history (one row per profile per as_of, every outcome)."""

VERSION = 100


def statements(backend: str) -> list[str]:
    # PostgreSQL finds a partition's rows through the key. DuckDB finds them through its zone
    # maps (a partition's rows are written together), and its key index would multiply the
    # cost of writing a day (access_stimulation README); the writer replaces a
    # partition with DELETE + INSERT in one transaction, so rows stay unique without it.
    aggregates_key = ",\n            PRIMARY KEY (partition_day, profile_id)" if backend == "postgresql" else ""
    # The cooldown look-up reads the last 31 days' flags (~1 row in 200): on PostgreSQL a
    # partial index finds them without visiting every evaluation of those days; it only grows
    # with flags. DuckDB scans the columns.
    flags_index = ([
        "CREATE INDEX access_stim_evaluations_flags ON access_stim_evaluations (as_of)"
        " WHERE reason = 'flagged'"] if backend == "postgresql" else [])
    return [
        # One row per active profile per daily partition. term/orig are the 6-month window
        # sums; total_* are the running sums of ALL studies before as_of (the partial sums):
        # total[D] = total[D-1] + the day's studies, window[D] = total[D] - total[window start - 1
        # day], so a steady-state day reads one day of studies and two stored rows per profile.
        f"""
        CREATE TABLE access_stim_aggregates (
            partition_day DATE NOT NULL,
            profile_id BIGINT NOT NULL,
            as_of TIMESTAMPTZ NOT NULL,
            window_start TIMESTAMPTZ NOT NULL,
            term_minutes BIGINT NOT NULL,
            orig_minutes BIGINT NOT NULL,
            total_term_minutes BIGINT NOT NULL,
            total_orig_minutes BIGINT NOT NULL{aggregates_key}
        )""",
        # One row per profile per as_of. The key leads with as_of: a day's rows are written,
        # replaced and searched for recent flags together, and one index keeps writes cheap.
        """
        CREATE TABLE access_stim_evaluations (
            as_of TIMESTAMPTZ NOT NULL,
            profile_id BIGINT NOT NULL,
            reason TEXT NOT NULL,
            ratio DOUBLE PRECISION,
            term_minutes BIGINT NOT NULL,
            orig_minutes BIGINT NOT NULL,
            threshold DOUBLE PRECISION NOT NULL,
            cooldown_days INTEGER NOT NULL,
            last_flagged_at TIMESTAMPTZ,
            evidence_json TEXT,
            PRIMARY KEY (as_of, profile_id)
        )""",
    ] + flags_index
