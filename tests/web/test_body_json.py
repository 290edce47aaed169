"""`body.parse_json` at the edges its rules draw: 100 levels of nesting and no more (Ruby's
`JSON.parse` default), and integers past 64 bits read whole, as Ruby's JSON reads them."""

from __future__ import annotations

import pytest

from mockserver.chatwoot.errors import MalformedBody
from mockserver.web.body import parse_json


@pytest.mark.parametrize("depth", [1, 99, 100])
def test_nesting_up_to_100_levels_is_read(depth):
    value = parse_json(b"[" * depth + b"]" * depth)
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize("raw", [b"[" * 101 + b"]" * 101, b"{\"a\":" * 101 + b"{}" + b"}" * 101,
                                 b"[" * 101 + b"1e3" + b"]" * 101])
def test_nesting_past_100_levels_is_refused(raw):
    with pytest.raises(MalformedBody, match="nested too deeply"):
        parse_json(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    (b'{"n": 18446744073709551616}', 2**64),  # 20 digits: orjson gives a float
    (b'{"n": -9223372036854775809}', -2**63 - 1),
    (b'{"n": 123456789012345678901234567890, "url": "https://x.example"}', 123456789012345678901234567890),
    (b'{"n": 9223372036854775807}', 2**63 - 1),  # 19 digits, inside: orjson reads it exactly
    (b'{"n": 999999999999999999}', 999999999999999999),  # 18 digits: no walk needed
    (b'{"n": 1.5, "m": -0.25}', 1.5),
    (b'{"n": 1E3}', 1000.0),
])
def test_numbers_are_read_as_ruby_reads_them(raw, expected):
    value = parse_json(raw)["n"]
    assert value == expected and type(value) is type(expected)
