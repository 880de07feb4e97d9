"""The alerts tables as the catalog and docs/reference.md describe them."""

from compliance_pipeline.catalog import Domain, table

DOMAIN = Domain(group="alerts", owners=("team:noise-monitoring",),
                tags={"domain": "alerts", "policy": "sound_level_limits"})

_LEVEL = "DOUBLE"
SNAPSHOTS = table(
    "monitor_snapshots", "Sound-meter readings per unit, filled by the monitor feed (levels in dB).",
    ("unit_id", "TEXT", "The sound-meter unit."),
    ("observed_at", "TIMESTAMPTZ", "When the reading was taken: the time alerts are judged at."),
    ("lp", _LEVEL, "Instantaneous sound pressure level."),
    ("leq", _LEVEL, "Equivalent continuous level."),
    ("lmax", _LEVEL, "Maximum level."),
    ("lmin", _LEVEL, "Minimum level."),
    ("lpeak", _LEVEL, "Peak level."),
    ("ln1", _LEVEL, "First statistical level (e.g. L10)."),
    ("ln2", _LEVEL, "Second statistical level (e.g. L90)."),
    ("arrival_id", "BIGINT", "Set on insert, grows with arrival: a pass reads only what arrived since the last."),
)
RULES = table(
    "alert_rules", "Threshold rules per unit; edit them with `compliance-pipeline alerts rules ...`.",
    ("id", "BIGINT", "Rule id."),
    ("unit_id", "TEXT", "The unit watched."),
    ("name", "TEXT", "Rule name, shown in alerts and webhook messages."),
    ("metric", "TEXT", "Which level: lp, leq, lmax, lmin, lpeak, ln1 or ln2."),
    ("comparison", "TEXT", "above (>) or below (<) the threshold."),
    ("threshold_db", "DOUBLE", "The threshold (dB)."),
    ("duration_s", "DOUBLE", "How long the threshold must be crossed (and recovered) before onset (clear)."),
    ("clear_margin_db", "DOUBLE", "How far back past the threshold the level must recover to clear."),
    ("schedule_start", "TEXT", "HH:MM local start of the active window (NULL: always)."),
    ("schedule_end", "TEXT", "HH:MM local end of the active window (exclusive)."),
    ("schedule_days", "TEXT", "Active weekdays, e.g. '0,1,2,3,4' (Monday = 0; NULL: every day)."),
    ("timezone", "TEXT", "IANA time zone of the schedule."),
    ("enabled", "BOOLEAN", "Only enabled rules are evaluated."),
)
EVENTS = table(
    "alert_events", "One row per alert: its onset, peak and clear, and who acknowledged it.",
    ("id", "BIGINT", "Event id (used by `alerts ack ID`)."),
    ("rule_id", "BIGINT", "The rule that fired."),
    ("unit_id", "TEXT", "The unit."),
    ("rule_name", "TEXT", "The rule's name at onset."),
    ("metric", "TEXT", "The level watched."),
    ("comparison", "TEXT", "above or below."),
    ("threshold_db", "DOUBLE", "The threshold at onset."),
    ("onset_at", "TIMESTAMPTZ", "observed_at of the reading that opened the alert."),
    ("onset_value", "DOUBLE", "The level at onset."),
    ("peak_value", "DOUBLE", "The most extreme level while active."),
    ("clear_at", "TIMESTAMPTZ", "observed_at of the reading that cleared it (NULL: active)."),
    ("clear_value", "DOUBLE", "The level at clear."),
    ("status", "TEXT", "active or cleared."),
    ("acknowledged_at", "TIMESTAMPTZ", "When a person acknowledged it."),
    ("acknowledged_by", "TEXT", "Who acknowledged it."),
    ("notes", "TEXT", "Acknowledgement notes, or why it was closed (rule changed or deleted)."),
)
STATE = table(
    "alert_state", "Per unit and rule: where its state machine stands, so a restart forgets nothing.",
    ("unit_id", "TEXT", "The unit."),
    ("rule_id", "BIGINT", "The rule."),
    ("rule_fingerprint", "TEXT", "Hash of the rule's evaluated fields; a change resets the state."),
    ("phase", "TEXT", "idle or active (edge_since holds a pending change)."),
    ("edge_since", "TIMESTAMPTZ", "Since when the pending onset or clear has held."),
    ("peak", "DOUBLE", "Peak so far of the open alert."),
    ("open_event_id", "BIGINT", "The open alert_events row."),
    ("watermark", "TIMESTAMPTZ", "The newest observed_at evaluated."),
    ("readings_seen", "BIGINT", "Readings of the unit up to the watermark when last written."),
    ("late_total", "BIGINT", "Readings that arrived behind the watermark (never evaluated)."),
    ("updated_at", "TIMESTAMPTZ", "When the state was last written."),
    ("arrival_cursor", "BIGINT", "Snapshots with a lower arrival_id have been read."),
)

SOURCE_TABLES = (SNAPSHOTS, RULES)
OUTPUT_TABLES = (EVENTS, STATE)
