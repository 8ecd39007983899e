#!/usr/bin/env python3
"""Dummy certificate_transfer provider on the upstream library (interface v1).

On relation-joined it adds its certificates (config ``certificates``, comma-separated PEMs, or
the built-in placeholder when that is empty) to every relation; the library writes only when
this unit leads. Actions ``add-certificates``, ``remove-certificate`` and
``remove-all-certificates`` take an optional ``relation-id`` (every relation when empty).
"""

from __future__ import annotations

import json
import re

import ops
from charmlibs.interfaces.certificate_transfer import CertificateTransferProvides

ENDPOINT = "certificates"
BUILT_IN_CERTIFICATES = ["my certificate"]
_INTEGER = re.compile(r"\s*[+-]?\d+\s*", re.ASCII)


def parse_certificate_list(text: str) -> list[str]:
    """Comma-separated certificates: leading spaces dropped, empty items skipped."""
    items = (item.lstrip(" ") for item in text.split(","))
    return [item for item in items if item]


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


class DummyCertificateTransferProviderCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.certificate_transfer = CertificateTransferProvides(self, ENDPOINT)
        framework.observe(self.on[ENDPOINT].relation_joined, self._on_relation_joined)
        framework.observe(self.on.add_certificates_action, self._on_add_certificates)
        framework.observe(self.on.remove_certificate_action, self._on_remove_certificate)
        framework.observe(
            self.on.remove_all_certificates_action, self._on_remove_all_certificates
        )

    def offered_certificates(self) -> list[str]:
        value = self.config.get("certificates")
        configured = parse_certificate_list(value) if isinstance(value, str) else []
        return configured or list(BUILT_IN_CERTIFICATES)

    def _on_relation_joined(self, _: ops.RelationJoinedEvent) -> None:
        self.certificate_transfer.add_certificates(set(self.offered_certificates()))

    def _on_add_certificates(self, event: ops.ActionEvent) -> None:
        value = event.params.get("certificates")
        certificates = parse_certificate_list(value if isinstance(value, str) else "")
        if not certificates:
            event.fail("certificates is required")
            return
        ok, relation_id = relation_id_param(event)
        if ok:
            self.certificate_transfer.add_certificates(set(certificates), relation_id)

    def _on_remove_certificate(self, event: ops.ActionEvent) -> None:
        certificate = event.params.get("certificate")
        if not isinstance(certificate, str) or not certificate:
            event.fail("certificate is required")
            return
        ok, relation_id = relation_id_param(event)
        if ok:
            self.certificate_transfer.remove_certificate(certificate, relation_id)

    def _on_remove_all_certificates(self, event: ops.ActionEvent) -> None:
        ok, relation_id = relation_id_param(event)
        if ok:
            self.certificate_transfer.remove_all_certificates(relation_id)


if __name__ == "__main__":  # pragma: nocover
    ops.main(DummyCertificateTransferProviderCharm)
