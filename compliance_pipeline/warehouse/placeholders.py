"""Translate `?` placeholders into psycopg2's `%s` (and escape literal `%`)."""

from functools import lru_cache


@lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    out: list[str] = []
    quote: str | None = None  # inside '...' or "..."
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)
