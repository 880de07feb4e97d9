"""Rule validation is total: whatever a field holds, the answer is a Rule or an InputError naming
the field, never another exception (zoneinfo reading a folder, int() of a Unicode digit, ...)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_pipeline.alerts.rules import validate_rule
from compliance_pipeline.errors import InputError

BASE = {"unit_id": "u1", "name": "loud", "metric": "leq", "comparison": "above", "threshold_db": 70}
ANY_VALUE = st.one_of(
    st.text(max_size=80), st.text(alphabet="/._-+0123456789²١AEUaeu", max_size=30),
    st.sampled_from(["Europe", "America", "Etc", "posix", "right/UTC", "zone.tab", "Z" * 5000, "²", "1,²",
                     "22:00\n", "١٢:٠٠", "..", "/etc/passwd", "Europe/Berlin", "0,1,2", "23:59"]),
    st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
    st.lists(st.one_of(st.integers(), st.text(max_size=3)), max_size=10),
    st.integers(min_value=10**300, max_value=10**400),
)
FIELDS = ["timezone", "schedule_days", "schedule_start", "schedule_end", "threshold_db", "duration_s",
          "clear_margin_db", "name", "unit_id", "metric", "comparison", "enabled"]


@settings(max_examples=400)
@given(st.sampled_from(FIELDS), ANY_VALUE)
def test_any_value_of_any_field_is_a_rule_or_a_named_field_error(field, value):
    fields = {**BASE, field: value}
    if field == "schedule_start":
        fields["schedule_end"] = "07:00"
    if field == "schedule_end":
        fields["schedule_start"] = "22:00"
    try:
        rule = validate_rule(fields)
    except InputError as exc:
        assert field in str(exc)
        assert len(str(exc)) < 300
    else:
        assert rule.days is None or rule.days <= set(range(7))
