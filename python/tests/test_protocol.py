"""Requests are checked field by field; replies are plain JSON objects."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import event, relation, unit_state

from charmsim_worker.protocol import (
    PROTOCOL_VERSION,
    Hello,
    LoadRequest,
    ProtocolError,
    RunRequest,
    parse_request,
    reply_json,
)


def run_json(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "run",
        "id": 1,
        "charm": "c",
        "app": "a",
        "unit_id": 0,
        "timeout": 5,
        "state": unit_state(relations=[relation(1, remote_units={"2": {"k": "v"}})]),
        "event": event("install"),
    }
    data.update(over)
    return data


def test_a_run_request_parses() -> None:
    request = parse_request(run_json())
    assert isinstance(request, RunRequest)
    assert request.state.relations[0].remote_units == {2: {"k": "v"}}
    assert request.timeout == 5.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "dance"}, "request.type: unknown request 'dance'"),
        ({"id": "one"}, "run.id: expected an integer"),
        ({"unit_id": True}, "run.unit_id: expected an integer"),
        ({"state": unit_state(leader="yes")}, "state.leader: expected true or false"),
        (
            {"state": unit_state(relations=[relation(1, kind="sideways")])},
            "state.relations[0].kind: expected one of",
        ),
        (
            {"state": unit_state(relations=[relation(1, local_app_data={"k": 1})])},  # type: ignore[dict-item]
            "state.relations[0].local_app_data.k: databag values are strings",
        ),
        (
            {"state": unit_state(relations=[relation(1, remote_units={"x": {}})])},
            "state.relations[0].remote_units.x: unit ids are whole numbers",
        ),
        ({"state": unit_state(unit_status={"name": "odd", "message": ""})}, "unit_status.name"),
        ({"event": {"kind": 3}}, "event.kind: expected a string"),
    ],
)
def test_a_bad_field_is_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ProtocolError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_request(run_json(**change))


def test_a_load_request_parses() -> None:
    request = parse_request(
        {
            "type": "load",
            "charm": "k",
            "dir": "/d",
            "class_name": None,
            "meta": {"name": "x"},
            "actions": {},
            "config": {},
        }
    )
    assert isinstance(request, LoadRequest) and request.class_name is None


def test_replies_are_json_with_their_type() -> None:
    hello = reply_json(Hello(PROTOCOL_VERSION, "3.11", "3.9.0", "8.9.0"))
    assert json.loads(json.dumps(hello)) == {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "python": "3.11",
        "ops": "3.9.0",
        "scenario": "8.9.0",
    }
