"""Instructions per in-process call, counted by valgrind (cachegrind), for this checkout and others.

A timing on this shared machine moves by a few percent from one minute to the next; the count of
instructions a call executes does not (two runs of one tree agree within 0.2%). So a change of a
percent or less, which `bench_paired.py` cannot tell from noise, can be measured here. For each
checkout and call kind, the app is built and called `--warmup` times, once followed by no more
calls and once by `--calls` calls (bench_inboxes.py's `wsgi_caller`, as `bench_paired.py`); the
difference over `--calls` is the count per call. Instructions are not time: cache misses (a large
part of a call's time here) are not counted, so confirm a change with `bench_paired.py` too.

    .venv/bin/python bench/bench_instructions.py [--peer CHECKOUT ...] [--kinds create,patch,show]
        [--calls 300] [--warmup 50]

Needs `valgrind` on PATH. About a minute per checkout and kind (valgrind runs Python 50x slower).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
KINDS = ("create", "patch", "show")


def child(kind: str, warmup: int, calls: int) -> None:
    sys.path.insert(0, str(BENCH))
    import bench_inboxes as b

    from mockserver import create_app

    requests = {"create": ("POST", b.LIST_PATH, b.CREATE_BODY), "patch": ("PATCH", b.SHOW_PATH, b.PATCH_BODY),
                "show": ("GET", b.SHOW_PATH, None)}
    call = b.wsgi_caller(create_app(), *requests[kind])
    for _ in range(warmup + calls):
        call()


def instructions(checkout: Path, kind: str, warmup: int, calls: int) -> int:
    """The instructions of a whole child run (valgrind's `I refs`)."""
    env = dict(os.environ, PYTHONPATH=str(checkout.resolve()), PYTHONHASHSEED="0")
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, __file__, "--child", kind, str(warmup), str(calls)]
    run = subprocess.run(command, env=env, cwd="/", capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer", type=Path, action="append", default=[], help="another checkout (repeatable)")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"some of {','.join(KINDS)}")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, warmup, calls = args.child
        child(kind, int(warmup), int(calls))
        return
    checkouts = [*args.peer, BENCH.parent]
    for kind in args.kinds.split(","):
        counts = []
        for checkout in checkouts:
            base = instructions(checkout, kind, args.warmup, 0)
            counts.append((instructions(checkout, kind, args.warmup, args.calls) - base) / args.calls)
        shown = "  ".join(f"{checkout}: {count / 1000:,.1f}k ({count / counts[0]:.3f}x)"
                          for checkout, count in zip(checkouts, counts, strict=True))
        print(f"{kind:7s} instructions per call: {shown}", flush=True)


if __name__ == "__main__":
    main()
