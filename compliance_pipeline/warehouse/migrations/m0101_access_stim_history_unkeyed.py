"""access_stim_evaluations without its key index on DuckDB (PostgreSQL keeps it).

DuckDB's key index made a day's history write several times dearer (numbers in the
access_stimulation README). Rows stay unique without it, as access_stim_aggregates' do: a
day's rows are replaced by DELETE + INSERT in one transaction, DuckDB admits one writing
process per file, and the local deployment runs one run at a time. DuckDB cannot drop a
key, so the table is rebuilt (same columns, same rows, in key order)."""

VERSION = 101

_COLUMNS = """
    as_of TIMESTAMPTZ NOT NULL,
    profile_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    ratio DOUBLE PRECISION,
    term_minutes BIGINT NOT NULL,
    orig_minutes BIGINT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    cooldown_days INTEGER NOT NULL,
    last_flagged_at TIMESTAMPTZ,
    evidence_json TEXT"""


def statements(backend: str) -> list[str]:
    if backend == "postgresql":
        return []
    return [
        f"CREATE TABLE access_stim_evaluations_rebuilt ({_COLUMNS})",
        "INSERT INTO access_stim_evaluations_rebuilt SELECT * FROM access_stim_evaluations"
        " ORDER BY as_of, profile_id",
        "DROP TABLE access_stim_evaluations",
        "ALTER TABLE access_stim_evaluations_rebuilt RENAME TO access_stim_evaluations",
    ]
