"""Helpers for the worker's tests: charm metadata as charmsim sends it, and request builders."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from charmsim_worker.executor import Worker
from charmsim_worker.protocol import LoadRequest, RunRequest, parse_request

HERE = Path(__file__).parent
PROBE = HERE / "charms" / "probe"
CHARMS = HERE.parent / "charms"
_ids = itertools.count(1)


def load_request(directory: Path, key: str | None = None) -> LoadRequest:
    raw = yaml.safe_load((directory / "charmcraft.yaml").read_text())
    actions = raw.pop("actions", {}) or {}
    config = raw.pop("config", {}) or {}
    return LoadRequest(
        charm=key or directory.name,
        dir=str(directory),
        class_name=None,
        meta=raw,
        actions=actions,
        config=config,
    )


def status(name: str = "unknown", message: str = "") -> dict[str, str]:
    return {"name": name, "message": message}


def unit_state(**over: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "leader": False,
        "config": {},
        "model_name": "m",
        "model_uuid": "00000000-0000-4000-8000-000000000000",
        "planned_units": 1,
        "unit_status": status(),
        "app_status": status(),
        "workload_version": "",
        "relations": [],
        "stored_states": [],
        "deferred": [],
        "credential": None,
    }
    state.update(over)
    return state


def relation(
    id: int,
    endpoint: str = "db",
    *,
    kind: str = "regular",
    remote_app: str = "remote",
    interface: str = "probe-db",
    local_app_data: dict[str, str] | None = None,
    local_unit_data: dict[str, str] | None = None,
    remote_app_data: dict[str, str] | None = None,
    remote_units: dict[str, dict[str, str]] | None = None,
    extra_units: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": id,
        "endpoint": endpoint,
        "interface": interface,
        "remote_app": remote_app,
        "local_app_data": local_app_data or {},
        "local_unit_data": local_unit_data or {},
        "remote_app_data": remote_app_data or {},
        "remote_units": remote_units or {},
        "extra_units": extra_units or {},
    }


def event(kind: str, **over: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "kind": kind,
        "relation_id": None,
        "remote_unit": None,
        "departing_unit": None,
        "action": None,
    }
    e.update(over)
    return e


def action(name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return event("action", action={"name": name, "params": params or {}, "id": "1"})


def run_request(
    charm: str, state: dict[str, Any], ev: dict[str, Any], *, app: str = "probe", unit_id: int = 0
) -> RunRequest:
    request = parse_request(
        {
            "type": "run",
            "id": next(_ids),
            "charm": charm,
            "app": app,
            "unit_id": unit_id,
            "timeout": 30,
            "state": state,
            "event": ev,
        }
    )
    assert isinstance(request, RunRequest)
    return request


@pytest.fixture(scope="session")
def worker() -> Worker:
    w = Worker()
    for directory in (PROBE, CHARMS / "certificate-transfer-provider", CHARMS / "certificate-transfer-requirer"):
        reply = w.load(load_request(directory))
        assert reply.type == "loaded", reply
    return w


def carry(state: dict[str, Any], reply: Any) -> dict[str, Any]:
    """The unit's next state after a successful hook, as charmsim commits it."""
    assert reply.type == "result" and reply.ok, reply
    relations = []
    for r in state["relations"]:
        r = dict(r)
        for w in reply.bag_writes:
            if w.relation_id == r["id"]:
                r["local_app_data" if w.owner == "app" else "local_unit_data"] = dict(w.data)
        relations.append(r)
    return {
        **state,
        "relations": relations,
        "unit_status": {"name": reply.unit_status.name, "message": reply.unit_status.message},
        "app_status": {"name": reply.app_status.name, "message": reply.app_status.message},
        "workload_version": reply.workload_version,
        "stored_states": [
            {"owner_path": s.owner_path, "name": s.name, "content": s.content}
            for s in reply.stored_states
        ],
        "deferred": [
            {
                "handle_path": d.handle_path,
                "owner": d.owner,
                "observer": d.observer,
                "snapshot": d.snapshot,
            }
            for d in reply.deferred
        ],
    }
