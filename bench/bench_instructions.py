"""Instructions per in-process call, counted by valgrind (cachegrind), for this checkout and others.

A timing on this shared machine moves by a few percent from one minute to the next; the count of
instructions a call executes does not (two runs of one tree agree within 0.2%). So a change of a
percent or less, which `bench_paired.py` cannot tell from noise, can be measured here. For each
checkout and call kind, the app is built and called `--warmup` times, once followed by no more
calls and once by `--calls` calls (bench_inboxes.py's `wsgi_caller`, as `bench_paired.py`); the
difference over `--calls` is the count per call. Instructions are not time: cache misses (a large
part of a call's time here) are not counted, so confirm a change with `bench_paired.py` too.

`--gc off` disables the cyclic collector after the warm-up (`frozen`: collects and freezes, as
`serve` does): with it on, whether a full collection falls among the measured calls moves the
count by several percent between trees that differ in what they allocate or import. Even so,
counts of one tree taken minutes apart have differed by 2%: compare checkouts in one run.

    .venv/bin/python bench/bench_instructions.py [--peer CHECKOUT ...] [--kinds create,patch,show]
        [--calls 300] [--warmup 50] [--gc on|off|frozen]

Needs `valgrind` on PATH. About a minute per checkout and kind (valgrind runs Python 50x slower).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
KINDS = ("create", "patch", "show")


def child(kind: str, warmup: int, calls: int, collector: str) -> None:
    sys.path.insert(0, str(BENCH))
    import bench_inboxes as b

    from mockserver import create_app

    requests = {"create": ("POST", b.LIST_PATH, b.CREATE_BODY), "patch": ("PATCH", b.SHOW_PATH, b.PATCH_BODY),
                "show": ("GET", b.SHOW_PATH, None)}
    call = b.wsgi_caller(create_app(), *requests[kind])
    for _ in range(warmup):
        call()
    if collector == "off":
        gc.disable()
    elif collector == "frozen":
        gc.collect()
        gc.freeze()
    for _ in range(calls):
        call()


def instructions(checkout: Path, kind: str, warmup: int, calls: int, collector: str) -> int:
    """The instructions of a whole child run (valgrind's `I refs`)."""
    env = dict(os.environ, PYTHONPATH=str(checkout.resolve()), PYTHONHASHSEED="0")
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, __file__, "--child", kind, str(warmup), str(calls), collector]
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
    parser.add_argument("--gc", choices=("on", "off", "frozen"), default="on",
                        help="the cyclic collector during the measured calls")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, warmup, calls, collector = args.child
        child(kind, int(warmup), int(calls), collector)
        return
    checkouts = [*args.peer, BENCH.parent]
    for kind in args.kinds.split(","):
        counts = []
        for checkout in checkouts:
            base = instructions(checkout, kind, args.warmup, 0, args.gc)
            counts.append((instructions(checkout, kind, args.warmup, args.calls, args.gc) - base) / args.calls)
        shown = "  ".join(f"{checkout}: {count / 1000:,.1f}k ({count / counts[0]:.3f}x)"
                          for checkout, count in zip(checkouts, counts, strict=True))
        print(f"{kind:7s} instructions per call: {shown}", flush=True)


if __name__ == "__main__":
    main()
