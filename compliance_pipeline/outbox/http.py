"""POST a JSON body within a total deadline and classify the answer: 2xx ok, 4xx permanent, else retry.

The deadline covers connect, request, headers and the whole body: a watchdog shuts the socket
when it passes, so a server that drips one byte at a time or never answers costs at most the
deadline (a per-read timeout would let a dripping server hold the pass forever). Errors never
quote the URL, which may carry a token.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from compliance_pipeline.outbox.delivery import SendResult
from compliance_pipeline.outbox.settings import DeliverySettings

MAX_BODY_BYTES = 1 << 20  # only the first 1,000 characters are kept


class DeadlineExceeded(Exception):
    pass


def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
              ref_from: Any = None, *, deadline_s: float | None = None) -> SendResult:
    """`ref_from(response_json) -> str | None` extracts the remote id (e.g. ERPNext's name).
    deadline_s: None -> COMPLIANCE_HTTP_DEADLINE_S (10 s)."""
    deadline_s = deadline_s if deadline_s is not None else DeliverySettings.from_env().deadline_s
    payload = json.dumps(body).encode()
    request_headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
    exchange = _Exchange(url, deadline_s)
    try:
        exchange.run(payload, request_headers)
    except (OSError, http.client.HTTPException, DeadlineExceeded, ValueError) as exc:
        if exchange.status is None or not 200 <= exchange.status < 300:
            return SendResult(ok=False, error=exchange.describe(exc), network_failure=True)
        # The receiver accepted (2xx) but the body did not finish in time: it is sent. A retry
        # would create the remote record twice.
        return SendResult(ok=True, error=f"HTTP {exchange.status} accepted, remote id unknown"
                          f" ({exchange.describe(exc)})", network_failure=True)
    text = exchange.body.decode("utf-8", "replace")
    if 200 <= exchange.status < 300:
        return _accepted(exchange.status, text, ref_from)
    permanent = 400 <= exchange.status < 500 and exchange.status not in (408, 429)
    return SendResult(ok=False, error=f"HTTP {exchange.status}: {text[:1000]}", permanent=permanent)


class _Exchange:
    """One request/response on its own connection, bounded by a watchdog."""

    def __init__(self, url: str, deadline_s: float):
        self.url, self.deadline_s = url, deadline_s
        self.status: int | None = None
        self.body = b""
        self.expired = False
        self._conn: http.client.HTTPConnection | None = None

    def run(self, payload: bytes, headers: dict[str, str]) -> None:
        started = time.monotonic()
        self._conn = _connection(self.url, self.deadline_s)
        watchdog = threading.Timer(self.deadline_s, self._expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            parts = urlsplit(self.url)
            self._conn.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                               body=payload, headers=headers)
            response = self._conn.getresponse()
            self.status = response.status
            chunks, size = [], 0
            while chunk := response.read1(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_BODY_BYTES or self.expired:
                    break
            self.body = b"".join(chunks)
            # A shut socket reads as a clean end: only the clock tells a cut-off body from a whole one.
            if self.expired or time.monotonic() - started > self.deadline_s:
                raise DeadlineExceeded(f"no complete answer within {self.deadline_s:g} s")
        except (OSError, http.client.HTTPException) as exc:
            # The socket's own timeout (the same deadline, bounding connect) may fire just before the watchdog.
            if self.expired or time.monotonic() - started >= self.deadline_s:
                raise DeadlineExceeded(f"no complete answer within {self.deadline_s:g} s") from exc
            raise
        finally:
            watchdog.cancel()
            self._conn.close()

    def _expire(self) -> None:
        self.expired = True
        sock = self._conn.sock if self._conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def describe(self, exc: Exception) -> str:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _connection(url: str, deadline_s: float) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the URL must be http:// or https:// with a host")
    if parts.scheme == "http":
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=deadline_s)
    return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=deadline_s, context=_tls_context())


def _tls_context() -> ssl.SSLContext:
    try:
        import certifi  # the CA bundle requests uses, when installed
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def _accepted(status: int, text: str, ref_from) -> SendResult:
    """A 2xx means the other side has the message: it is sent, whatever its body says. Never
    turn an unexpected body into a retry, which would create the remote record twice."""
    if ref_from is None:
        return SendResult(ok=True)
    try:
        ref = ref_from(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        ref, exc_text = None, f"{type(exc).__name__}: {exc}"
    else:
        exc_text = None if ref else "no id in the response"
    note = None if ref else f"HTTP {status} accepted, remote id unknown ({exc_text}): {text[:500]}"
    return SendResult(ok=True, remote_ref=str(ref) if ref else None, error=note)
