#!/usr/bin/env python3
"""Shows the url it learnt in its status. It reads the url in relation-joined only."""

import ops


class WebCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on["database"].relation_joined, self._on_database)

    def _on_install(self, event: ops.InstallEvent) -> None:
        self.unit.status = ops.BlockedStatus("waiting for a database")

    def _on_database(self, event: ops.RelationEvent) -> None:
        url = event.relation.data[event.app].get("url") if event.app else None
        if url:
            self.unit.status = ops.ActiveStatus(f"using {url}")


if __name__ == "__main__":
    ops.main(WebCharm)
