"""The messages between charmsim (TypeScript) and this worker, one JSON object per line.

This module and ``src/python/protocol.ts`` describe the same protocol; PROTOCOL_VERSION changes
whenever either side changes a message. The worker says hello first, with its version; the
TypeScript side refuses a worker whose version differs.

Requests: ``load`` (a charm directory and its metadata), ``run`` (one hook on one unit),
``bench`` (the same hook through bare Scenario, timed). Replies: ``hello``, ``loaded``,
``result``, ``bench``, ``error``. Stored state content and deferred snapshots travel as tagged
JSON (see values.py); everything else is plain JSON.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

PROTOCOL_VERSION = 1

Json = Any
"""A value decoded from, or ready for, JSON."""

RelationKind = Literal["regular", "peer", "subordinate"]
RELATION_KINDS: tuple[RelationKind, ...] = ("regular", "peer", "subordinate")
STATUS_NAMES = ("active", "blocked", "waiting", "maintenance", "unknown", "error")


class ProtocolError(ValueError):
    """A message that does not follow the protocol; the message names the field."""


# ---- reading fields -----------------------------------------------------------------------


def _obj(value: Json, where: str) -> Mapping[str, Json]:
    if not isinstance(value, dict):
        raise ProtocolError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _field(data: Mapping[str, Json], key: str, where: str) -> Json:
    if key not in data:
        raise ProtocolError(f"{where}.{key}: missing")
    return data[key]


def _str(data: Mapping[str, Json], key: str, where: str) -> str:
    value = _field(data, key, where)
    if not isinstance(value, str):
        raise ProtocolError(f"{where}.{key}: expected a string, got {type(value).__name__}")
    return value


def _opt_str(data: Mapping[str, Json], key: str, where: str) -> str | None:
    return None if data.get(key) is None else _str(data, key, where)


def _int(data: Mapping[str, Json], key: str, where: str) -> int:
    value = _field(data, key, where)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"{where}.{key}: expected an integer, got {value!r}")
    return value


def _opt_int(data: Mapping[str, Json], key: str, where: str) -> int | None:
    return None if data.get(key) is None else _int(data, key, where)


def _number(data: Mapping[str, Json], key: str, where: str) -> float:
    value = _field(data, key, where)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ProtocolError(f"{where}.{key}: expected a number, got {value!r}")
    return float(value)


def _bool(data: Mapping[str, Json], key: str, where: str) -> bool:
    value = _field(data, key, where)
    if not isinstance(value, bool):
        raise ProtocolError(f"{where}.{key}: expected true or false, got {value!r}")
    return value


def _list(data: Mapping[str, Json], key: str, where: str) -> list[Json]:
    value = _field(data, key, where)
    if not isinstance(value, list):
        raise ProtocolError(f"{where}.{key}: expected a list, got {type(value).__name__}")
    return value


def _bag(value: Json, where: str) -> dict[str, str]:
    bag = _obj(value, where)
    for k, v in bag.items():
        if not isinstance(v, str):
            raise ProtocolError(f"{where}.{k}: databag values are strings, got {v!r}")
    return dict(bag)


def _units(value: Json, where: str) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for key, bag in _obj(value, where).items():
        if not key.isdigit():
            raise ProtocolError(f"{where}.{key}: unit ids are whole numbers")
        out[int(key)] = _bag(bag, f"{where}.{key}")
    return out


# ---- shared parts -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StatusData:
    name: str
    message: str

    @staticmethod
    def from_json(value: Json, where: str) -> StatusData:
        data = _obj(value, where)
        name = _str(data, "name", where)
        if name not in STATUS_NAMES:
            raise ProtocolError(f"{where}.name: unknown status {name!r}")
        return StatusData(name, _str(data, "message", where))


@dataclasses.dataclass(frozen=True)
class StoredStateData:
    """One ops StoredState: owner path ("" for the framework's own), attribute name, content."""

    owner_path: str
    name: str
    content: Json  # tagged JSON object

    @staticmethod
    def from_json(value: Json, where: str) -> StoredStateData:
        data = _obj(value, where)
        content = _obj(_field(data, "content", where), f"{where}.content")
        return StoredStateData(_str(data, "owner_path", where), _str(data, "name", where), content)


@dataclasses.dataclass(frozen=True)
class DeferredData:
    """One deferred notice, as ops stores it: the event's handle, its owner and observer."""

    handle_path: str
    owner: str
    observer: str
    snapshot: Json  # tagged JSON object

    @staticmethod
    def from_json(value: Json, where: str) -> DeferredData:
        data = _obj(value, where)
        snapshot = _obj(_field(data, "snapshot", where), f"{where}.snapshot")
        return DeferredData(
            _str(data, "handle_path", where),
            _str(data, "owner", where),
            _str(data, "observer", where),
            snapshot,
        )


# ---- requests -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoadRequest:
    """Import a charm: ``dir``/src/charm.py, its CharmBase subclass, under the key ``charm``."""

    charm: str
    dir: str
    class_name: str | None
    meta: Mapping[str, Json]
    actions: Mapping[str, Json]
    config: Mapping[str, Json]
    type: Literal["load"] = "load"

    @staticmethod
    def from_json(data: Mapping[str, Json]) -> LoadRequest:
        w = "load"
        return LoadRequest(
            charm=_str(data, "charm", w),
            dir=_str(data, "dir", w),
            class_name=_opt_str(data, "class_name", w),
            meta=_obj(_field(data, "meta", w), f"{w}.meta"),
            actions=_obj(_field(data, "actions", w), f"{w}.actions"),
            config=_obj(_field(data, "config", w), f"{w}.config"),
        )


@dataclasses.dataclass(frozen=True)
class RelationData:
    """A relation as the unit sees it at this hook.

    ``remote_units`` are the units the unit lists (relation-list); ``extra_units`` are units it
    may read without listing them (the departing unit during relation-departed).
    """

    kind: RelationKind
    id: int
    endpoint: str
    interface: str
    remote_app: str
    local_app_data: dict[str, str]
    local_unit_data: dict[str, str]
    remote_app_data: dict[str, str]
    remote_units: dict[int, dict[str, str]]
    extra_units: dict[int, dict[str, str]]

    @staticmethod
    def from_json(value: Json, where: str) -> RelationData:
        data = _obj(value, where)
        kind = _str(data, "kind", where)
        if kind not in RELATION_KINDS:
            raise ProtocolError(f"{where}.kind: expected one of {RELATION_KINDS}, got {kind!r}")
        return RelationData(
            kind=kind,
            id=_int(data, "id", where),
            endpoint=_str(data, "endpoint", where),
            interface=_str(data, "interface", where),
            remote_app=_str(data, "remote_app", where),
            local_app_data=_bag(_field(data, "local_app_data", where), f"{where}.local_app_data"),
            local_unit_data=_bag(
                _field(data, "local_unit_data", where), f"{where}.local_unit_data"
            ),
            remote_app_data=_bag(
                _field(data, "remote_app_data", where), f"{where}.remote_app_data"
            ),
            remote_units=_units(_field(data, "remote_units", where), f"{where}.remote_units"),
            extra_units=_units(_field(data, "extra_units", where), f"{where}.extra_units"),
        )


@dataclasses.dataclass(frozen=True)
class CredentialData:
    """The cloud credential a trusted application reads (credential-get)."""

    type: str
    endpoint: str
    attrs: dict[str, str]

    @staticmethod
    def from_json(value: Json, where: str) -> CredentialData:
        data = _obj(value, where)
        return CredentialData(
            _str(data, "type", where),
            _str(data, "endpoint", where),
            _bag(_field(data, "attrs", where), f"{where}.attrs"),
        )


@dataclasses.dataclass(frozen=True)
class UnitStateData:
    """Everything the unit sees at the start of a hook: one Scenario State."""

    leader: bool
    config: dict[str, str | int | float | bool]
    model_name: str
    model_uuid: str
    planned_units: int
    unit_status: StatusData
    app_status: StatusData
    workload_version: str
    relations: list[RelationData]
    stored_states: list[StoredStateData]
    deferred: list[DeferredData]
    credential: CredentialData | None

    @staticmethod
    def from_json(value: Json, where: str) -> UnitStateData:
        data = _obj(value, where)
        config = _obj(_field(data, "config", where), f"{where}.config")
        for k, v in config.items():
            if not isinstance(v, (str, int, float, bool)):
                raise ProtocolError(f"{where}.config.{k}: expected a string, number or boolean")
        credential = data.get("credential")
        return UnitStateData(
            leader=_bool(data, "leader", where),
            config=dict(config),
            model_name=_str(data, "model_name", where),
            model_uuid=_str(data, "model_uuid", where),
            planned_units=_int(data, "planned_units", where),
            unit_status=StatusData.from_json(_field(data, "unit_status", where), "unit_status"),
            app_status=StatusData.from_json(_field(data, "app_status", where), "app_status"),
            workload_version=_str(data, "workload_version", where),
            relations=[
                RelationData.from_json(r, f"{where}.relations[{i}]")
                for i, r in enumerate(_list(data, "relations", where))
            ],
            stored_states=[
                StoredStateData.from_json(s, f"{where}.stored_states[{i}]")
                for i, s in enumerate(_list(data, "stored_states", where))
            ],
            deferred=[
                DeferredData.from_json(d, f"{where}.deferred[{i}]")
                for i, d in enumerate(_list(data, "deferred", where))
            ],
            credential=None
            if credential is None
            else CredentialData.from_json(credential, f"{where}.credential"),
        )


@dataclasses.dataclass(frozen=True)
class ActionData:
    name: str
    params: dict[str, Json]
    id: str


@dataclasses.dataclass(frozen=True)
class EventData:
    """The hook: its kind (Juju's, with dashes) and, for relation hooks, units by number.

    ``remote_unit`` is None for an application-level relation-changed (no JUJU_REMOTE_UNIT).
    """

    kind: str
    relation_id: int | None
    remote_unit: int | None
    departing_unit: int | None
    action: ActionData | None

    @staticmethod
    def from_json(value: Json, where: str) -> EventData:
        data = _obj(value, where)
        action = data.get("action")
        action_data = None
        if action is not None:
            a = _obj(action, f"{where}.action")
            action_data = ActionData(
                name=_str(a, "name", f"{where}.action"),
                params=dict(_obj(_field(a, "params", f"{where}.action"), f"{where}.action.params")),
                id=_str(a, "id", f"{where}.action"),
            )
        return EventData(
            kind=_str(data, "kind", where),
            relation_id=_opt_int(data, "relation_id", where),
            remote_unit=_opt_int(data, "remote_unit", where),
            departing_unit=_opt_int(data, "departing_unit", where),
            action=action_data,
        )


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """Run one hook of the charm ``charm`` on unit ``app``/``unit_id``."""

    id: int
    charm: str
    app: str
    unit_id: int
    timeout: float
    state: UnitStateData
    event: EventData
    type: Literal["run"] = "run"

    @staticmethod
    def from_json(data: Mapping[str, Json]) -> RunRequest:
        w = "run"
        return RunRequest(
            id=_int(data, "id", w),
            charm=_str(data, "charm", w),
            app=_str(data, "app", w),
            unit_id=_int(data, "unit_id", w),
            timeout=_number(data, "timeout", w),
            state=UnitStateData.from_json(_field(data, "state", w), "state"),
            event=EventData.from_json(_field(data, "event", w), "event"),
        )


@dataclasses.dataclass(frozen=True)
class BenchRequest:
    """Time ``run``'s hook through bare Scenario ``repeat`` times (State built once, here)."""

    run: RunRequest
    repeat: int
    type: Literal["bench"] = "bench"

    @staticmethod
    def from_json(data: Mapping[str, Json]) -> BenchRequest:
        run = _obj(_field(data, "run", "bench"), "bench.run")
        return BenchRequest(RunRequest.from_json(run), _int(data, "repeat", "bench"))


Request = LoadRequest | RunRequest | BenchRequest


def parse_request(value: Json) -> Request:
    data = _obj(value, "request")
    kind = _str(data, "type", "request")
    if kind == "load":
        return LoadRequest.from_json(data)
    if kind == "run":
        return RunRequest.from_json(data)
    if kind == "bench":
        return BenchRequest.from_json(data)
    raise ProtocolError(f"request.type: unknown request {kind!r}")


# ---- replies ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hello:
    protocol: int
    python: str
    ops: str
    scenario: str
    type: Literal["hello"] = "hello"


@dataclasses.dataclass(frozen=True)
class Loaded:
    charm: str
    class_name: str
    type: Literal["loaded"] = "loaded"


@dataclasses.dataclass(frozen=True)
class LogLine:
    level: str
    message: str


@dataclasses.dataclass(frozen=True)
class EmittedEvent:
    """An event that reached the charm: hook, custom or re-emitted deferred event.

    ``snapshot`` is plain JSON: sets become sorted lists, tuples lists (for inspection only).
    """

    kind: str
    handle_path: str
    reemitted: bool
    snapshot: Json


@dataclasses.dataclass(frozen=True)
class BagWrite:
    """The new full content of one of the unit's own bags (``owner`` "app" or "unit")."""

    relation_id: int
    owner: Literal["app", "unit"]
    data: dict[str, str]


@dataclasses.dataclass(frozen=True)
class ActionOutcome:
    results: Json
    logs: list[str]
    failure: str | None


@dataclasses.dataclass(frozen=True)
class CharmFailure:
    """An exception: its Python type name, message and formatted traceback."""

    type: str
    message: str
    traceback: str


@dataclasses.dataclass(frozen=True)
class RunOk:
    id: int
    bag_writes: list[BagWrite]
    unit_status: StatusData
    app_status: StatusData
    unit_status_history: list[StatusData]
    app_status_history: list[StatusData]
    workload_version: str
    stored_states: list[StoredStateData]
    deferred: list[DeferredData]
    logs: list[LogLine]
    emitted: list[EmittedEvent]
    action: ActionOutcome | None
    worker_us: float = 0.0
    """Time the worker spent on the request, from reading it to having the reply (not sending)."""
    ok: Literal[True] = True
    type: Literal["result"] = "result"


@dataclasses.dataclass(frozen=True)
class RunFailed:
    id: int
    error: CharmFailure
    logs: list[LogLine]
    emitted: list[EmittedEvent]
    ok: Literal[False] = False
    type: Literal["result"] = "result"


@dataclasses.dataclass(frozen=True)
class BenchResult:
    """Median microseconds of one ``Context.run`` of the hook, over ``repeat`` runs."""

    scenario_run_us: float
    repeat: int
    type: Literal["bench"] = "bench"


@dataclasses.dataclass(frozen=True)
class ErrorReply:
    """A request the worker could not handle at all (bad message, unknown charm, import error)."""

    message: str
    traceback: str
    type: Literal["error"] = "error"


Reply = Hello | Loaded | RunOk | RunFailed | BenchResult | ErrorReply


def reply_json(reply: Reply) -> dict[str, Json]:
    return dataclasses.asdict(reply)
