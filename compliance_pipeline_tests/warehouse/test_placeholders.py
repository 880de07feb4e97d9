"""`?` placeholders on both backends, judged by the database itself: the server parses each
statement and returns the bound values and the literals exactly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_pipeline.warehouse import Warehouse
from compliance_pipeline.warehouse.placeholders import PlaceholderError
from compliance_pipeline_tests.conftest import BACKENDS


@pytest.fixture(scope="module", params=BACKENDS)
def conn(request, tmp_path_factory):
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path_factory.mktemp('placeholders') / 'w.duckdb'}"
    else:
        url = request.getfixturevalue("pg_admin_url")  # read-only statements
    with Warehouse(url).connect(create=True) as connection:
        yield connection


@pytest.mark.parametrize(("sql", "params", "expected"), [
    ("SELECT 1 -- it's\n, ?", (2,), (1, 2)),
    ("SELECT 1 /* it's ? /* nested ' */ still ? */, ?", (2,), (1, 2)),
    ("SELECT 'it''s ?', ?", (2,), ("it's ?", 2)),
    ("SELECT E'it\\'s ? \\\\', ?", (2,), ("it's ? \\", 2)),
    ("SELECT e'a''b?', ?", (2,), ("a'b?", 2)),
    ("SELECT $$it's ?$$, $tag$ $$ ? ' $tag$, ?", (2,), ("it's ?", " $$ ? ' ", 2)),
    ('SELECT ? AS "it\'s ?", 7 % 4, \'100%\'', (2,), (2, 3, "100%")),
    ("SELECT 7 % 4, '%s'", (), (3, "%s")),
    ("SELECT ? -- trailing comment ?", ("%s",), ("%s",)),
    ("SELECT ? || ?, ?-1", ("a", "b", 3), ("ab", 2)),
])
def test_listed_cases(conn, sql, params, expected):
    assert conn.query(sql, params) == [expected]


@pytest.mark.parametrize("sql", ["SELECT ?|| 'x'", "SELECT ?&1"])
def test_ambiguous_question_mark_operators_are_refused(conn, sql):
    with pytest.raises(PlaceholderError, match="ambiguous"):
        conn.query(sql, (1,))


def test_doubled_question_mark_is_postgres_jsonb_operator(pg_admin_url):
    with Warehouse(pg_admin_url).connect() as conn:
        assert conn.query(
            """SELECT CAST(? AS jsonb) ?? ?, CAST(? AS jsonb) ??| CAST(? AS text[]),
                      CAST(? AS jsonb) ??& CAST(? AS text[]) -- '?' in a comment""",
            ('{"a": 1}', "a", '{"a": 1}', ["b", "a"], '{"a": 1}', ["b", "a"])) == [(True, True, False)]


# Text that trips naive scanners: quotes, question marks, percents, comment and dollar marks.
_TRICKY = st.text(alphabet=st.sampled_from(list("ab?%'\"$-/*\\\n é;")), max_size=12)


def _string_literal(draw) -> tuple[str, str]:
    """(SQL literal, its value) in one of PostgreSQL's string forms."""
    content = draw(_TRICKY)
    form = draw(st.sampled_from(["plain", "escape", "dollar"]))
    if form == "plain":
        return "'" + content.replace("'", "''") + "'", content
    if form == "escape":
        quote = draw(st.sampled_from(["\\'", "''"]))
        return "E'" + content.replace("\\", "\\\\").replace("'", quote) + "'", content
    tag = draw(st.sampled_from(["", "t", "q_1"]))
    delimiter = f"${tag}$"
    if (content + delimiter).find(delimiter) != len(content):
        content = content.replace("$", "")
    return delimiter + content + delimiter, content


def _comment(draw) -> str:
    text = draw(_TRICKY).replace("\n", " ").replace("\r", " ")
    form = draw(st.sampled_from(["none", "line", "block", "nested"]))
    if form == "line":
        return f" -- {text}\n"
    block = text.replace("*/", "* /").replace("/*", "/ *")
    if form == "block":
        return f" /* {block} */ "
    return f" /* {block} /* {block} */ {block} */ " if form == "nested" else " "


@st.composite
def statements(draw):
    """A SELECT of placeholders and literals separated by comments, its params and its row."""
    items, params, row = [], [], []
    for k in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["text param", "int param", "literal", "modulo"]))
        if kind == "text param":
            value = draw(_TRICKY)
            items.append("CAST(? AS TEXT)")
            params.append(value)
        elif kind == "int param":
            value = draw(st.integers(-10**9, 10**9))
            items.append("?")
            params.append(value)
        elif kind == "modulo":
            dividend = draw(st.integers(0, 10**6))
            items.append("? % 7")
            params.append(dividend)
            value = dividend % 7
        else:
            literal, value = _string_literal(draw)
            items.append(literal)
        items[-1] += f' AS "c{k}"' + _comment(draw)
        row.append(value)
    sql = "SELECT" + _comment(draw) + ", ".join(items)
    return sql, tuple(params), tuple(row)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements())
def test_server_binds_exactly_the_placeholders(conn, case):
    sql, params, row = case
    assert conn.query(sql, params) == [row]
    assert conn.columns == [f"c{k}" for k in range(len(row))]
