"""`chatwoot-mock serve` in a child process, on a free loopback port: for the socket tests, the
benchmarks, and anyone whose code under test needs a real URL."""

from __future__ import annotations

import collections
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

_SERVING = re.compile(r"serving .* on (http://\S+)")


def serve_command(*args: str, host: str = "127.0.0.1") -> list[str]:
    """The command line of `chatwoot-mock serve` run by this Python."""
    return [sys.executable, "-m", "mockserver", "serve", "--host", host, *args]


def child_env() -> dict[str, str]:
    """This process's environment without MOCK_* settings, so the child starts from the defaults
    and its arguments alone; unbuffered, so its lines arrive as they are written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCK_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class ServeFailed(RuntimeError):
    """`chatwoot-mock serve` exited, or did not listen in time; the message has its last lines."""


class ServedMock:
    """A running `chatwoot-mock serve --port 0 ...` and the newest lines it printed.

    One thread reads the child's output to the end: the access log writes a line per request, and
    a full pipe would stall the server. At most `keep_lines` lines are kept.
    """

    def __init__(self, *args: str, host: str = "127.0.0.1", keep_lines: int = 10_000) -> None:
        self.command = serve_command("--port", "0", *args, host=host)
        self.url = ""
        self.process: subprocess.Popen[str] | None = None
        self._lines: collections.deque[str] = collections.deque(maxlen=keep_lines)
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def start(self, timeout: float = 60.0) -> ServedMock:
        self.process = subprocess.Popen(
            self.command, env=child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        lines = self.wait_for(lambda ls: any(_SERVING.search(line) for line in ls), timeout)
        found = next((m for m in map(_SERVING.search, lines) if m), None)
        if found is None:
            exit_code = self.process.poll()
            self.stop()
            why = (f"exited with code {exit_code} before it listened" if exit_code is not None
                   else f"did not listen within {timeout:g} s")
            raise ServeFailed(f"chatwoot-mock serve {why} ({' '.join(self.command[3:])}):\n"
                              + "\n".join(lines[-30:]))
        self.url = found.group(1)
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self._lines.append(line.rstrip("\n"))

    def output(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def wait_for(self, predicate: Callable[[Sequence[str]], bool], timeout: float) -> list[str]:
        """Poll the output until `predicate(lines)` holds, the child exits or `timeout` passes;
        return the lines either way (the caller decides)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.output()
            if predicate(lines) or time.monotonic() > deadline or (
                    self.process is not None and self.process.poll() is not None):
                return lines
            time.sleep(0.05)

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        # granian's worker lives in the child's own session: make sure it goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def __enter__(self) -> ServedMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
