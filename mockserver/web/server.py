"""Serving the app for real: one gunicorn process with a thread pool.

One process, because the state lives in that process's memory (several workers would be several
diverging stores, tooling notes §3). gunicorn, because with `header_map = dangerous` it keeps the
`api_access_token` header, which waitress and Werkzeug's server drop for its underscores.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


class PortUnavailable(RuntimeError):
    pass


def check_port_free(host: str, port: int) -> None:
    """Fail early, naming the port, instead of gunicorn's five silent retries."""
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


class _Gunicorn(BaseApplication):
    def __init__(self, app: Callable, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        return self._app


def serve(app: Callable, host: str, port: int, *, threads: int = 8,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted. `on_ready` gets the base URL once the socket listens."""
    check_port_free(host, port)

    def when_ready(server: Any) -> None:
        if on_ready is not None:
            bound_host, bound_port = server.LISTENERS[0].sock.getsockname()[:2]
            shown = f"[{bound_host}]" if ":" in bound_host else bound_host
            on_ready(f"http://{shown}:{bound_port}")

    _Gunicorn(app, {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "header_map": "dangerous",
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": "warning",
        "when_ready": when_ready,
        "proc_name": "chatwoot-mock",
        "timeout": 60,
    }).run()
