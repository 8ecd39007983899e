#!/usr/bin/env python3
"""charmsim's probe charm: reports its view of the model and fails, defers, writes on demand."""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from typing import Any

import ops

logger = logging.getLogger(__name__)


def _unstored(value: Any) -> Any:
    """Plain containers for what ops keeps in stored state (StoredDict, StoredList, StoredSet)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "items"):
        return {k: _unstored(v) for k, v in value.items()}
    return [_unstored(v) for v in value]


class ProbeCharm(ops.CharmBase):
    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self._stored.set_default(seen=[], deferrals=0, tags=set(), relation_events=[])
        for event in (
            self.on.install,
            self.on.start,
            self.on.config_changed,
            self.on.leader_elected,
            self.on.update_status,
        ):
            framework.observe(event, self._on_unit_event)
        for endpoint in ("db", "upstream", "cluster"):
            on = self.on[endpoint]
            for event in (
                on.relation_created,
                on.relation_joined,
                on.relation_changed,
                on.relation_departed,
                on.relation_broken,
            ):
                framework.observe(event, self._on_relation_event)
        framework.observe(self.on.inspect_action, self._on_inspect)
        framework.observe(self.on.write_action, self._on_write)
        framework.observe(self.on.set_status_action, self._on_set_status)
        framework.observe(self.on.sleep_action, self._on_sleep)
        framework.observe(self.on.crash_action, self._on_crash)
        framework.observe(self.on.raise_action, self._on_raise)

    def _on_unit_event(self, event: ops.EventBase) -> None:
        kind = event.handle.kind
        self._stored.seen.append(kind)
        self._stored.tags.add(kind)
        if kind == "install" and self.config.get("fail-install"):
            self.unit.status = ops.MaintenanceStatus("installing")
            for relation in self.model.relations["db"]:
                relation.data[self.unit]["half"] = "written"
            self.unit.set_workload_version("9.9")
            logger.warning("install is about to fail")
            raise RuntimeError("install failed on purpose")
        if kind == "update_status":
            if self.config.get("defer-update"):
                self._stored.deferrals += 1
                event.defer()
                return
            self.unit.status = ops.ActiveStatus(f"updated after {self._stored.deferrals} deferrals")

    def _on_relation_event(self, event: ops.RelationEvent) -> None:
        record: dict[str, Any] = {
            "kind": event.handle.kind,
            "relation": event.relation.id,
            "app": event.app.name if event.app else None,
            "unit": event.unit.name if event.unit else None,
        }
        if isinstance(event, ops.RelationDepartedEvent):
            departing = event.departing_unit
            record["departing"] = departing.name if departing else None
            if event.unit is not None:
                record["departing_data"] = dict(event.relation.data[event.unit])
        self._stored.relation_events.append(record)
        self._stored.seen.append(event.handle.kind)

    def _view(self) -> dict[str, Any]:
        relations: dict[str, Any] = {}
        for endpoint, rels in self.model.relations.items():
            for r in rels:
                bags: dict[str, Any] = {self.unit.name: dict(r.data[self.unit])}
                if self.unit.is_leader():
                    bags[self.app.name] = dict(r.data[self.app])
                if r.app is not None and r.app is not self.app:
                    bags[r.app.name] = dict(r.data[r.app])
                for unit in r.units:
                    bags[unit.name] = dict(r.data[unit])
                relations[str(r.id)] = {
                    "endpoint": endpoint,
                    "app": r.app.name if r.app else None,
                    "units": sorted(u.name for u in r.units),
                    "bags": bags,
                }
        credential: Any = None
        try:
            spec = self.model.get_cloud_spec()
            cred = spec.credential
            credential = {
                "endpoint": spec.endpoint,
                "type": cred.auth_type if cred else None,
                "attrs": dict(cred.attributes) if cred else None,
            }
        except ops.ModelError:
            credential = None
        return {
            "unit": self.unit.name,
            "app": self.app.name,
            "leader": self.unit.is_leader(),
            "config": dict(self.config),
            "config_types": {k: type(v).__name__ for k, v in self.config.items()},
            "model": {"name": self.model.name, "uuid": self.model.uuid},
            "planned_units": self.app.planned_units() if self.unit.is_leader() else None,
            "unit_status": [self.unit.status.name, self.unit.status.message],
            "app_status": [self.app.status.name, self.app.status.message]
            if self.unit.is_leader()
            else None,
            "relations": relations,
            "seen": list(self._stored.seen),
            "tags": sorted(self._stored.tags),
            "deferrals": self._stored.deferrals,
            "relation_events": _unstored(self._stored.relation_events),
            "credential": credential,
        }

    def _on_inspect(self, event: ops.ActionEvent) -> None:
        event.set_results({"view": json.dumps(self._view(), sort_keys=True)})

    def _on_write(self, event: ops.ActionEvent) -> None:
        relation = self.model.get_relation("db", int(event.params["relation-id"]))
        assert relation is not None
        owner = self.app if event.params.get("app") else self.unit
        relation.data[owner][event.params["key"]] = event.params["value"]
        event.log(f"wrote {event.params['key']}")

    def _on_set_status(self, event: ops.ActionEvent) -> None:
        if "unit" in event.params:
            self.unit.status = ops.BlockedStatus("first")
            self.unit.status = ops.ActiveStatus(event.params["unit"])
        if "app" in event.params:
            self.app.status = ops.WaitingStatus(event.params["app"])
        if "workload-version" in event.params:
            self.unit.set_workload_version(event.params["workload-version"])
        event.set_results({"done": "yes"})

    def _on_sleep(self, event: ops.ActionEvent) -> None:
        if event.params.get("block-alarm"):  # as stuck as charm code can get: no signal handling
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(float(event.params["seconds"]))

    def _on_crash(self, _: ops.ActionEvent) -> None:
        os._exit(3)

    def _on_raise(self, _: ops.ActionEvent) -> None:
        raise KeyError("raised on purpose")


if __name__ == "__main__":  # pragma: nocover
    ops.main(ProbeCharm)
