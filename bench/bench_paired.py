"""Paired A/B of the in-process hot calls: this checkout's code against another checkout's.

Two long-lived processes, one importing `mockserver` from each checkout, take turns on the same CPU: for
each call kind, `--batch` calls in one, then `--batch` in the other (the order flips every turn), for
`--turns` turns. Each call is bench_inboxes.py's `wsgi_caller` (a prebuilt environ, the app called as
WSGI) and is timed in thread CPU time. Printed: the median CPU µs per call of each side and their ratio
(this checkout over the peer). The machine is shared and noisy: taking turns in small batches puts both
sides under the same load, so only the ratio means anything. Two identical trees should read 0.99-1.01x;
check that before trusting a smaller difference.

    .venv/bin/python bench/bench_paired.py --peer CHECKOUT [--pairs 3] [--turns 20] [--batch 100]
        [--calls create,patch]

CHECKOUT is a git worktree of another commit (`git worktree add ../before <commit>`); its own venv is not
needed, both sides run this checkout's interpreter and libraries.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
KINDS = ("create", "patch", "show", "bare")
CREATES_PER_APP = 1_000  # a fresh app then, so the state stays small (as bench_inboxes.py does)
WARMUP = 30


def child() -> None:
    """Answer '<kind> <count>' lines on stdin with a JSON list of CPU µs per call."""
    sys.path.insert(0, str(BENCH))
    import bench_inboxes as b

    from mockserver import create_app

    requests = {"create": ("POST", b.LIST_PATH, b.CREATE_BODY), "patch": ("PATCH", b.SHOW_PATH, b.PATCH_BODY),
                "show": ("GET", b.SHOW_PATH, None)}
    bare = b.wsgi_caller(b.bare_flask_app(), "GET", b.SHOW_PATH, None)
    callers: dict[str, Callable[[], int]] = {}
    made: dict[str, int] = {}

    def caller(kind: str) -> Callable[[], int]:
        if kind == "bare":
            return bare
        if kind not in callers or (kind == "create" and made[kind] >= CREATES_PER_APP):
            callers[kind] = call = b.wsgi_caller(create_app(), *requests[kind])
            made[kind] = 0
            for _ in range(WARMUP):
                call()
        made[kind] += 1
        return callers[kind]

    import mockserver

    print(json.dumps(str(Path(mockserver.__file__).resolve())), flush=True)
    for line in sys.stdin:
        kind, count = line.split()
        times = []
        for _ in range(int(count)):
            call = caller(kind)
            start = time.thread_time_ns()
            status = call()
            times.append((time.thread_time_ns() - start) / 1000)
            if status >= 300:
                raise SystemExit(f"{kind} answered {status}")
        print(json.dumps(times), flush=True)


def start(checkout: Path, cpu: int, pad_to: int) -> subprocess.Popen:
    # The environment's size moves the stack's alignment, which sways speed by a few percent: both
    # sides get environments of one size (their checkout paths differ in length).
    path = str(checkout.resolve())
    env = dict(os.environ, PYTHONPATH=path, PYTHONHASHSEED="0", BENCH_PAD="x" * (pad_to - len(path)))
    process = subprocess.Popen([sys.executable, __file__, "--child", "--cpu", str(cpu)], env=env, cwd="/",
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    imported = json.loads(process.stdout.readline())
    if not imported.startswith(path):
        raise SystemExit(f"{checkout}: mockserver imported from {imported}")
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer", type=Path, help="checkout of the other commit (required)")
    parser.add_argument("--pairs", type=int, default=3, help="pairs of processes, one after the other")
    parser.add_argument("--turns", type=int, default=20, help="turns per pair")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--calls", default=",".join(KINDS), help=f"some of {','.join(KINDS)}")
    parser.add_argument("--cpu", type=int, default=1, help="the CPU both processes are pinned to")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        os.sched_setaffinity(0, {args.cpu})
        child()
        return
    if args.peer is None:
        parser.error("--peer CHECKOUT is required")
    kinds = args.calls.split(",")
    times: dict[str, dict[str, list[float]]] = {side: {kind: [] for kind in kinds} for side in ("peer", "this")}
    pair_ratios: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(args.pairs):
        pair = run_pair(args, kinds)
        for kind in kinds:
            for side in pair:
                times[side][kind].extend(pair[side][kind])
            pair_ratios[kind].append(statistics.median(pair["this"][kind]) / statistics.median(pair["peer"][kind]))
    print(f"peer {args.peer}, this {BENCH.parent}; {args.pairs} pairs of processes x {args.turns} turns of"
          f" {args.batch} calls; load average {os.getloadavg()[0]:.1f}")
    for kind in kinds:
        peer, this = (statistics.median(times[side][kind]) for side in ("peer", "this"))
        each = " ".join(f"{ratio:.3f}" for ratio in pair_ratios[kind])
        print(f"{kind:7s} p50 CPU µs: peer {peer:6.1f}  this {this:6.1f}  ({this / peer:.3f}x; pairs {each})")


def run_pair(args: argparse.Namespace, kinds: list[str]) -> dict[str, dict[str, list[float]]]:
    """One process per checkout, taking turns; both started afresh (a process's memory layout sways its
    speed by a percent or two, so several pairs are run)."""
    pad_to = max(len(str(args.peer.resolve())), len(str(BENCH.parent)))
    sides = {"peer": start(args.peer, args.cpu, pad_to), "this": start(BENCH.parent, args.cpu, pad_to)}
    times: dict[str, dict[str, list[float]]] = {side: {kind: [] for kind in kinds} for side in sides}
    for turn in range(args.turns):
        for kind in kinds:
            order = list(sides) if turn % 2 == 0 else list(sides)[::-1]
            for side in order:
                process = sides[side]
                process.stdin.write(f"{kind} {args.batch}\n")
                process.stdin.flush()
                times[side][kind].extend(json.loads(process.stdout.readline()))
    for process in sides.values():
        process.stdin.close()
        process.wait()
    return times

if __name__ == "__main__":
    main()
