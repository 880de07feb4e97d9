"""Parsers for command-line values that refuse what Python or the warehouse cannot hold.

A day must leave room for the arithmetic done with it (six months back, a cooldown, the next
day), so it is bounded well inside Python's date range; an id must fit a BIGINT column.
"""

from __future__ import annotations

from datetime import date

from compliance_pipeline.errors import InputError

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)
MAX_BIGINT = 2**63 - 1


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:40]) + f"...({len(text)} chars)"


def iso_day(text: str, field: str) -> date:
    """YYYY-MM-DD between 1900-01-01 and 9998-12-31, or an InputError naming `field`."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{field} must be a date YYYY-MM-DD, got {_shown(text)}") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InputError(f"{field} must be between {EARLIEST_DAY} and {LATEST_DAY}, got {_shown(text)}")
    return day


def row_id(text: str, field: str = "id") -> int:
    """A positive integer id that fits a BIGINT column."""
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or not 1 <= int(stripped) <= MAX_BIGINT:
        raise InputError(f"{field} must be a whole number from 1 to {MAX_BIGINT}, got {_shown(text)}")
    return int(stripped)


def bounded_int(text: str, field: str, minimum: int, maximum: int) -> int:
    stripped = text.strip()
    digits = stripped[1:] if stripped.startswith("-") else stripped
    if not (digits.isascii() and digits.isdigit()) or not minimum <= int(stripped) <= maximum:
        raise InputError(f"{field} must be a whole number from {minimum} to {maximum}, got {_shown(text)}")
    return int(stripped)
