#!/usr/bin/env python3
"""Dummy certificate_transfer requirer on the upstream library (interface v1).

It keeps the certificates of each relation's last ``certificate_set_updated`` in stored state
(dropped on ``certificates_removed``) and is Active while it holds any, else Waiting; on
update-status it asks the library instead. Actions ``get-all-certificates`` (optional
``relation-id``) and ``is-ready`` (``relation-id`` required).
"""

from __future__ import annotations

import json
import re

import ops
from charmlibs.interfaces.certificate_transfer import (
    CertificatesAvailableEvent,
    CertificatesRemovedEvent,
    CertificateTransferRequires,
)

ENDPOINT = "certificates"
_INTEGER = re.compile(r"\s*[+-]?\d+\s*", re.ASCII)


def relation_id_param(event: ops.ActionEvent) -> tuple[bool, int | None]:
    """(ok, id): the ``relation-id`` parameter, None when absent or empty; fails the action
    (ok False) when it is not an integer."""
    value = event.params.get("relation-id")
    if value is None or value == "":
        return True, None
    if isinstance(value, int) and not isinstance(value, bool):
        return True, value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return True, int(value)
    event.fail(f"relation-id must be an integer, got {json.dumps(value)}")
    return False, None


def requirer_status(holds: bool) -> ops.StatusBase:
    return ops.ActiveStatus() if holds else ops.WaitingStatus()


class DummyCertificateTransferRequirerCharm(ops.CharmBase):
    held = ops.StoredState()

    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.certificate_transfer = CertificateTransferRequires(self, ENDPOINT)
        self.held.set_default(by_relation={})
        framework.observe(
            self.certificate_transfer.on.certificate_set_updated, self._on_certificate_set_updated
        )
        framework.observe(
            self.certificate_transfer.on.certificates_removed, self._on_certificates_removed
        )
        framework.observe(self.on.update_status, self._on_update_status)
        framework.observe(self.on.get_all_certificates_action, self._on_get_all_certificates)
        framework.observe(self.on.is_ready_action, self._on_is_ready)

    def held_certificates(self) -> dict[int, list[str]]:
        return {int(k): list(v) for k, v in self.held.by_relation.items()}

    def _holds_any(self) -> bool:
        return any(len(v) > 0 for v in self.held.by_relation.values())

    def _on_certificate_set_updated(self, event: CertificatesAvailableEvent) -> None:
        self.held.by_relation[str(event.relation_id)] = sorted(event.certificates)
        self.unit.status = requirer_status(self._holds_any())

    def _on_certificates_removed(self, event: CertificatesRemovedEvent) -> None:
        self.held.by_relation.pop(str(event.relation_id), None)
        self.unit.status = requirer_status(self._holds_any())

    def _on_update_status(self, _: ops.UpdateStatusEvent) -> None:
        self.unit.status = requirer_status(
            len(self.certificate_transfer.get_all_certificates()) > 0
        )

    def _on_get_all_certificates(self, event: ops.ActionEvent) -> None:
        ok, relation_id = relation_id_param(event)
        if not ok:
            return
        certificates = self.certificate_transfer.get_all_certificates(relation_id)
        event.set_results({"certificates": sorted(certificates)})

    def _on_is_ready(self, event: ops.ActionEvent) -> None:
        ok, relation_id = relation_id_param(event)
        if not ok:
            return
        if relation_id is None:
            event.fail("relation-id is required")
            return
        relation = self.model.get_relation(ENDPOINT, relation_id)
        if relation is None:
            event.fail(f"no relation {relation_id}")
            return
        event.set_results({"is-ready": self.certificate_transfer.is_ready(relation)})


if __name__ == "__main__":  # pragma: nocover
    ops.main(DummyCertificateTransferRequirerCharm)
