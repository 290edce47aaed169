"""The served mock of this checkout against the served mock of another checkout (a commit before a
change): `chatwoot-mock serve` of each, started fresh for every slice of load, loaded in turn
(wrk `-t1 -c10` over loopback after a 1 s warm-up), POST create and GET list of inboxes. Prints
req/s and the server's CPU time a request (its process tree, all threads, from /proc) for each
slice and their medians, and this checkout's figure over the peer's: the same-run ratio that holds
on a shared machine. The peer runs its own `.venv` (`make .venv/.installed` there first).

    .venv/bin/python bench/bench_served_paired.py --peer ../before [--seconds 4] [--slices 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_bridge import Server
from bench_inboxes import CREATE_BODY, LIST_PATH, run_wrk, warm_up
from bench_prism import ensure_wrk

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 10
CALLS = (("POST", CREATE_BODY), ("GET", None))


class Checkout(Server):
    def __init__(self, name: str, checkout: Path) -> None:
        super().__init__(name, [str(checkout / ".venv" / "bin" / "python"), "-m", "mockserver", "serve",
                                "--port", "{port}"])
        self.cwd = checkout  # `python -m` imports the checkout's own package first


def one_slice(wrk: str, name: str, checkout: Path, method: str, body: str | None, seconds: int,
              workdir: Path) -> tuple[float, float]:
    with Checkout(name, checkout) as server:
        warm_up(server.port, method, LIST_PATH, body)
        run_wrk(wrk, server.port, method, LIST_PATH, body, CONNECTIONS, 1, workdir)
        before = server.cpu_seconds()
        result = run_wrk(wrk, server.port, method, LIST_PATH, body, CONNECTIONS, seconds, workdir)
        if result.non_2xx or result.errors:
            raise RuntimeError(f"{name}: {result.non_2xx} non-2xx, {result.errors} socket errors")
        return result.rps, (server.cpu_seconds() - before) * 1e6 / max(result.requests, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer", type=Path, required=True, help="checkout of the other commit, with its .venv")
    parser.add_argument("--seconds", type=int, default=4, help="seconds of one slice of load (default 4)")
    parser.add_argument("--slices", type=int, default=3, help="alternating slices per side and call (default 3)")
    args = parser.parse_args()
    wrk = ensure_wrk()
    sides = (("this checkout", ROOT), (f"peer {args.peer}", args.peer.resolve()))
    with tempfile.TemporaryDirectory(prefix="bench-served-paired-") as workdir:
        for method, body in CALLS:
            print(f"{method} {LIST_PATH}, wrk -t1 -c{CONNECTIONS}, {args.seconds} s slices, a fresh server each:")
            measured: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in sides}
            for _ in range(args.slices):
                for name, checkout in sides:
                    rps, cpu_us = one_slice(wrk, name, checkout, method, body, args.seconds, Path(workdir))
                    measured[name].append((rps, cpu_us))
                    print(f"  {name:30s} {rps:8,.0f} req/s  {cpu_us:6.1f} us server CPU a request  "
                          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
            medians = {name: (statistics.median(r for r, _ in rows), statistics.median(c for _, c in rows))
                       for name, rows in measured.items()}
            for name, (rps, cpu_us) in medians.items():
                print(f"  median {name:23s} {rps:8,.0f} req/s  {cpu_us:6.1f} us server CPU a request")
            (mine_rps, mine_cpu), (peer_rps, peer_cpu) = medians[sides[0][0]], medians[sides[1][0]]
            print(f"  this / peer: {mine_rps / peer_rps:.3f}x req/s, {mine_cpu / peer_cpu:.3f}x CPU a request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
