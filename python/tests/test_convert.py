"""Every State part the worker carries, into Scenario and back out."""

from __future__ import annotations

import dataclasses
from typing import Any

import ops
import scenario
from conftest import relation, unit_state

from charmsim_worker import convert
from charmsim_worker.protocol import DeferredData, UnitStateData
from charmsim_worker.values import TAG


def state_of(**over: Any) -> scenario.State:
    data = UnitStateData.from_json(unit_state(**over), "state")
    options = {"ratio": {"type": "float"}, "count": {"type": "int"}}
    return convert.to_state(data, options)


def test_scalar_parts() -> None:
    s = state_of(
        leader=True,
        config={"ratio": 1, "count": 2, "name": "x", "flag": True},
        model_name="dev",
        model_uuid="11111111-2222-4333-8444-555555555555",
        planned_units=3,
        unit_status={"name": "blocked", "message": "why"},
        app_status={"name": "waiting", "message": "soon"},
        workload_version="1.0",
    )
    assert s.leader is True
    assert s.config == {"ratio": 1.0, "count": 2, "name": "x", "flag": True}
    assert isinstance(s.config["ratio"], float) and isinstance(s.config["count"], int)
    assert (s.model.name, s.model.uuid, s.model.type) == (
        "dev",
        "11111111-2222-4333-8444-555555555555",
        "lxd",
    )
    assert s.planned_units == 3
    assert s.unit_status == ops.BlockedStatus("why")
    assert s.app_status == ops.WaitingStatus("soon")
    assert s.workload_version == "1.0"
    assert s.model.cloud_spec is None


def test_unknown_status_and_credential() -> None:
    s = state_of(
        credential={"type": "certificate", "endpoint": "https://lxd:8443", "attrs": {"a": "b"}}
    )
    assert s.unit_status == ops.UnknownStatus()
    spec = s.model.cloud_spec
    assert spec is not None and spec.endpoint == "https://lxd:8443"
    assert spec.credential is not None
    assert (spec.credential.auth_type, dict(spec.credential.attributes)) == (
        "certificate",
        {"a": "b"},
    )


def test_relations_of_each_kind() -> None:
    s = state_of(
        relations=[
            relation(
                1,
                remote_app="db",
                local_app_data={"la": "1"},
                local_unit_data={"lu": "2"},
                remote_app_data={"ra": "3"},
                remote_units={"0": {"r0": "4"}, "2": {}},
                extra_units={"5": {"gone": "yes"}},
            ),
            relation(2, "cluster", kind="peer", interface="probe-cluster", remote_units={"1": {"p": "1"}}),
            relation(3, "sub", kind="subordinate", remote_app="principal", remote_units={"4": {"s": "x"}}),
        ]
    )
    regular = s.get_relation(1)
    assert isinstance(regular, scenario.Relation)
    assert regular.remote_app_name == "db"
    assert dict(regular.local_app_data) == {"la": "1"}
    assert dict(regular.local_unit_data) == {"lu": "2"}
    assert dict(regular.remote_app_data) == {"ra": "3"}
    assert regular._remote_unit_ids == (0, 2)
    assert dict(regular._get_databag_for_remote(5)) == {"gone": "yes"}
    peer = s.get_relation(2)
    assert isinstance(peer, scenario.PeerRelation) and peer._remote_unit_ids == (1,)
    sub = s.get_relation(3)
    assert isinstance(sub, scenario.SubordinateRelation)
    assert (sub.remote_app_name, sub.remote_unit_id, dict(sub.remote_unit_data)) == (
        "principal",
        4,
        {"s": "x"},
    )


def test_stored_state_and_deferred_in() -> None:
    s = state_of(
        stored_states=[
            {"owner_path": "", "name": "_stored", "content": {"event_count": 7}},
            {"owner_path": "C", "name": "_stored", "content": {"s": {TAG: "set", "items": ["a"]}}},
        ],
        deferred=[
            {
                "handle_path": "C/on/update_status[3]",
                "owner": "C",
                "observer": "_on",
                "snapshot": {"t": {TAG: "tuple", "items": [1]}},
            }
        ],
    )
    by_owner = {st.owner_path: st for st in s.stored_states}
    assert by_owner[None].content == {"event_count": 7}
    assert by_owner["C"].content == {"s": {"a"}}
    (d,) = s.deferred
    assert (d.handle_path, d.owner, d.observer, d.snapshot_data) == (
        "C/on/update_status[3]",
        "C",
        "_on",
        {"t": (1,)},
    )


class _Recorded:
    unit_status_history: list[Any] = []
    app_status_history: list[Any] = []


def test_output_parts() -> None:
    before = state_of(
        relations=[
            relation(1, local_app_data={"a": "1"}, local_unit_data={"u": "1"}),
            relation(2, local_unit_data={"same": "x"}),
        ]
    )
    r1 = before.get_relation(1)
    r2 = before.get_relation(2)
    after = dataclasses.replace(
        before,
        relations=[
            dataclasses.replace(r1, local_app_data={"a": "2"}, local_unit_data={}),
            r2,
        ],
        unit_status=scenario.ActiveStatus("done"),
        workload_version="2",
        stored_states=[
            scenario.StoredState("_stored", owner_path=None, content={"event_count": 9}),
            scenario.StoredState("_stored", owner_path="C", content={"s": {"b", "a"}}),
        ],
        deferred=[scenario.DeferredEvent("C/on/start[2]", "C", "_on_start", {"k": b"v"})],
    )
    recorded = _Recorded()
    recorded.unit_status_history = [scenario.UnknownStatus(), scenario.MaintenanceStatus("m")]
    recorded.app_status_history = []
    out = convert.from_output(recorded, before, after)  # type: ignore[arg-type]
    assert [(w.relation_id, w.owner, w.data) for w in out.bag_writes] == [
        (1, "app", {"a": "2"}),
        (1, "unit", {}),
    ]
    assert (out.unit_status.name, out.unit_status.message) == ("active", "done")
    assert [(s.name, s.message) for s in out.unit_status_history] == [
        ("maintenance", "m"),
        ("active", "done"),
    ]
    assert out.app_status_history == []
    assert out.workload_version == "2"
    assert [(s.owner_path, s.content) for s in out.stored_states] == [
        ("", {"event_count": 9}),
        ("C", {"s": {TAG: "set", "items": ["a", "b"]}}),
    ]
    assert out.deferred == [
        DeferredData("C/on/start[2]", "C", "_on_start", {"k": {TAG: "bytes", "base64": "dg=="}})
    ]


def test_round_trip_of_stored_state_through_both_conversions() -> None:
    content = {"n": 1, "s": {"x"}, "t": (1, 2), "d": {3: "three"}}
    out = convert.stored_states_out(
        dataclasses.replace(
            state_of(), stored_states=[scenario.StoredState("_s", owner_path="C", content=content)]
        )
    )
    back = convert.to_stored_state(out[0])
    assert back.content == content and back.owner_path == "C" and back.name == "_s"
