"""Translate the warehouse's `?` placeholders into psycopg2's `%s`.

The scanner follows PostgreSQL's lexical rules, so a `?` or `%` inside a comment (`-- ...`,
nested `/* ... */`), a string (`'...'` with doubled quotes, `E'...'` with backslash escapes,
`$tag$...$tag$`) or a quoted identifier (`"..."`) is text, not a placeholder. Outside them `?` is
a placeholder and `??` is PostgreSQL's own `?` operator (as in JDBC; `??|` and `??&` likewise).
A bare `?|` or `?&` is refused: it reads as a jsonb operator but would be a placeholder.
Every `%` is doubled, because psycopg2 formats the whole statement.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Where the plain text between two special tokens ends: a quote, a comment start, `?`, `%`,
# `$` or a string prefix letter (e/E for E'...').
_SPECIAL = re.compile(r"""['"?%$eE]|--|/\*""")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$")
_LINE_END = re.compile(r"[\n\r]")
_IDENTIFIER_CHAR = re.compile(r"[A-Za-z0-9_$\u0080-\uffff]")


class PlaceholderError(ValueError):
    """The statement uses `?` in a way whose meaning is ambiguous."""


@lru_cache(maxsize=2048)
def to_pyformat(sql: str) -> str:
    """The statement with `?` -> `%s`, `??` -> `?` and `%` -> `%%` outside comments/strings."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        match = _SPECIAL.search(sql, i)
        if match is None:
            out.append(sql[i:])
            break
        start = match.start()
        out.append(sql[i:start])
        token = match.group()
        if token == "?":
            i = _placeholder(sql, start, out)
        elif token == "%":
            out.append("%%")
            i = start + 1
        elif token == "'":
            i = _quoted(sql, start, "'", out)
        elif token == '"':
            i = _quoted(sql, start, '"', out)
        elif token == "--":
            end = _LINE_END.search(sql, start)
            i = n if end is None else end.start()
            out.append(_escape_percent(sql[start:i]))
        elif token == "/*":
            i = _block_comment(sql, start, out)
        elif token == "$":
            i = _dollar(sql, start, out)
        else:  # e/E: an escape-string prefix only when it starts a token and a quote follows
            if start + 1 < n and sql[start + 1] == "'" and not _follows_identifier(sql, start):
                out.append(token)
                i = _escape_string(sql, start + 1, out)
            else:
                i = _skip_identifier(sql, start, out)
    return "".join(out)


def _escape_percent(text: str) -> str:
    return text.replace("%", "%%")


def _follows_identifier(sql: str, pos: int) -> bool:
    return pos > 0 and _IDENTIFIER_CHAR.match(sql[pos - 1]) is not None


def _skip_identifier(sql: str, start: int, out: list[str]) -> int:
    """A word that merely contains e/E (or $): copy it whole, so `name'` is not an E-string."""
    end = start + 1
    while end < len(sql) and _IDENTIFIER_CHAR.match(sql[end]) and sql[end] != "$":
        end += 1
    out.append(sql[start:end])
    return end


def _placeholder(sql: str, start: int, out: list[str]) -> int:
    following = sql[start + 1:start + 2]
    if following == "?":
        out.append("?")
        return start + 2
    if following in ("|", "&"):
        raise PlaceholderError(
            f"ambiguous '?{following}' at offset {start} in SQL {sql!r}: write '??{following}' "
            f"for PostgreSQL's operator or '? {following}' for a placeholder followed by '{following}'")
    out.append("%s")
    return start + 1


def _quoted(sql: str, start: int, quote: str, out: list[str]) -> int:
    """'...' or "...": a doubled quote is the quote itself; backslashes are plain text."""
    i = start + 1
    while True:
        end = sql.find(quote, i)
        if end < 0:
            out.append(_escape_percent(sql[start:]))  # unterminated: the server reports it
            return len(sql)
        if sql.startswith(quote * 2, end):
            i = end + 2
            continue
        out.append(_escape_percent(sql[start:end + 1]))
        return end + 1


def _escape_string(sql: str, start: int, out: list[str]) -> int:
    """E'...': a backslash escapes the next character (also a quote); '' is a quote too."""
    i = start + 1
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch == "\\":
            i += 2
        elif ch == "'":
            if sql.startswith("''", i):
                i += 2
            else:
                out.append(_escape_percent(sql[start:i + 1]))
                return i + 1
        else:
            i += 1
    out.append(_escape_percent(sql[start:]))
    return n


def _block_comment(sql: str, start: int, out: list[str]) -> int:
    """/* ... */, nesting as in PostgreSQL."""
    depth, i, n = 0, start, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                break
        else:
            i += 1
    out.append(_escape_percent(sql[start:i]))
    return i


def _dollar(sql: str, start: int, out: list[str]) -> int:
    """$tag$...$tag$ (the tag may be empty); `$1` or `a$b` are not dollar quotes."""
    match = _DOLLAR_TAG.match(sql, start)
    if match is None or _follows_identifier(sql, start):
        out.append("$")
        return start + 1
    delimiter = match.group()
    end = sql.find(delimiter, match.end())
    stop = len(sql) if end < 0 else end + len(delimiter)
    out.append(_escape_percent(sql[start:stop]))
    return stop
