"""BoundedMemo: a value is made once per key, and the memo never holds more than its limit."""

from __future__ import annotations

from mockserver.web.memo import BoundedMemo


def test_a_value_is_made_once_and_the_memo_starts_again_when_full():
    made = []

    def make(key):
        made.append(key)
        return key * 2

    memo = BoundedMemo(2)
    assert [memo.get(k, make, k) for k in (1, 1, 2, 2)] == [2, 2, 4, 4]
    assert made == [1, 2]
    assert memo.get(3, make, 3) == 6  # full: emptied, then 3 kept
    assert memo.get(1, make, 1) == 2
    assert made == [1, 2, 3, 1]
    assert len(memo._values) == 2
