#!/usr/bin/env python3
"""certificate_transfer provider on the upstream library (interface v1), driven by actions only.

``add-certificates`` (comma-separated PEMs), ``remove-certificate`` and
``remove-all-certificates`` call the library on every relation of the endpoint; the library
itself decides what a non-leader does. Nothing happens on relation-joined.
"""

from __future__ import annotations

import ops
from charmlibs.interfaces.certificate_transfer import CertificateTransferProvides

ENDPOINT = "certificates"


class CampaignCertificateTransferProviderCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.certificate_transfer = CertificateTransferProvides(self, ENDPOINT)
        framework.observe(self.on.add_certificates_action, self._on_add_certificates)
        framework.observe(self.on.remove_certificate_action, self._on_remove_certificate)
        framework.observe(
            self.on.remove_all_certificates_action, self._on_remove_all_certificates
        )

    def _on_add_certificates(self, event: ops.ActionEvent) -> None:
        value = event.params.get("certificates")
        items = value.split(",") if isinstance(value, str) else []
        certificates = {item for item in items if item}
        if not certificates:
            event.fail("certificates is required")
            return
        self.certificate_transfer.add_certificates(certificates)

    def _on_remove_certificate(self, event: ops.ActionEvent) -> None:
        certificate = event.params.get("certificate")
        if not isinstance(certificate, str) or not certificate:
            event.fail("certificate is required")
            return
        self.certificate_transfer.remove_certificate(certificate)

    def _on_remove_all_certificates(self, _: ops.ActionEvent) -> None:
        self.certificate_transfer.remove_all_certificates()


if __name__ == "__main__":  # pragma: nocover
    ops.main(CampaignCertificateTransferProviderCharm)
