from hypothesis import given
from hypothesis import strategies as st

from compliance_pipeline.warehouse.placeholders import to_pyformat


def test_placeholders_outside_quotes_become_pyformat():
    assert to_pyformat("SELECT ? , '?' , \"a?\" WHERE x LIKE '5%' AND y = ? % 2") == (
        "SELECT %s , '?' , \"a?\" WHERE x LIKE '5%%' AND y = %s %% 2")


@given(st.text(alphabet="ab ?%'", max_size=40))
def test_psycopg2_sees_exactly_the_bound_placeholders(sql):
    out = to_pyformat(sql)
    # After removing the %s placeholders, every remaining % is an escaped pair.
    unescaped = out.replace("%%", "")
    assert unescaped.count("%") == unescaped.count("%s")
    # As many placeholders as there are ? outside quotes.
    outside, quote = 0, None
    for ch in sql:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            outside += 1
    assert unescaped.count("%s") == outside
