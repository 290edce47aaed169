"""The mock against Prism, side by side in one run (issue 10's yardstick): GET list and POST create
of inboxes, wrk with 10 connections over loopback, after a warm-up; the ratio mock / Prism per call.

Prism 5 (`prism mock -m` on openapi/inboxes.yaml, the same spec the mock serves) is installed from npm
into a cache folder outside the repository ($XDG_CACHE_HOME or ~/.cache, `chatwoot-inbox-mock/prism`);
wrk comes from Debian (`apt-get install wrk`, as root) when missing. Both servers listen on
127.0.0.1 and are always stopped; they are loaded one at a time (never competing for the two cores),
in alternating slices, so that the machine's changing load falls on both sides alike. Every
answer on both sides must be 2xx: a Prism answering 401 or 422 would be no comparison, so the run
fails instead of printing a ratio.

    make bench-prism        (or: .venv/bin/python bench/bench_prism.py [--seconds 5] [--rounds 1])
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_inboxes import CREATE_BODY, LIST_PATH, LoadResult, run_wrk, warm_up

from mockserver.testing.served import ServedMock

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "inboxes.yaml"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
CONNECTIONS = 10
CALLS = (("GET", LIST_PATH, None), ("POST", LIST_PATH, CREATE_BODY))


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "chatwoot-inbox-mock" / "prism"


def ensure_prism() -> Path:
    prefix = cache_dir()
    prism = prefix / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        if shutil.which("npm") is None:
            sys.exit("bench-prism: npm is needed to install Prism (apt-get install npm)")
        prefix.mkdir(parents=True, exist_ok=True)
        print(f"bench-prism: installing {PRISM_PACKAGE} into {prefix}", flush=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
                        PRISM_PACKAGE], check=True, timeout=600)
    return prism


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("bench-prism: wrk is missing; install it (apt-get install wrk) and run again")
    print("bench-prism: installing wrk from Debian", flush=True)
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, timeout=600)
    return shutil.which("wrk") or sys.exit("bench-prism: wrk could not be installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Background:
    """A server process on 127.0.0.1 for one `with` block: started in a session of its own, waited
    for until its port takes connections, stopped (then killed) at the end."""

    def __init__(self, who: str, command: list[str], port: int, cwd: Path | None = None) -> None:
        self.who, self.command, self.port, self.cwd = who, command, port, cwd
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Background:
        self.process = subprocess.Popen(self.command, cwd=self.cwd, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.who} exited with {self.process.returncode}") from None
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.who} did not listen within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Prism(Background):
    def __init__(self, prism: Path) -> None:
        port = free_port()
        # -m (multiprocess: logging in a second process) is Prism's faster mode here, the fairer peer
        # (measured 3.5x its default on this machine); issue 10's figures used it too.
        super().__init__("prism", [str(prism), "mock", "-m", "-h", "127.0.0.1", "-p", str(port), str(SPEC)], port)


def checked(result: LoadResult, who: str) -> LoadResult:
    if result.non_2xx or result.errors:
        raise RuntimeError(f"{who} {result.method} {result.path}: {result.non_2xx} non-2xx answers "
                           f"(last {result.bad_status}), {result.errors} socket errors")
    return result


def one_round(wrk: str, prism: Path, seconds: int, slices: int,
              workdir: Path) -> dict[str, tuple[LoadResult, LoadResult]]:
    """Both servers up at once (an idle one costs nothing), measured in alternating slices, mock then
    Prism, `slices` times each: the machine's load drifts over a run, and alternating spreads the
    drift over both sides. Each side's figure is its median slice."""
    results = {}
    with ServedMock() as mock, Prism(prism) as peer:
        sides = (("mock", mock.port), ("Prism", peer.port))
        for method, path, body in CALLS:
            for _, port in sides:
                warm_up(port, method, path, body)  # raises unless the answers are 2xx
                run_wrk(wrk, port, method, path, body, CONNECTIONS, 1, workdir)  # the warm-up proper
            measured: dict[str, list[LoadResult]] = {"mock": [], "Prism": []}
            for _ in range(slices):
                for who, port in sides:
                    measured[who].append(checked(run_wrk(wrk, port, method, path, body, CONNECTIONS, seconds,
                                                         workdir), who))
            ours, theirs = (sorted(measured[who], key=lambda r: r.rps)[slices // 2] for who in ("mock", "Prism"))
            results[method] = (ours, theirs)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=3, help="seconds of one slice of load (default 3)")
    parser.add_argument("--slices", type=int, default=3,
                        help="alternating slices per call and server; the median counts (default 3)")
    parser.add_argument("--rounds", type=int, default=1, help="how many same-run comparisons (default 1)")
    args = parser.parse_args()
    wrk, prism = ensure_wrk(), ensure_prism()
    print(f"bench-prism: wrk -t1 -c{CONNECTIONS}, {args.slices} alternating {args.seconds} s slices per side "
          f"(median), after a 1 s warm-up; "
          f"mock: chatwoot-mock serve (demo state); Prism: {PRISM_PACKAGE} mock -m {SPEC.relative_to(ROOT)}")
    with tempfile.TemporaryDirectory(prefix="bench-prism-") as workdir:
        for round_number in range(1, args.rounds + 1):
            for method, (ours, theirs) in one_round(wrk, prism, args.seconds, args.slices, Path(workdir)).items():
                print(f"round {round_number}  {method:<4} {LIST_PATH}  mock {ours.rps:8,.0f} req/s "
                      f"(p50 {ours.p50_ms:.2f} ms)  Prism {theirs.rps:8,.0f} req/s (p50 {theirs.p50_ms:.2f} ms)  "
                      f"ratio {ours.rps / theirs.rps:.2f}x  non-2xx 0/0", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
