"""A real HTTP server on 127.0.0.1 that records requests: stands in for ERPNext and webhooks.

    with HttpStub() as stub:            # answers 200 {"data": {"name": "TODO-0001"}} by default
        stub.respond(503)               # or respond(403, {"exc": "forbidden"})
        ... stub.url, stub.requests (list of RecordedRequest)
    stub.stop(); stub.start()           # simulate the other side going down and coming back
    stub.respond(200, delay_s=2)        # a slow server: answers after 2 s
    stub.drip(200, every_s=1)           # headers, then one byte of the body a second
    stub.hang()                         # reads the request, never answers (until stop())
"""

from __future__ import annotations

import json
import threading
import time
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
        self._delay_s = 0.0
        self._mode = "answer"  # or "drip", "hang"
        self._every_s = 1.0
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        assert self._port is not None, "start() first"
        return f"http://127.0.0.1:{self._port}"

    def respond(self, status: int, body: dict | None = None, *, delay_s: float = 0.0) -> None:
        self._status, self._body, self._delay_s, self._mode = status, body, delay_s, "answer"

    def drip(self, status: int, *, every_s: float) -> None:
        """Send the status and headers (Content-Length 1000), then one body byte per every_s."""
        self._status, self._every_s, self._mode = status, every_s, "drip"

    def hang(self) -> None:
        self._mode = "hang"

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
                if stub._mode == "hang":
                    stub._stopping.wait()
                    return
                if stub._mode == "drip":
                    self._drip(status)
                    return
                if stub._delay_s:
                    time.sleep(stub._delay_s)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _drip(self, status):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.flush()
                for _ in range(1000):
                    if stub._stopping.wait(stub._every_s):
                        return
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return

            def log_message(self, *args):
                pass

        # Reuse the same port after stop() so a URL handed out earlier works again.
        ThreadingHTTPServer.allow_reuse_address = True
        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port or 0), Handler)
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._stopping.set()  # ends hanging and dripping answers
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HttpStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
