"""`web.server.WsgiBridge`'s environ: what the app sees of an RSGI request (PEP 3333), built from
a scope like the one granian hands over (its headers a multimap: a repeated name comes twice)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from mockserver.web import server
from mockserver.web.server import WsgiBridge


class Headers:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)

    def get(self, name: str, default: str | None = None) -> str | None:
        return next((value for key, value in self.pairs if key == name), default)

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)


@dataclass
class Scope:
    path: str = "/api/v1/accounts/1/inboxes"
    method: str = "POST"
    query_string: str = ""
    server: str = "127.0.0.1:3000"
    client: str = "127.0.0.1:50000"
    scheme: str = "http"
    http_version: str = "1.1"
    headers: Headers = field(default_factory=lambda: Headers([]))


def bridge() -> WsgiBridge:
    return WsgiBridge(lambda environ, start_response: [b""], body_limit=lambda path, kind: 1024)


def test_the_environ_of_a_post():
    scope = Scope(query_string="page=2", headers=Headers([
        ("host", "127.0.0.1:3000"), ("api_access_token", "secret"), ("content-type", "application/json"),
        ("content-length", "999"), ("x-forwarded-for", "10.0.0.1"), ("x-forwarded-for", "10.0.0.2")]))
    environ = bridge()._environ(scope, b'{"name": "A"}')
    assert {key: value for key, value in environ.items() if key != "wsgi.input"} == {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/api/v1/accounts/1/inboxes",
        "QUERY_STRING": "page=2", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "3000",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50000",
        # The body as received, whatever the header said (a short body is cut by granian first).
        "CONTENT_LENGTH": "13", "CONTENT_TYPE": "application/json",
        "HTTP_HOST": "127.0.0.1:3000", "HTTP_API_ACCESS_TOKEN": "secret",
        "HTTP_X_FORWARDED_FOR": "10.0.0.1, 10.0.0.2",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    assert environ["wsgi.input"].read() == b'{"name": "A"}'


def test_requests_on_one_connection_share_nothing_that_changes():
    made = bridge()
    first = made._environ(Scope(headers=Headers([("x-request", "1"), ("transfer-encoding", "chunked")])), b"{}")
    second = made._environ(Scope(method="GET", path="/health", headers=Headers([])), b"")
    assert "HTTP_X_REQUEST" not in second and "HTTP_TRANSFER_ENCODING" not in first
    assert (second["REQUEST_METHOD"], second["PATH_INFO"], second["CONTENT_LENGTH"]) == ("GET", "/health", "")
    assert second["wsgi.input"].read() == b"" and first["wsgi.input"].read() == b"{}"


def test_each_connection_has_its_own_addresses():
    made = bridge()
    one = made._environ(Scope(client="127.0.0.1:50000"), b"")
    other = made._environ(Scope(client="[::1]:50001", server="[::1]:3000", http_version="1.0"), b"")
    assert (one["REMOTE_ADDR"], one["REMOTE_PORT"], one["SERVER_PROTOCOL"]) == ("127.0.0.1", "50000", "HTTP/1.1")
    assert (other["REMOTE_ADDR"], other["REMOTE_PORT"], other["SERVER_NAME"], other["SERVER_PROTOCOL"]) == (
        "::1", "50001", "::1", "HTTP/1.0")


def test_a_path_is_handed_over_as_pep_3333_says():
    # granian decodes the path as UTF-8; WSGI wants its bytes as latin-1 characters.
    environ = bridge()._environ(Scope(path="/api/v1/accounts/1/inboxes/é"), b"")
    assert environ["PATH_INFO"] == "/api/v1/accounts/1/inboxes/\u00c3\u00a9"


def test_header_names_are_kept_within_a_bound(monkeypatch):
    monkeypatch.setattr(server, "MAX_HEADER_KEYS", 8)
    made = bridge()
    for number in range(50):
        environ = made._environ(Scope(headers=Headers([(f"x-made-up-{number}", "1")])), b"")
        assert environ[f"HTTP_X_MADE_UP_{number}"] == "1"
    assert len(made._header_keys) <= 8
