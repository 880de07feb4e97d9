"""Text that is safe to show: secrets in URLs masked, control characters escaped, one line.

Used wherever text leaves the process (CLI errors, log lines, Dagster events, the outbox's
last_error), because an error message may quote a URL it was given.
"""

from __future__ import annotations

import re

MASK = "***"

# scheme://user:password@host -> scheme://user:***@host (the user name stays: it says who). The
# password runs to the netloc's last '@', as urlsplit reads it (an unencoded '@' in it is masked too).
_USERINFO_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:'\"<>]*:)[^\s/?#'\"<>]*(?=@)")
# ?password=... &token=... ;api_key=... anywhere (also in "url: /hook?token=..." without a scheme).
_SECRET_PARAM = re.compile(
    r"(?P<head>[?&;](?:[A-Za-z0-9_.\-]*(?:pass|pwd|token|secret|key|auth|signature|sig|credential)"
    r"[A-Za-z0-9_.\-]*)=)[^&#;\s'\"<>]*",
    re.IGNORECASE,
)
# C0/C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides a log viewer obeys.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def mask_secrets(text: str) -> str:
    """`text` with every URL password and secret-looking query parameter replaced by ***."""
    text = _USERINFO_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    return _SECRET_PARAM.sub(lambda m: m["head"] + MASK, text)


def escape_control(text: str) -> str:
    r"""Control characters as visible escapes (\n, \x1b, \u202e): a user-supplied name cannot
    start a forged log line, move the cursor or reverse the text of a log viewer."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named:
        return named
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def safe_name(value: object, limit: int = 200) -> str:
    """A user-supplied name for a log line: control characters escaped, at most `limit` chars."""
    text = escape_control(str(value))
    return text if len(text) <= limit else text[:limit] + f"...({len(text)} chars)"


def one_line(text: str, limit: int = 2000) -> str:
    """An error message as one safe line: secrets masked, lines joined with ' | ', controls escaped,
    and at most `limit` characters (the middle gives way: the start says what, the end what to do)."""
    lines = [line.strip() for line in mask_secrets(str(text)).splitlines() if line.strip()]
    line = escape_control(" | ".join(lines))
    if len(line) <= limit:
        return line
    cut = f" ...({len(line) - limit} chars)... "
    head = (limit - len(cut)) * 2 // 3
    return line[:head] + cut + line[len(line) - (limit - len(cut) - head):]
