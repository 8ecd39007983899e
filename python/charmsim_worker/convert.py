"""The unit's view at a hook as a Scenario State and event, and Scenario's output back.

``to_state`` and ``to_event`` build what ``Context.run`` takes from the protocol's records;
``from_output`` turns the output State (and what the Context recorded) into the hook's result:
the unit's own bags that changed, statuses and their history, workload version, stored state
and deferred notices (tagged JSON), juju-log lines and emitted events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import ops
import scenario
from scenario.state import _BUILTIN_EVENTS, _EntityStatus, _Event

from . import values
from .protocol import (
    BagWrite,
    CredentialData,
    DeferredData,
    EmittedEvent,
    EventData,
    LogLine,
    RelationData,
    StatusData,
    StoredStateData,
    UnitStateData,
)


# Relations whose remote units are those the unit lists (relation-list), and which can also
# read a unit it does not list: during relation-departed Juju lets the charm read the departing
# unit's bag, and ops offers it through `event.unit`.
@dataclasses.dataclass(frozen=True, kw_only=True)
class ListedRelation(scenario.Relation):
    extra_units_data: Mapping[int, dict[str, str]] = dataclasses.field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.id)

    def _get_databag_for_remote(self, unit_id: int) -> Mapping[str, str]:
        if unit_id in self.remote_units_data:
            return self.remote_units_data[unit_id]
        return self.extra_units_data[unit_id]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ListedPeerRelation(scenario.PeerRelation):
    extra_units_data: Mapping[int, dict[str, str]] = dataclasses.field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.id)

    def _get_databag_for_remote(self, unit_id: int) -> Mapping[str, str]:
        if unit_id in self.peers_data:
            return self.peers_data[unit_id]
        return self.extra_units_data[unit_id]


class StatusLike(Protocol):
    """An ops status or Scenario's copy of one."""

    @property
    def name(self) -> str: ...
    @property
    def message(self) -> str: ...


def to_status(status: StatusData) -> _EntityStatus:
    return _EntityStatus.from_status_name(status.name, status.message)  # type: ignore[arg-type]


def from_status(status: StatusLike) -> StatusData:
    return StatusData(status.name, status.message)


def to_relation(r: RelationData) -> scenario.RelationBase:
    if r.kind == "peer":
        return ListedPeerRelation(
            endpoint=r.endpoint,
            interface=r.interface,
            id=r.id,
            local_app_data=r.local_app_data,
            local_unit_data=r.local_unit_data,
            peers_data=r.remote_units,
            extra_units_data=r.extra_units,
        )
    if r.kind == "subordinate":
        (unit_id, unit_data), *_ = list(r.remote_units.items()) or [(0, {})]
        return scenario.SubordinateRelation(
            endpoint=r.endpoint,
            interface=r.interface,
            id=r.id,
            local_app_data=r.local_app_data,
            local_unit_data=r.local_unit_data,
            remote_app_name=r.remote_app,
            remote_app_data=r.remote_app_data,
            remote_unit_id=unit_id,
            remote_unit_data=unit_data,
        )
    return ListedRelation(
        endpoint=r.endpoint,
        interface=r.interface,
        id=r.id,
        local_app_data=r.local_app_data,
        local_unit_data=r.local_unit_data,
        remote_app_name=r.remote_app,
        remote_app_data=r.remote_app_data,
        remote_units_data=r.remote_units,
        extra_units_data=r.extra_units,
    )


def to_config(
    values_: Mapping[str, str | int | float | bool], options: Mapping[str, Any]
) -> dict[str, str | int | float | bool]:
    """Config values as ops reads them: JSON has one number type, a float option wants a float."""
    out = dict(values_)
    for key, value in values_.items():
        option = options.get(key)
        kind = option.get("type") if isinstance(option, dict) else None
        if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            out[key] = float(value)
    return out


def to_cloud_spec(credential: CredentialData | None) -> scenario.CloudSpec | None:
    if credential is None:
        return None
    return scenario.CloudSpec(
        type="lxd",
        name="localhost",
        endpoint=credential.endpoint,
        credential=scenario.CloudCredential(
            auth_type=credential.type, attributes=dict(credential.attrs)
        ),
    )


def to_stored_state(s: StoredStateData) -> scenario.StoredState:
    content = values.decode(s.content)
    return scenario.StoredState(s.name, owner_path=s.owner_path or None, content=content)


def to_deferred(d: DeferredData) -> scenario.DeferredEvent:
    return scenario.DeferredEvent(
        handle_path=d.handle_path,
        owner=d.owner,
        observer=d.observer,
        snapshot_data=values.decode(d.snapshot),
    )


def to_state(data: UnitStateData, config_options: Mapping[str, Any]) -> scenario.State:
    """The Scenario State of the unit at the start of the hook."""
    return scenario.State(
        leader=data.leader,
        config=to_config(data.config, config_options),
        model=scenario.Model(
            name=data.model_name,
            uuid=data.model_uuid,
            type="lxd",
            cloud_spec=to_cloud_spec(data.credential),
        ),
        planned_units=data.planned_units,
        unit_status=to_status(data.unit_status),
        app_status=to_status(data.app_status),
        workload_version=data.workload_version,
        relations=[to_relation(r) for r in data.relations],
        stored_states=[to_stored_state(s) for s in data.stored_states],
        deferred=[to_deferred(d) for d in data.deferred],
    )


def to_event(ctx: scenario.Context[Any], event: EventData, state: scenario.State) -> Any:
    """The Scenario event of the hook (``ctx.on.<hook>(...)``)."""
    kind = event.kind
    if event.action is not None:
        return ctx.on.action(event.action.name, params=event.action.params, id=event.action.id)
    if event.relation_id is None:
        name = kind.replace("-", "_")
        factory = getattr(ctx.on, name, None)
        if factory is not None:
            return factory()
        if name in _BUILTIN_EVENTS:  # e.g. leader_settings_changed, which ctx.on leaves out
            return _Event(name)
        raise ValueError(f"event.kind: charmsim cannot run {kind!r} on a Python charm")
    relation = state.get_relation(event.relation_id)
    if kind == "relation-created":
        return ctx.on.relation_created(relation)
    if kind == "relation-broken":
        return ctx.on.relation_broken(relation)
    if kind == "relation-joined":
        return ctx.on.relation_joined(relation, remote_unit=event.remote_unit)
    if kind == "relation-changed":
        return ctx.on.relation_changed(relation, remote_unit=event.remote_unit)
    if kind == "relation-departed":
        return ctx.on.relation_departed(
            relation, remote_unit=event.remote_unit, departing_unit=event.departing_unit
        )
    raise ValueError(f"event.kind: {kind!r} is not a relation hook")


@dataclasses.dataclass(frozen=True)
class Output:
    """What the hook changed, in protocol records."""

    bag_writes: list[BagWrite]
    unit_status: StatusData
    app_status: StatusData
    unit_status_history: list[StatusData]
    app_status_history: list[StatusData]
    workload_version: str
    stored_states: list[StoredStateData]
    deferred: list[DeferredData]


def status_changes(before: Sequence[StatusLike], final: StatusLike) -> list[StatusData]:
    """The statuses set during the hook, in order, from Scenario's record of the ones replaced."""
    if not before:
        return []
    return [from_status(s) for s in [*before[1:], final]]


def bag_writes(state_in: scenario.State, state_out: scenario.State) -> list[BagWrite]:
    writes: list[BagWrite] = []
    for before in sorted(state_in.relations, key=lambda r: r.id):
        after = state_out.get_relation(before.id)
        if dict(after.local_app_data) != dict(before.local_app_data):
            writes.append(BagWrite(before.id, "app", dict(after.local_app_data)))
        if dict(after.local_unit_data) != dict(before.local_unit_data):
            writes.append(BagWrite(before.id, "unit", dict(after.local_unit_data)))
    return writes


def stored_states_out(state: scenario.State) -> list[StoredStateData]:
    out = [
        StoredStateData(
            owner_path=s.owner_path or "",
            name=s.name,
            content=values.encode(dict(s.content), f"stored state {s.owner_path}.{s.name}"),
        )
        for s in state.stored_states
    ]
    return sorted(out, key=lambda s: (s.owner_path, s.name))


def deferred_out(state: scenario.State) -> list[DeferredData]:
    return [
        DeferredData(
            handle_path=d.handle_path,
            owner=d.owner,
            observer=d.observer,
            snapshot=values.encode(d.snapshot_data, f"deferred {d.handle_path}"),
        )
        for d in state.deferred
    ]


def from_output(
    ctx: scenario.Context[Any], state_in: scenario.State, state_out: scenario.State
) -> Output:
    return Output(
        bag_writes=bag_writes(state_in, state_out),
        unit_status=from_status(state_out.unit_status),
        app_status=from_status(state_out.app_status),
        unit_status_history=status_changes(ctx.unit_status_history, state_out.unit_status),
        app_status_history=status_changes(ctx.app_status_history, state_out.app_status),
        workload_version=state_out.workload_version,
        stored_states=stored_states_out(state_out),
        deferred=deferred_out(state_out),
    )


def log_lines(ctx: scenario.Context[Any]) -> list[LogLine]:
    return [LogLine(line.level, line.message) for line in ctx.juju_log]


def emitted_events(ctx: scenario.Context[Any], deferred_in: Sequence[DeferredData]) -> list[EmittedEvent]:
    """The events that reached the charm. Scenario records the re-emitted deferred events first,
    before the hook's event; they are the leading ones whose handles were deferred."""
    deferred_paths = {d.handle_path for d in deferred_in}
    out: list[EmittedEvent] = []
    leading = True
    for event in ctx.emitted_events:
        path = event.handle.path
        reemitted = leading and path in deferred_paths
        leading = reemitted
        out.append(EmittedEvent(event.handle.kind, path, reemitted, values.plain(event.snapshot())))
    return out
