#!/usr/bin/env python3
"""The database's leader publishes a url when a unit joins."""

import ops


class DbCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.leader_elected, self._publish)
        framework.observe(self.on["database"].relation_joined, self._publish)

    def _publish(self, event: ops.EventBase) -> None:
        if not self.unit.is_leader():
            return
        for relation in self.model.relations["database"]:
            relation.data[self.app]["url"] = "pg://db"


if __name__ == "__main__":
    ops.main(DbCharm)
