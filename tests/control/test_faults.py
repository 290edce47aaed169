"""Faults on their own: matching, counting down, probability with a seed, latency ranges, refusals."""

from __future__ import annotations

import pytest

from mockserver.chatwoot.errors import ControlNotFound, ControlRequestInvalid
from mockserver.control.faults import DEFAULT_ERROR_BODY, Faults


def test_no_fault_means_no_decision():
    assert Faults().pick("listInboxes") is None


def test_a_fault_for_one_operation_leaves_the_others_alone():
    faults = Faults()
    faults.add("createInbox", status=503, body={"error": "down"})
    assert faults.pick("listInboxes") is None
    decision = faults.pick("createInbox")
    assert (decision.status, decision.body, decision.latency_s) == (503, {"error": "down"}, 0.0)


def test_a_fault_without_operation_hits_every_operation():
    faults = Faults()
    faults.add(status=500)
    assert faults.pick("listInboxes").status == 500
    assert faults.pick("deleteInbox").status == 500


def test_times_counts_down_and_the_fault_goes_away():
    faults = Faults()
    fault = faults.add("getInbox", status=502, times=2)
    assert faults.pick("getInbox").status == 502
    assert fault.times == 1 and fault.applied == 1
    assert faults.pick("getInbox").status == 502
    assert faults.pick("getInbox") is None
    assert faults.list() == []


def test_the_default_error_body():
    faults = Faults()
    faults.add(status=503)
    assert faults.pick("x").body == DEFAULT_ERROR_BODY


@pytest.mark.parametrize("probability", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_a_probable_fault_fires_at_its_rate(probability):
    # Seeded, so the count is fixed; the bound (5 points on 2,000 picks, over 4 standard deviations)
    # is what any generator that honours the probability meets, not this generator's own sequence.
    faults = Faults()
    faults.add("listInboxes", status=503, probability=probability, seed=7)
    fired = sum(faults.pick("listInboxes") is not None for _ in range(2000))
    assert abs(fired / 2000 - probability) <= 0.05
    if probability in (0.0, 1.0):
        assert fired == 2000 * probability  # never, or every time


def test_same_seed_same_sequence():
    runs = []
    for _ in range(2):
        faults = Faults()
        faults.add(status=503, probability=0.5, seed=123)
        runs.append([faults.pick("x") is not None for _ in range(50)])
    assert runs[0] == runs[1]


def test_probability_zero_never_fires_and_one_always():
    faults = Faults()
    faults.add("a", status=500, probability=0.0)
    faults.add("b", status=500, probability=1.0)
    assert all(faults.pick("a") is None for _ in range(50))
    assert all(faults.pick("b") is not None for _ in range(50))


def test_fixed_and_random_latency():
    faults = Faults()
    faults.add("a", latency_ms=250)
    faults.add("b", latency_min_ms=10, latency_max_ms=20, seed=1)
    assert faults.pick("a").latency_s == 0.25
    delays = [faults.pick("b").latency_s for _ in range(100)]
    assert all(0.010 <= d <= 0.020 for d in delays)
    assert len(set(delays)) > 1
    assert faults.pick("a").status is None  # latency only: the request then goes on normally


def test_the_first_fault_that_fires_wins_and_the_other_keeps_its_count():
    faults = Faults()
    first = faults.add("a", status=500, times=1)
    second = faults.add("a", status=503, times=1)
    assert faults.pick("a").fault_id == first.id
    assert second.applied == 0
    assert faults.pick("a").fault_id == second.id


def test_remove_and_clear():
    faults = Faults()
    one = faults.add("a", status=500)
    faults.add("b", status=500)
    faults.remove(one.id)
    assert [f.operation_id for f in faults.list()] == ["b"]
    with pytest.raises(ControlNotFound):
        faults.remove(one.id)
    faults.clear()
    assert faults.list() == [] and faults.pick("b") is None


@pytest.mark.parametrize("arguments", [
    {},  # neither latency nor status
    {"latency_ms": 5, "latency_min_ms": 1},
    {"latency_min_ms": 10, "latency_max_ms": 5},
    {"latency_ms": -1},
    {"status": 500, "probability": 1.5},
    {"status": 500, "times": 0},
])
def test_refuses_faults_that_make_no_sense(arguments):
    faults = Faults()
    with pytest.raises(ControlRequestInvalid):
        faults.add("a", **arguments)
    assert faults.list() == []


def test_to_dict_shows_what_is_left():
    faults = Faults()
    fault = faults.add("getInbox", latency_min_ms=1, latency_max_ms=3, times=3, seed=9)
    faults.pick("getInbox")
    assert fault.to_dict() == {"id": fault.id, "operation_id": "getInbox", "latency_ms": {"min": 1.0, "max": 3.0},
                               "status": None, "body": None, "times": 2, "probability": 1.0, "seed": 9,
                               "applied": 1}
