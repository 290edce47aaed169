"""Serving the app for real: granian (a Rust HTTP server), one worker process, the app run on its
event loop through a small RSGI-to-WSGI bridge.

Why granian: it keeps the `api_access_token` header (waitress and Werkzeug's server drop it for its
underscores), and it reads requests in Rust, so a client that sends its headers slowly or sits idle
holds no Python thread (hyper cuts it after `header_timeout_s`). HTTP/1 only, as Chatwoot's Puma: in
granian's default mode (HTTP/1 or HTTP/2, told apart by the first bytes) the header timeout starts
only once a byte came, so a connection that never sent one stayed open until the client went
(issue 9.8); served as HTTP/1 alone, hyper starts it when the connection is accepted. Why a bridge of our own and not
granian's WSGI interface: there a request's body is read from the Python thread that answers it, so
eight clients sending a body slowly held every thread (issue 9.8), a chunked body was cut at the
limit instead of refused, and an injected latency slept on the one thread serving everyone. Here
the body is received on the event loop (bounded in size and time: 413, 408) before the app sees
it, and an injected latency is awaited (`EARLY_FAULT`), so other clients go on being served. The
app itself then runs inline: one request at a time, no thread hand-off, no GIL contention (tooling
notes §7: a thread pool halved throughput). With `--state-file` a write waits for its commit to
reach the disk (milliseconds, the GIL released): writes then run on one writer thread, one at a
time, and reads go on inline meanwhile (`WRITES_OFF_LOOP`).

One process, because the state lives in that process's memory (several workers would be several
diverging stores, tooling notes §3). granian's supervisor forks the worker, which inherits the app
built before it.
"""

from __future__ import annotations

import asyncio
import encodings.idna  # noqa: F401  (imported before the fork: see _announce_when_listening)
import gc
import multiprocessing
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from typing import Any

import orjson

from mockserver.web.memo import BoundedMemo

#: `app.extensions[EARLY_FAULT](environ) -> seconds`: picks the request's injected fault before the
#: app runs, so the server can await its latency; the app then applies the fault already picked.
EARLY_FAULT = "chatwoot_mock.early_fault"
#: `app.extensions[WRITES_OFF_LOOP]`: true when writes wait for the disk (`--state-file`); they then
#: run on a writer thread of their own, so that the loop goes on answering reads meanwhile.
WRITES_OFF_LOOP = "chatwoot_mock.writes_off_loop"
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
HEADER_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 10.0
_NO_BODY = b""
#: A body's deadline once the request was cut for it (`WsgiBridge._cut_late`).
_LATE: Any = float("-inf")
#: Header names whose environ key is kept (a few per client; a hostile one's inventions are dropped).
MAX_HEADER_KEYS = 256


class PortUnavailable(RuntimeError):
    pass


def check_port_free(host: str, port: int) -> None:
    """Fail early, naming the port."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise PortUnavailable(
                f"cannot listen on {host}:{port}: port {port} is already in use or not allowed "
                f"({error.strerror}); pick another with --port or MOCK_PORT") from None


def _free_port(host: str) -> int:
    """granian cannot report the port it got for 0, so ask the kernel for one first."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = orjson.dumps({"error": message})


class WsgiBridge:
    """An RSGI app (granian's native interface) that runs a WSGI app inline on the event loop."""

    def __init__(self, app: Any, *, body_limit: Callable[[str, str | None], int],
                 body_timeout_s: float = BODY_TIMEOUT_S, access_log: bool = False) -> None:
        self.app = app
        self.body_limit = body_limit
        self.body_timeout_s = body_timeout_s
        self.access_log = access_log
        extensions = getattr(app, "extensions", {})
        self.early_fault: Callable[[dict], float] | None = extensions.get(EARLY_FAULT)
        # One thread: writes still go one at a time (its thread starts in the forked worker).
        self.writer = ThreadPoolExecutor(1, "chatwoot-mock-writer") if extensions.get(WRITES_OFF_LOOP) else None
        #: The requests receiving a body (their tasks) and when each must have it; `_LATE` once cut.
        self._receiving: dict[asyncio.Task, float] = {}
        self._sweep: asyncio.TimerHandle | None = None
        #: The part of the environ a connection's requests share (its addresses, scheme and HTTP
        #: version), and a header's environ key: worked out once per connection and name.
        self._connections = BoundedMemo(1024)
        self._header_keys: dict[str, str | None] = {}

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        started = time.perf_counter() if self.access_log else 0.0
        try:
            body = await self._receive(scope, proto)
        except _Refused as refused:
            proto.response_bytes(refused.status, [("content-type", "application/json")], refused.body)
            self._log(scope, refused.status, len(refused.body), started)
            return
        environ = self._environ(scope, body)
        if self.early_fault is not None:
            delay = self.early_fault(environ)
            if delay > 0:
                await asyncio.sleep(delay)  # the loop serves other clients meanwhile
        if self.writer is not None and scope.method not in _READS:
            # A write waits for its commit to reach the disk (the GIL is free meanwhile): reads go on.
            status, headers, payload = await asyncio.get_running_loop().run_in_executor(
                self.writer, self._call, environ)
        else:
            status, headers, payload = self._call(environ)
        proto.response_bytes(status, headers, payload)
        self._log(scope, status, len(payload), started)

    async def _receive(self, scope: Any, proto: Any) -> bytes:
        headers = scope.headers
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            return _NO_BODY
        limit = self.body_limit(scope.path, headers.get("content-type"))
        counted = declared is not None and declared.isdigit()
        if counted and int(declared) > limit:
            raise _Refused(413, f"Request body is larger than {limit} bytes")
        task = asyncio.current_task()
        loop = task.get_loop()
        self._receiving[task] = loop.time() + self.body_timeout_s
        if self._sweep is None:
            self._sweep = loop.call_later(self._sweep_every(), self._cut_late)
        try:
            if counted and "transfer-encoding" not in headers:
                # Framed by its Content-Length (at most `limit`, checked above): received whole.
                return await proto()
            return await _read_at_most(proto, limit)
        except asyncio.CancelledError:
            if self._receiving[task] != _LATE:
                raise  # cancelled for another reason (the server stopping)
            task.uncancel()
            raise _Refused(408, f"Request body not received within {self.body_timeout_s:g} s") from None
        finally:
            del self._receiving[task]

    def _environ(self, scope: Any, body: bytes) -> dict[str, Any]:
        """The WSGI environ (PEP 3333) of an RSGI scope, its body already received."""
        server, client, scheme, version = scope.server, scope.client, scope.scheme, scope.http_version
        environ = self._connections.get((server, client, scheme, version), _connection_environ,
                                        server, client, scheme, version).copy()
        path = scope.path
        environ["REQUEST_METHOD"] = scope.method
        environ["PATH_INFO"] = path if path.isascii() else path.encode("utf-8").decode("latin-1")
        environ["QUERY_STRING"] = scope.query_string
        environ["CONTENT_LENGTH"] = str(len(body)) if body else ""
        environ["wsgi.input"] = BytesIO(body)
        keys = self._header_keys
        for name, value in scope.headers.items():
            try:
                key = keys[name]
            except KeyError:
                if len(keys) >= MAX_HEADER_KEYS:
                    keys.clear()  # a client inventing header names costs memory once, not forever
                key = keys[name] = _header_key(name)
            if key is None:
                continue  # the body is whole now: its length is the one above
            if key == "CONTENT_TYPE" or key not in environ:
                environ[key] = value
            else:
                environ[key] = f"{environ[key]}, {value}"
        return environ

    def _sweep_every(self) -> float:
        return min(1.0, self.body_timeout_s / 4)

    def _cut_late(self) -> None:
        """The body timeout, for every request at once: one timer a `_sweep_every` while bodies are
        being received cancels those past their time (a 408 comes at most that much late). An
        `asyncio.timeout` per request (a timer scheduled and cancelled on the loop's heap) cost 7 us
        of the loop's time per request with a body; this costs about one."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        for task, deadline in self._receiving.items():
            if deadline != _LATE and deadline <= now:
                self._receiving[task] = _LATE
                task.cancel()
        self._sweep = loop.call_later(self._sweep_every(), self._cut_late) if self._receiving else None

    def _call(self, environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            answer[:] = [int(status[:3]), headers]
            return lambda data: None

        result = self.app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return answer[0], answer[1], payload

    def _log(self, scope: Any, status: int, size: int, started: float) -> None:
        if self.access_log:
            query = f"?{scope.query_string}" if scope.query_string else ""
            client = scope.client.rpartition(":")[0].strip("[]")
            sys.stdout.write(f'{client} "{scope.method} {scope.path}{query} HTTP/{scope.http_version}" '
                             f"{status} {size} {(time.perf_counter() - started) * 1000:.1f}ms\n")
            sys.stdout.flush()


async def _read_at_most(proto: Any, limit: int) -> bytes:
    parts, size = [], 0
    async for chunk in proto:
        size += len(chunk)
        if size > limit:
            raise _Refused(413, f"Request body is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _connection_environ(server: str, client: str, scheme: str, version: str) -> dict[str, Any]:
    """The environ keys every request of a connection shares."""
    host, port = _address(server)
    client_host, client_port = _address(client)
    return {
        "REQUEST_METHOD": "", "SCRIPT_NAME": "", "PATH_INFO": "", "QUERY_STRING": "",
        "SERVER_NAME": host, "SERVER_PORT": port, "SERVER_PROTOCOL": f"HTTP/{version}",
        "REMOTE_ADDR": client_host, "REMOTE_PORT": client_port, "CONTENT_LENGTH": "",
        "wsgi.version": (1, 0), "wsgi.url_scheme": scheme, "wsgi.input": None, "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }


def _address(address: str) -> tuple[str, str]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), port


def _header_key(name: str) -> str | None:
    key = name.upper().replace("-", "_")
    if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
        return None
    return key if key == "CONTENT_TYPE" else f"HTTP_{key}"


def serve(app: Any, host: str, port: int, *, body_limit: Callable[[str, str | None], int],
          on_ready: Callable[[str], None] | None = None, access_log: bool = False,
          header_timeout_s: float = HEADER_TIMEOUT_S, body_timeout_s: float = BODY_TIMEOUT_S) -> None:
    """Serve until interrupted. `on_ready` gets the base URL once the socket listens."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server.mp import MPServer

    check_port_free(host, port)
    port = port or _free_port(host)
    bridge = WsgiBridge(app, body_limit=body_limit, body_timeout_s=body_timeout_s, access_log=access_log)
    # The worker is forked, so that it inherits the app (and its store) built here.
    multiprocessing.set_start_method("fork", force=True)
    # Everything built so far (the imports, the spec, the validators, the startup store) lives as
    # long as the server: frozen, the collector no longer walks it in every full collection (one
    # in about a thousand writes walked it all), and the forked worker does not copy the pages the
    # collector would have written to.
    gc.collect()
    gc.freeze()
    # HTTP/1 alone: the header timeout then also cuts a connection that never sends a byte (module doc).
    server = MPServer("mockserver", address=host, port=port, interface=Interfaces.RSGI, workers=1,
                      http=HTTPModes.http1,
                      http1_settings=HTTP1Settings(header_read_timeout=int(header_timeout_s * 1000)),
                      loop=event_loop(), log_level="warning", log_access=False)
    if on_ready is not None:
        shown = f"[{host}]" if ":" in host else host
        server.on_startup(lambda: _announce_when_listening(host, port, lambda: on_ready(f"http://{shown}:{port}")))
    server.serve(target_loader=lambda *args, **kwargs: bridge, wrap_loader=False)


def event_loop() -> Any:
    """uvloop's loop where it is installed (a dependency, except on Windows), else asyncio's. Named,
    not granian's `auto`: that picks rloop first when it is installed, an experimental loop this
    server was not tested on."""
    from importlib.util import find_spec

    from granian.constants import Loops

    # Looked up, not imported: the worker imports it when granian builds its loop there.
    return Loops.uvloop if find_spec("uvloop") is not None else Loops.asyncio


def _announce_when_listening(host: str, port: int, announce: Callable[[], None]) -> None:
    """Calls `announce` from a thread once the port takes connections. The thread runs while
    granian forks the worker: what it imports must be imported already (a module lock held at a
    fork stays held in the child). `socket.create_connection` encodes the host with the `idna`
    codec, which the worker needs too (Werkzeug's `Map.bind`): imported at the top of this module,
    or a worker forked while the thread imported it waited forever on its first request."""
    def wait() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, port), timeout=1).close()
            except OSError:
                time.sleep(0.02)
                continue
            announce()
            return

    threading.Thread(target=wait, daemon=True).start()
