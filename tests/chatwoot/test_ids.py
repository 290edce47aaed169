"""Ids as Rails' `find` reads them: anything a database id column cannot hold is simply not found."""

from __future__ import annotations

import pytest

from mockserver.chatwoot.ids import MAX_ID, record_id


@pytest.mark.parametrize(("value", "expected"), [
    (7, 7), ("7", 7), ("007", 7), (0, 0), (MAX_ID, MAX_ID), (str(MAX_ID), MAX_ID),
    (MAX_ID + 1, None), (str(MAX_ID + 1), None), (-1, None), ("-1", None),
    ("9" * 5000, None), ("0" * 5000 + "1", 1), (10**4000, None),
    (True, None), ("1.5", None), ("١٢", None), ("", None), (None, None), (1.0, None),
])
def test_record_id(value, expected):
    assert record_id(value) == expected
