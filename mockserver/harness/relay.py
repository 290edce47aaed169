"""The relay `chatwoot-mock contract` points Schemathesis at: a threaded HTTP server on 127.0.0.1 that
forwards every request through the guarded client, so that whatever Schemathesis generates, a write
to anything the run did not create is refused here and never sent."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mockserver.harness.guarded_client import HOP_BY_HOP, GuardedClient, Refused, Unreachable


class _Relay(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, client: GuardedClient) -> None:
        super().__init__(("127.0.0.1", 0), _RelayHandler)
        self.client = client

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RelayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Relay

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        try:
            answer = self.server.client.send(self.command, self.path, headers, body)
            status, answer_headers, answer_body = answer.status, answer.headers, answer.body
        except Refused as refusal:
            status, answer_body = 403, json.dumps({"error": f"chatwoot-mock contract guard: {refusal}"}).encode()
            answer_headers = [("Content-Type", "application/json"), ("X-Cwmock-Guard", "refused")]
        except Unreachable as error:
            status, answer_body = 502, json.dumps({"error": str(error)}).encode()
            answer_headers = [("Content-Type", "application/json")]
        self.send_response(status)
        for name, value in answer_headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer_body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer_body)

    def __getattr__(self, name: str):
        # BaseHTTPRequestHandler dispatches on do_<METHOD>: relay every method, even TRACE or QUERY.
        if name.startswith("do_"):
            return self._relay
        raise AttributeError(name)


@contextmanager
def relay(client: GuardedClient) -> Iterator[_Relay]:
    server = _Relay(client)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
