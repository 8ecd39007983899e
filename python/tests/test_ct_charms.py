"""The dummy certificate_transfer charms on the upstream library, through plain Scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ops
import pytest
import scenario
import yaml

from charmsim_worker.executor import import_charm
from conftest import CHARMS, load_request


def context(name: str, **kw: Any) -> scenario.Context[ops.CharmBase]:
    directory = CHARMS / name
    charm = import_charm(load_request(directory), hash(name) & 0xFFFF)
    raw = yaml.safe_load((directory / "charmcraft.yaml").read_text())
    return scenario.Context(charm, meta=raw, **kw)


PEM = "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----"


@pytest.fixture(scope="module")
def provider() -> scenario.Context[ops.CharmBase]:
    return context("certificate-transfer-provider")


@pytest.fixture(scope="module")
def requirer() -> scenario.Context[ops.CharmBase]:
    return context("certificate-transfer-requirer")


def test_the_leader_provider_serves_its_certificates_on_joined(provider: Any) -> None:
    rel = scenario.Relation("certificates", remote_app_data={"version": "1"})
    out = provider.run(
        provider.on.relation_joined(rel, remote_unit=0),
        scenario.State(leader=True, relations={rel}, config={"certificates": f"{PEM}, b"}),
    )
    data = out.get_relation(rel.id).local_app_data
    assert sorted(json.loads(data["certificates"])) == sorted([PEM, "b"])
    assert data["version"] == "1"


def test_a_non_leader_provider_writes_nothing(provider: Any) -> None:
    rel = scenario.Relation("certificates", remote_app_data={"version": "1"})
    out = provider.run(provider.on.relation_joined(rel, remote_unit=0), scenario.State(relations={rel}))
    assert dict(out.get_relation(rel.id).local_app_data) == {}


def test_provider_actions_check_their_parameters(provider: Any) -> None:
    state = scenario.State(leader=True)
    with pytest.raises(scenario.ActionFailed, match="certificates is required"):
        provider.run(provider.on.action("add-certificates"), state)
    with pytest.raises(scenario.ActionFailed, match='relation-id must be an integer, got "x"'):
        provider.run(
            provider.on.action("add-certificates", params={"certificates": "a", "relation-id": "x"}),
            state,
        )


def test_the_requirer_is_active_while_it_holds_a_certificate(requirer: Any) -> None:
    rel = scenario.Relation(
        "certificates",
        remote_app_data={"certificates": json.dumps(["b", "a"]), "version": "1"},
    )
    out = requirer.run(requirer.on.relation_changed(rel, remote_unit=0), scenario.State(relations={rel}))
    assert out.unit_status == ops.ActiveStatus()
    held = next(s for s in out.stored_states if s.name == "held")
    assert held.content == {"by_relation": {str(rel.id): ["a", "b"]}}
    gone = requirer.run(requirer.on.relation_broken(rel), out)
    assert gone.unit_status == ops.WaitingStatus()


def test_requirer_actions(requirer: Any) -> None:
    rel = scenario.Relation(
        "certificates", remote_app_data={"certificates": json.dumps(["c"]), "version": "1"}
    )
    state = scenario.State(relations={rel})
    requirer.run(requirer.on.action("get-all-certificates"), state)
    assert requirer.action_results == {"certificates": ["c"]}
    requirer.run(requirer.on.action("is-ready", params={"relation-id": str(rel.id)}), state)
    assert requirer.action_results == {"is-ready": True}
    with pytest.raises(scenario.ActionFailed, match="relation-id is required"):
        requirer.run(requirer.on.action("is-ready"), state)


def test_charm_directories_have_their_metadata() -> None:
    for name in ("certificate-transfer-provider", "certificate-transfer-requirer"):
        assert (Path(CHARMS) / name / "src" / "charm.py").is_file()
