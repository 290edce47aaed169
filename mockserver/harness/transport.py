"""How the harness reaches a deployment: httpx, with its proxy (`--proxy`, or HTTPS_PROXY / HTTP_PROXY /
ALL_PROXY minus NO_PROXY from the environment), TLS (`--ca-bundle`, SSL_CERT_FILE, or `--insecure`), a
timeout, keep-alive connections, and a few retries.

Retries are ours, not httpx's `HTTPTransport(retries=...)`: httpx reads the proxy variables only for
a client built without an explicit transport, and its transport retries only failed connects. We
retry a failed connect for any method (nothing was sent), and a dropped connection (a keep-alive
connection the server closed, a read cut short) for reads only: a write may have been applied.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass

import httpx

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
USER_AGENT = "chatwoot-mock-harness"
RETRY_PAUSE = 0.25  # seconds before the first retry; doubled for each next one
# Whatever the deployment sends, the harness reads the body as it is: no compression it would have
# to undo (and the relay would have to re-announce).
DEFAULT_HEADERS = {"Accept-Encoding": "identity", "User-Agent": USER_AGENT}


class TransportError(Exception):
    """The request got no answer (connection refused, DNS, TLS, proxy, timeout, dropped)."""


@dataclass(frozen=True)
class Connection:
    """The settings of the `--proxy`, `--ca-bundle`, `--insecure`, `--retries` and `--timeout` options."""

    proxy: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    retries: int = 2
    timeout: float = 30.0

    def verify(self) -> ssl.SSLContext | bool:
        if self.insecure:
            return False
        if self.ca_bundle:
            return ssl.create_default_context(cafile=self.ca_bundle)
        return True  # httpx: certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR when set

    def client(self) -> httpx.Client:
        """A client for one target; thread-safe (the contract's relay serves on several threads)."""
        return httpx.Client(proxy=self.proxy, verify=self.verify(), timeout=self.timeout, trust_env=True,
                            follow_redirects=False, headers=DEFAULT_HEADERS)


def send(client: httpx.Client, connection: Connection, method: str, url: str, headers: list[tuple[bytes, bytes]],
         body: bytes) -> httpx.Response:
    """One request, retried as the module's docstring says; raises TransportError (also for a request
    that cannot be sent at all: a header with a NUL byte, a URL httpx will not build)."""
    content = body if body or method.upper() not in READ_METHODS else None
    attempt = 0
    while True:
        try:
            return client.request(method, url, headers=headers, content=content)
        except httpx.InvalidURL as error:
            raise TransportError(f"cannot send to {url!r}: {error}") from error
        except httpx.HTTPError as error:
            if attempt >= connection.retries or not _worth_retrying(error, method):
                raise TransportError(_describe(error)) from error
        time.sleep(RETRY_PAUSE * 2 ** attempt)
        attempt += 1


def _worth_retrying(error: httpx.HTTPError, method: str) -> bool:
    if isinstance(error, httpx.ConnectError) and _root(error, ssl.SSLError):
        return False  # a certificate is not fixed by asking again
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.ProxyError):
        return True
    return isinstance(error, httpx.RemoteProtocolError | httpx.ReadError) and method.upper() in READ_METHODS


def _describe(error: httpx.HTTPError) -> str:
    cause = _root(error, ssl.SSLCertVerificationError)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return (f"TLS certificate not trusted ({cause.verify_message}); give its CA with --ca-bundle, "
                "or --insecure for a test server")
    return str(error) or type(error).__name__


def _root(error: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of `kind` in the chain httpx and httpcore raise from (or None)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
