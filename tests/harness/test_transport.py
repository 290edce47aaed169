"""How the harness reaches a deployment (harness/transport.py): through a proxy on loopback that sees
the requests (from HTTP_PROXY, or --proxy; NO_PROXY bypasses it), to a served mock behind a TLS relay
with a self-signed certificate (refused without its CA, accepted with --ca-bundle or --insecure), and
again after the server dropped a kept-alive connection."""

from __future__ import annotations

import http.client
import http.server
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import trustme
from conftest import ADMIN

from mockserver.harness.guarded_client import GuardedClient, OwnedRecords, RateLimiter, Unreachable, WriteGuard
from mockserver.harness.transport import Connection
from mockserver.testing.served import ServedMock

SCRIPT = str(Path(sys.executable).with_name("chatwoot-mock"))
INBOXES = "/api/v1/accounts/1/inboxes"


@pytest.fixture(scope="module")
def served() -> Iterator[ServedMock]:
    with ServedMock("--fixtures", "demo") as server:
        yield server


def client(url: str, connection: Connection) -> GuardedClient:
    return GuardedClient(url, ADMIN, WriteGuard(1, OwnedRecords("cwmock-t-"), allow_writes=False), RateLimiter(0),
                         connection=connection)


# ----------------------------------------------------------------------------- a proxy on loopback

class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """A forwarding HTTP proxy: the request line holds the absolute URL; it notes it and sends it on."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _forward(self) -> None:
        self.server.seen.append(f"{self.command} {self.path}")
        target = http.client.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
        upstream.request(self.command, target.path + (f"?{target.query}" if target.query else ""), body or None,
                         headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward


@contextmanager
def loopback_proxy() -> Iterator[http.server.ThreadingHTTPServer]:
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
    proxy.daemon_threads = True
    proxy.seen = []
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()


def harness_env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.lower().endswith("_proxy") and not k.startswith(("MOCK_", "CHATWOOT_"))}
    return {**clean, **extra}


def test_diff_goes_through_the_proxy_named_by_http_proxy(served):
    with ServedMock("--fixtures", "demo", "--profile", "docs") as other, loopback_proxy() as proxy:
        result = subprocess.run(
            [SCRIPT, "diff", "--left", served.url, "--left-token", ADMIN, "--right", other.url, "--right-token",
             ADMIN, "--channels", "api", "--rate-limit", "0", "--no-progress"],
            env=harness_env(HTTP_PROXY=f"http://127.0.0.1:{proxy.server_address[1]}", NO_PROXY=""),
            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 differences" in result.stdout
    for url in (served.url, other.url):
        assert f"GET {url}{INBOXES}" in proxy.seen
        assert f"POST {url}{INBOXES}" in proxy.seen  # writes too: every request takes the proxy


def test_no_proxy_bypasses_it_and_proxy_option_names_one(served, monkeypatch):
    with loopback_proxy() as proxy:
        address = f"http://127.0.0.1:{proxy.server_address[1]}"
        monkeypatch.setenv("HTTP_PROXY", address)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert client(served.url, Connection()).call("GET", INBOXES).status == 200
        assert proxy.seen == []
        monkeypatch.delenv("HTTP_PROXY")
        monkeypatch.delenv("NO_PROXY")
        assert client(served.url, Connection(proxy=address)).call("GET", INBOXES).status == 200
        assert proxy.seen == [f"GET {served.url}{INBOXES}"]


# ----------------------------------------------------------------------------- TLS on loopback

@contextmanager
def tls_relay(target_port: int, certificate) -> Iterator[str]:
    """HTTPS on a free loopback port, each connection relayed as plain TCP to the served mock."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stopping = threading.Event()

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def serve_one(raw: socket.socket) -> None:
        try:
            secure = context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # a client that did not trust the certificate
            return
        upstream = socket.create_connection(("127.0.0.1", target_port))
        threading.Thread(target=pipe, args=(upstream, secure), daemon=True).start()
        pipe(secure, upstream)

    def accept() -> None:
        while not stopping.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve_one, args=(raw,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopping.set()
        thread.join(timeout=5)
        listener.close()


@pytest.fixture(scope="module")
def authority():
    return trustme.CA()


@pytest.fixture(scope="module")
def https_url(served, authority) -> Iterator[str]:
    with tls_relay(served.port, authority.issue_cert("127.0.0.1")) as url:
        yield url


def run_contract_probe(url: str, *options: str) -> subprocess.CompletedProcess:
    """`diff` of the TLS target against itself with no channel step is a quick full round: the
    probe, the error steps, the cleanup."""
    return subprocess.run(
        [SCRIPT, "diff", "--left", url, "--left-token", ADMIN, "--right", url, "--right-token", ADMIN,
         "--channels", "api", "--rate-limit", "0", "--retries", "0", "--no-progress", *options],
        env=harness_env(), capture_output=True, text=True, timeout=300)


def test_a_self_signed_certificate_is_refused_with_a_message_naming_the_options(https_url):
    result = run_contract_probe(https_url)
    assert result.returncode == 3, result.stdout + result.stderr
    line = result.stderr.strip()
    assert line.startswith(f"chatwoot-mock diff: left: cannot reach {https_url}")
    assert "TLS certificate not trusted" in line and "--ca-bundle" in line and "--insecure" in line
    assert "Traceback" not in result.stderr


def test_ca_bundle_trusts_it(https_url, authority, tmp_path):
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    result = run_contract_probe(https_url, "--ca-bundle", str(bundle))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 differences" in result.stdout


def test_ssl_cert_file_trusts_it_too(https_url, authority, tmp_path):
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    with pytest.raises(Unreachable, match="TLS certificate not trusted"):
        client(https_url, Connection(retries=0)).call("GET", INBOXES)
    os.environ["SSL_CERT_FILE"] = str(bundle)
    try:
        assert client(https_url, Connection(retries=0)).call("GET", INBOXES).status == 200
    finally:
        del os.environ["SSL_CERT_FILE"]


def test_insecure_skips_the_check(https_url):
    result = run_contract_probe(https_url, "--insecure")
    assert result.returncode == 0, result.stdout + result.stderr


# ----------------------------------------------------------------------------- retries

class _DropsFirst(http.server.BaseHTTPRequestHandler):
    """Closes the first connection without an answer; answers the next ones."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.calls += 1
        if self.server.calls == 1:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = b'{"payload": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_dropped_connection_is_retried_for_a_read():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DropsFirst)
    server.calls = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert client(url, Connection(retries=1)).call("GET", INBOXES).status == 200
        assert server.calls == 2
        server.calls = 0
        with pytest.raises(Unreachable):
            client(url, Connection(retries=0)).call("GET", INBOXES)
    finally:
        server.shutdown()
        server.server_close()
