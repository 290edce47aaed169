"""Faults a test injects into the public API: latency, an error answer, or both.

Pure (no Flask). A fault targets one operation (its operationId) or all of them, and applies to
the next `times` matching requests, or to each with a `probability` (or both: `times` then counts
the requests it was applied to). Each fault has its own random generator, seeded when the test
gives a seed, so a probabilistic fault is repeatable whatever other faults exist.

When several faults match a request, the first one added that fires is applied; the others are
left untouched (their counts do not move).
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.chatwoot.errors import ControlNotFound, ControlRequestInvalid

DEFAULT_ERROR_BODY = {"error": "Fault injected by chatwoot-mock"}


@dataclass
class Fault:
    id: int
    operation_id: str | None  # None: every operation
    latency_min_ms: float = 0.0
    latency_max_ms: float = 0.0
    status: int | None = None
    body: Any = None
    times: int | None = None  # requests left; None: no limit
    probability: float = 1.0
    seed: int | None = None
    applied: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "operation_id": self.operation_id,
            "latency_ms": {"min": self.latency_min_ms, "max": self.latency_max_ms},
            "status": self.status, "body": self.body if self.status is not None else None,
            "times": self.times, "probability": self.probability, "seed": self.seed, "applied": self.applied,
        }


@dataclass(frozen=True)
class Decision:
    """What to do to one request: sleep `latency_s`, then answer `status` with `body` (if set)."""

    fault_id: int
    latency_s: float
    status: int | None
    body: Any


class Faults:
    def __init__(self, operations: Sequence[str] = ()) -> None:
        """`operations`: the public API's operationIds a fault may name (empty: any name)."""
        self.operations = tuple(operations)
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, operation_id: str | None = None, *, latency_ms: float | None = None,
            latency_min_ms: float | None = None, latency_max_ms: float | None = None,
            status: int | None = None, body: Any = None, times: int | None = None,
            probability: float = 1.0, seed: int | None = None) -> Fault:
        """A fixed latency (`latency_ms`) or a random one between `latency_min_ms` and
        `latency_max_ms`; an error `status` with `body` (default `{"error": ...}`)."""
        if self.operations and operation_id is not None and operation_id not in self.operations:
            raise ControlRequestInvalid(f"Unknown operation_id {operation_id!r}; the operations are: "
                                        f"{', '.join(self.operations)}")
        if latency_ms is not None and (latency_min_ms is not None or latency_max_ms is not None):
            raise ControlRequestInvalid("Give either latency_ms or latency_min_ms/latency_max_ms, not both")
        if latency_ms is not None:
            low = high = float(latency_ms)
        else:
            low = float(latency_min_ms if latency_min_ms is not None else 0.0)
            high = float(latency_max_ms if latency_max_ms is not None else low)
        if low < 0 or high < low:
            raise ControlRequestInvalid("Latency must satisfy 0 <= latency_min_ms <= latency_max_ms")
        if status is None and high == 0:
            raise ControlRequestInvalid("A fault needs a latency, an error status, or both")
        if not 0.0 <= probability <= 1.0:
            raise ControlRequestInvalid("probability must be between 0 and 1")
        if times is not None and times < 1:
            raise ControlRequestInvalid("times must be 1 or more (omit it for no limit)")
        with self._lock:
            fault = Fault(next(self._ids), operation_id, low, high, status,
                          (DEFAULT_ERROR_BODY if body is None else body) if status is not None else None,
                          times, probability, seed, _rng=random.Random(seed))
            self._faults.append(fault)
            return fault

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def remove(self, fault_id: int) -> None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.id == fault_id:
                    del self._faults[index]
                    return
        raise ControlNotFound(f"No fault with id {fault_id}")

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __bool__(self) -> bool:
        """Whether any fault is set (one truth test: the server asks it on every request)."""
        return bool(self._faults)

    def pick(self, operation_id: str | None) -> Decision | None:
        """The fault to apply to one request of `operation_id`, counted as applied; None for none.
        Costs one truth test when no fault is set (the normal path)."""
        if not self._faults:
            return None
        with self._lock:
            for fault in self._faults:
                if fault.operation_id is not None and fault.operation_id != operation_id:
                    continue
                if fault.probability < 1.0 and fault._rng.random() >= fault.probability:
                    continue
                fault.applied += 1
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                low, high = fault.latency_min_ms, fault.latency_max_ms
                latency_ms = low if low == high else fault._rng.uniform(low, high)
                return Decision(fault.id, latency_ms / 1000.0, fault.status, fault.body)
        return None
