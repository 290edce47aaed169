"""Interception: `requests` and `httpx` calls to a Chatwoot base URL answered by the in-process app,
with no network, through the libraries made for this (`responses`, `respx`)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class InterceptionUnavailable(ImportError):
    """A test asked to intercept a client library whose mocking library is not installed."""

    def __init__(self, client: str, needed: str) -> None:
        super().__init__(
            f"chatwoot-mock cannot intercept {client} calls: {needed} is not installed. Install the plugin's "
            f"extra: pip install 'chatwoot-inbox-mock[pytest]' (or intercept only the libraries you use, "
            f"e.g. @pytest.mark.chatwoot_mock(intercept=['{'httpx' if client == 'requests' else 'requests'}']))")


@contextlib.contextmanager
def _intercept_requests(app: Any, pattern: re.Pattern[str], passthrough: bool) -> Iterator[None]:
    try:
        import responses
    except ImportError:
        raise InterceptionUnavailable("requests", "responses") from None
    client = app.test_client()

    def answer(request: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes | bytearray):
            body = b"".join(body)  # a generator or file body (streamed upload)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() != "content-length"]
        answered = client.open(parts.path or "/", base_url=f"{parts.scheme}://{parts.netloc}",
                               query_string=parts.query, method=request.method, headers=headers, data=body or b"")
        return answered.status_code, list(answered.headers.items()), answered.get_data()

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    for method in _METHODS:
        mock.add_callback(method, pattern, callback=answer, content_type=None)
    if passthrough:
        mock.add_passthru(re.compile(".*"))
    with mock:
        yield


@contextlib.contextmanager
def _intercept_httpx(app: Any, pattern: re.Pattern[str], passthrough: bool) -> Iterator[None]:
    try:
        import httpx
        import respx
    except ImportError:
        raise InterceptionUnavailable("httpx", "respx") from None
    transport = httpx.WSGITransport(app=app)

    def answer(request: Any) -> Any:
        request.read()
        answered = transport.handle_request(request)
        answered.read()
        # A plain bytes response serves sync and async clients alike.
        return httpx.Response(answered.status_code, headers=answered.headers, content=answered.content)

    router = respx.MockRouter(assert_all_called=False, assert_all_mocked=not passthrough)
    router.route(url__regex=pattern).mock(side_effect=answer)
    if passthrough:
        router.route().pass_through()
    with router:
        yield
