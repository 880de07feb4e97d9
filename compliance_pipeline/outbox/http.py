"""POST a JSON body and classify the answer for the outbox: 2xx ok, 4xx permanent, else retry."""

from __future__ import annotations

from typing import Any

from compliance_pipeline.outbox.delivery import SendResult

TIMEOUT_S = 10.0


def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
              ref_from: Any = None) -> SendResult:
    """`ref_from(response_json) -> str | None` extracts the remote id (e.g. ERPNext's name)."""
    import requests

    try:
        response = requests.post(url, json=body, headers=headers or {}, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
    if 200 <= response.status_code < 300:
        return _accepted(response, ref_from)
    error = f"HTTP {response.status_code}: {response.text[:1000]}"
    permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
    return SendResult(ok=False, error=error, permanent=permanent)


def _accepted(response, ref_from) -> SendResult:
    """A 2xx means the other side has the message: it is sent, whatever its body says. Never
    turn an unexpected body into a retry, which would create the remote record twice."""
    if ref_from is None:
        return SendResult(ok=True)
    try:
        ref = ref_from(response.json())
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        ref, exc_text = None, f"{type(exc).__name__}: {exc}"
    else:
        exc_text = None if ref else "no id in the response"
    note = None if ref else f"HTTP {response.status_code} accepted, remote id unknown ({exc_text}): {response.text[:500]}"
    return SendResult(ok=True, remote_ref=str(ref) if ref else None, error=note)
