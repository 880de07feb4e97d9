"""Secrets in URLs never reach a log line, and user-typed names cannot forge one."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance_pipeline.redact import escape_control, mask_secrets, one_line, safe_name
from compliance_pipeline.warehouse.url import mask_password


@pytest.mark.parametrize(("text", "expected"), [
    ("postgresql://u:hunter2@db:5432/x", "postgresql://u:***@db:5432/x"),
    ("postgresql://u@db/x?password=hunter2", "postgresql://u@db/x?password=***"),
    ("postgresql://u:p@ss@db/x", "postgresql://u:***@db/x"),  # an unencoded @ in the password
    ("https://hooks.example/h?channel=7&token=hunter2#top", "https://hooks.example/h?channel=7&token=***#top"),
    ("https://x/y?api_key=hunter2&secret=hunter2&sslpassword=hunter2",
     "https://x/y?api_key=***&secret=***&sslpassword=***"),
    # requests quotes only the path and query of the URL it failed on
    ("Max retries exceeded with url: /hook?token=hunter2 (Caused by ...)",
     "Max retries exceeded with url: /hook?token=*** (Caused by ...)"),
    ("postgresql://db:5432/x and mail me at a@b", "postgresql://db:5432/x and mail me at a@b"),
])
def test_mask_secrets(text, expected):
    assert mask_secrets(text) == expected
    assert mask_password(text) == expected


_secret = st.text(alphabet=string.ascii_letters + string.digits + "!$%*+-._~", min_size=4, max_size=30)


@given(_secret, st.sampled_from(["password", "token", "api_key", "secret", "sslpassword"]))
def test_no_secret_survives_in_a_url(secret, param):
    """The masked text does not depend on the secret at all."""
    for url in ("postgresql://user:{}@host:5432/db",
                "postgresql://user@host/db?sslmode=require&" + param + "={}",
                "https://hooks.example/path?" + param + "={}&x=1"):
        text = "error talking to " + url + ": refused"
        assert mask_secrets(text.format(secret)) == mask_secrets(text.format("other"))


@given(st.text(max_size=200))
def test_escaped_text_has_no_control_characters(text):
    escaped = escape_control(text)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029\u202e" for ch in escaped)
    assert len(one_line(text).splitlines()) <= 1


def test_a_forged_log_line_stays_on_its_line():
    assert safe_name("night\n[ALERT:CLEAR] fake\x1b[2K") == "night\\n[ALERT:CLEAR] fake\\x1b[2K"
    assert safe_name("x" * 500).endswith("...(500 chars)")


def test_a_huge_message_keeps_its_start_and_its_advice():
    line = one_line("opportunity_id must be a UUID, got '" + "x" * 9000 + "'; run `over-cap plan` first", limit=500)
    assert len(line) <= 500
    assert line.startswith("opportunity_id must be a UUID") and line.endswith("run `over-cap plan` first")
