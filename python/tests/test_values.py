"""Tagged JSON restores what ops may persist; plain JSON is for reading."""

from __future__ import annotations

import json
import math

import pytest

from charmsim_worker.values import TAG, decode, encode, plain


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2.5,
        "text",
        [1, "a", None],
        {"a": {"b": [1, 2]}},
        {"s": {"y", "x"}},
        frozenset({1, 2}),
        (1, "two", (3,)),
        b"\x00\xffbytes",
        {1: "one", (2, 3): "pair"},
        {TAG: "not a tag", "other": 1},
        [{"nested": {frozenset({"a"})}}],
    ],
)
def test_encode_then_decode_gives_the_value_back(value: object) -> None:
    wire = json.loads(json.dumps(encode(value)))
    assert decode(wire) == value
    assert type(decode(wire)) is type(value)


def test_sets_are_sorted_so_the_same_set_always_encodes_alike() -> None:
    assert encode({"b", "a", "c"}) == {TAG: "set", "items": ["a", "b", "c"]}


def test_non_finite_floats_survive() -> None:
    assert math.isinf(decode(json.loads(json.dumps(encode(float("inf"))))))


def test_what_ops_cannot_store_is_refused_naming_the_path() -> None:
    with pytest.raises(TypeError, match=r"value\.k: a object cannot be stored"):
        encode({"k": object()})


def test_unknown_tags_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown tag"):
        decode({TAG: "mystery"})


def test_plain_sorts_sets_and_flattens_tuples() -> None:
    assert plain({"c": {"b", "a"}, "t": (1, 2), 3: b"hi"}) == {
        "c": ["a", "b"],
        "t": [1, 2],
        "3": "aGk=",
    }
