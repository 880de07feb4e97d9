"""The access-stimulation tables as the catalog and docs/reference.md describe them (one
declaration each; the migrations create them with exactly these columns)."""

from compliance_pipeline.catalog import Domain, table

DOMAIN = Domain(group="access_stimulation", owners=("team:carrier-compliance",),
                tags={"domain": "access_stimulation", "regulation": "47_CFR_61.3_bbb"})

PROFILES = table(
    "cdr_ingestion_profiles",
    "CDR ingestion profiles (one per carrier feed): which are active, and when and why one was last "
    "flagged for access stimulation.",
    ("id", "BIGINT", "Profile id (primary key)."),
    ("name", "TEXT", "Profile name, as shown in the ERPNext ToDo."),
    ("active", "BOOLEAN", "Only active profiles are evaluated."),
    ("access_stim_flagged_at", "TIMESTAMPTZ", "When the profile was last flagged (the as_of of that evaluation)."),
    ("access_stim_evidence_json", "TEXT", "JSON evidence of the last flag: ratio, minutes, window and its months."),
)

STUDIES = table(
    "cdr_traffic_studies",
    "Traffic studies per profile: terminating (retail) and originating (wholesale) minutes.",
    ("id", "BIGINT", "Study id (primary key)."),
    ("profile_id", "BIGINT", "The cdr_ingestion_profiles row the study belongs to."),
    ("generated_at", "TIMESTAMPTZ", "When the study was generated; decides which window it falls in."),
    ("retail_minutes", "BIGINT", "Terminating minutes (NULL counts as 0)."),
    ("wholesale_minutes", "BIGINT", "Originating minutes, the wholesale proxy (NULL counts as 0)."),
)

AGGREGATES = table(
    "access_stim_aggregates",
    "Per day and active profile: terminating and originating minutes over the six calendar months "
    "before the day's end, plus running totals that let the next day read one day of studies.",
    ("partition_day", "DATE", "The day (partition); as_of is its end."),
    ("profile_id", "BIGINT", "The profile."),
    ("as_of", "TIMESTAMPTZ", "End of the window: the day after partition_day, 00:00 UTC."),
    ("window_start", "TIMESTAMPTZ", "Start of the window: as_of minus six calendar months."),
    ("term_minutes", "BIGINT", "Terminating minutes in [window_start, as_of)."),
    ("orig_minutes", "BIGINT", "Originating minutes in [window_start, as_of)."),
    ("total_term_minutes", "BIGINT", "Running total of terminating minutes of all studies before as_of."),
    ("total_orig_minutes", "BIGINT", "Running total of originating minutes of all studies before as_of."),
)

EVALUATIONS = table(
    "access_stim_evaluations",
    "Every access-stimulation decision: one row per profile per as_of, whatever the outcome.",
    ("as_of", "TIMESTAMPTZ", "The instant evaluated (a daily partition's end)."),
    ("profile_id", "BIGINT", "The profile."),
    ("reason", "TEXT", "Outcome: flagged, cooldown, below_threshold or no_orig_traffic."),
    ("ratio", "DOUBLE", "term_minutes / orig_minutes (NULL without originating traffic)."),
    ("term_minutes", "BIGINT", "Terminating minutes in the six-month window."),
    ("orig_minutes", "BIGINT", "Originating minutes in the six-month window."),
    ("threshold", "DOUBLE", "The ratio above which a profile is flagged (3.0 by default)."),
    ("cooldown_days", "INTEGER", "Days after a flag during which a profile is not flagged again."),
    ("last_flagged_at", "TIMESTAMPTZ", "The profile's previous flag before as_of, if any."),
    ("evidence_json", "TEXT", "JSON evidence for a flag (months one by one); NULL otherwise."),
)

SOURCE_TABLES = (PROFILES, STUDIES)
OUTPUT_TABLES = (AGGREGATES, EVALUATIONS)
