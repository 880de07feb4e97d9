"""A real HTTP server on 127.0.0.1 that records requests: stands in for ERPNext and webhooks.

    with HttpStub() as stub:            # answers 200 {"data": {"name": "TODO-0001"}} by default
        stub.respond(503)               # or respond(403, {"exc": "forbidden"})
        ... stub.url, stub.requests (list of RecordedRequest)
    stub.stop(); stub.start()           # simulate the other side going down and coming back
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict
    body: dict | None


class HttpStub:
    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self._status = 200
        self._body: dict | None = None
        self._counter = 0
        self._server: ThreadingHTTPServer | None = None
        self._port: int | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._port is not None, "start() first"
        return f"http://127.0.0.1:{self._port}"

    def respond(self, status: int, body: dict | None = None) -> None:
        self._status, self._body = status, body

    def start(self) -> HttpStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                with stub._lock:
                    stub.requests.append(RecordedRequest("POST", self.path, dict(self.headers), body))
                    stub._counter += 1
                    status = stub._status
                    answer = stub._body if stub._body is not None else {
                        "data": {"name": f"TODO-{stub._counter:04d}"}}
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        # Reuse the same port after stop() so a URL handed out earlier works again.
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port or 0), Handler)
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HttpStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
