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
    ("carrier_class", "TEXT", "clec or rate_of_return: which 61.3(bbb)(1) ratio trigger applies monthly."),
)

STUDIES = table(
    "cdr_traffic_studies",
    "Traffic studies per profile: terminating (retail) and originating (wholesale) minutes.",
    ("id", "BIGINT", "Study id (primary key)."),
    ("profile_id", "BIGINT", "The cdr_ingestion_profiles row the study belongs to."),
    ("generated_at", "TIMESTAMPTZ", "When the study was generated; decides which window it falls in."),
    ("retail_minutes", "BIGINT", "Terminating minutes (NULL counts as 0)."),
    ("wholesale_minutes", "BIGINT", "Originating minutes, the wholesale proxy (NULL counts as 0)."),
    ("interstate_terminating_minutes", "BIGINT",
     "Direction-tagged interstate terminating minutes; when present, the monthly status uses them."),
    ("interstate_originating_minutes", "BIGINT",
     "Direction-tagged interstate originating minutes; when present, the monthly status uses them."),
)

AGREEMENTS = table(
    "access_revenue_sharing_agreements",
    "Access revenue sharing agreements per profile: the 61.3(bbb)(1)(i) condition.",
    ("id", "BIGINT", "Agreement id."),
    ("profile_id", "BIGINT", "The cdr_ingestion_profiles row."),
    ("counterparty", "TEXT", "Who the revenue is shared with."),
    ("starts_on", "DATE", "First day in force."),
    ("ends_on", "DATE", "Last day in force, inclusive (NULL: open-ended)."),
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

_TRIGGER = "BOOLEAN"
MONTHLY_STATUS = table(
    "access_stim_monthly_status",
    "47 CFR 61.3(bbb) per active profile and calendar month (UTC): interstate minutes, ratio, growth, "
    "each trigger, engaged or not and on which basis, and when it may exit and notices are due.",
    ("month", "DATE", "The calendar month (its first day)."),
    ("profile_id", "BIGINT", "The profile."),
    ("carrier_class", "TEXT", "clec or rate_of_return, as of the determination."),
    ("term_minutes", "BIGINT", "Interstate terminating minutes in the month."),
    ("orig_minutes", "BIGINT", "Interstate originating minutes in the month."),
    ("term_source", "TEXT", "Where term_minutes came from: interstate, proxy (retail), mixed or none."),
    ("orig_source", "TEXT", "Where orig_minutes came from: interstate, proxy (wholesale), mixed or none."),
    ("ratio", "DOUBLE", "term_minutes / orig_minutes (NULL without originating minutes)."),
    ("year_ago_term_minutes", "BIGINT", "Terminating minutes in the same month a year earlier."),
    ("year_ago_orig_minutes", "BIGINT", "Originating minutes in the same month a year earlier."),
    ("term_growth_pct", "DOUBLE", "Terminating growth vs a year earlier, in %."),
    ("orig_growth_pct", "DOUBLE", "Originating growth vs a year earlier, in %."),
    ("has_agreement", "BOOLEAN", "An access revenue sharing agreement is in force in the month."),
    ("agreement_trigger_met", _TRIGGER, "(bbb)(1)(i): agreement and (ratio >= 3:1 or growth > 100%)."),
    ("clec_ratio_trigger_met", _TRIGGER, "(bbb)(1)(ii): a CLEC's ratio >= 6:1 (NULL: not a CLEC)."),
    ("ror_ratio_trigger_met", _TRIGGER,
     "(bbb)(1)(iii): rate-of-return ratio >= 10:1 over three months with >= 500,000 terminating "
     "minutes in each (NULL: not rate-of-return)."),
    ("period_term_minutes", "BIGINT", "Rate-of-return: terminating minutes of the three months."),
    ("period_orig_minutes", "BIGINT", "Rate-of-return: originating minutes of the three months."),
    ("state", "TEXT", "engaged or not_engaged in access stimulation."),
    ("basis_agreement", "BOOLEAN", "Engaged on the agreement basis ((bbb)(1)(i))."),
    ("basis_ratio", "BOOLEAN", "Engaged on the ratio basis ((bbb)(1)(ii) or (iii))."),
    ("engaged_since", "DATE", "First month of the current engagement."),
    ("months_below", "INTEGER", "Consecutive months below the ratio trigger (six end the ratio basis)."),
    ("may_exit_month", "DATE", "The earliest month the profile may exit, if nothing changes."),
    ("newly_engaged", "BOOLEAN", "Engaged this month and not the month before (a ToDo is queued)."),
    ("exited", "BOOLEAN", "Engaged the month before and not this month (a ToDo is queued)."),
    ("notice_due_on", "DATE", "When notices and tariff revisions are due (45 days after the month)."),
    ("evidence_json", "TEXT", "JSON evidence: the bases and the figures behind them."),
)

SOURCE_TABLES = (PROFILES, STUDIES, AGREEMENTS)
OUTPUT_TABLES = (AGGREGATES, EVALUATIONS, MONTHLY_STATUS)
