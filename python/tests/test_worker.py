"""The worker runs the unmodified charm per hook and reports what it did."""

from __future__ import annotations

import json
from typing import Any

from conftest import action, carry, event, load_request, relation, run_request, unit_state, PROBE

from charmsim_worker.executor import Worker
from charmsim_worker.protocol import BenchRequest, ErrorReply, RunFailed, RunOk


def view(worker: Worker, state: dict[str, Any], **kw: Any) -> dict[str, Any]:
    reply = worker.run(run_request("probe", state, action("inspect"), **kw))
    assert isinstance(reply, RunOk), reply
    assert reply.action is not None
    return json.loads(reply.action.results["view"])


def test_install_runs_and_stored_state_persists_across_hooks(worker: Worker) -> None:
    state = unit_state()
    reply = worker.run(run_request("probe", state, event("install")))
    assert isinstance(reply, RunOk)
    state = carry(state, reply)
    state = carry(state, worker.run(run_request("probe", state, event("start"))))
    state = carry(state, worker.run(run_request("probe", state, event("config-changed"))))
    seen = view(worker, state)["seen"]
    assert seen == ["install", "start", "config_changed"]
    # A set in stored state comes back a set, in tagged JSON.
    probe = next(s for s in state["stored_states"] if s["owner_path"] == "ProbeCharm")
    assert probe["content"]["tags"] == {
        "__charmsim_py__": "set",
        "items": ["config_changed", "install", "start"],
    }


def test_the_framework_event_counter_persists_so_handles_never_repeat(worker: Worker) -> None:
    state = unit_state()
    paths: list[str] = []
    for kind in ("install", "update-status", "update-status"):
        reply = worker.run(run_request("probe", state, event(kind)))
        assert isinstance(reply, RunOk)
        paths += [e.handle_path for e in reply.emitted]
        state = carry(state, reply)
    assert len(paths) == len(set(paths)), paths
    framework = [s for s in state["stored_states"] if s["owner_path"] == ""]
    assert len(framework) == 1 and framework[0]["content"]["event_count"] > 3


def test_a_raising_charm_fails_the_hook_with_its_traceback_and_logs(worker: Worker) -> None:
    state = unit_state(
        config={"fail-install": True}, relations=[relation(3, remote_units={"0": {}})]
    )
    reply = worker.run(run_request("probe", state, event("install")))
    assert isinstance(reply, RunFailed)
    assert reply.error.type == "RuntimeError"
    assert reply.error.message == "install failed on purpose"
    assert 'raise RuntimeError("install failed on purpose")' in reply.error.traceback
    assert any(line.message == "install is about to fail" for line in reply.logs)
    assert [e.kind for e in reply.emitted] == ["install"]


def test_a_deferred_event_is_reemitted_before_the_next_hook(worker: Worker) -> None:
    state = unit_state(config={"defer-update": True})
    first = worker.run(run_request("probe", state, event("update-status")))
    assert isinstance(first, RunOk)
    assert [d.handle_path for d in first.deferred] == ["ProbeCharm/on/update_status[1]"]
    assert first.deferred[0].observer == "_on_unit_event"
    state = carry(state, first)
    state = {**state, "config": {"defer-update": False}}
    second = worker.run(run_request("probe", state, event("config-changed")))
    assert isinstance(second, RunOk)
    assert [(e.kind, e.reemitted) for e in second.emitted] == [
        ("update_status", True),
        ("config_changed", False),
    ]
    assert second.deferred == []
    assert second.unit_status.message == "updated after 1 deferrals"


def test_a_non_leader_writing_its_app_bag_fails_the_hook(worker: Worker) -> None:
    state = unit_state(leader=False, relations=[relation(4, remote_units={"0": {}})])
    params = {"relation-id": 4, "app": True, "key": "k", "value": "v"}
    reply = worker.run(run_request("probe", state, action("write", params)))
    assert isinstance(reply, RunFailed)
    assert reply.error.type == "RelationDataAccessError"
    leader = worker.run(run_request("probe", {**state, "leader": True}, action("write", params)))
    assert isinstance(leader, RunOk)
    assert [(w.relation_id, w.owner, w.data) for w in leader.bag_writes] == [(4, "app", {"k": "v"})]
    assert leader.action is not None and leader.action.logs == ["wrote k"]


def test_statuses_their_history_and_workload_version_come_back(worker: Worker) -> None:
    state = unit_state(leader=True)
    params = {"unit": "u", "app": "a", "workload-version": "1.2"}
    reply = worker.run(run_request("probe", state, action("set-status", params)))
    assert isinstance(reply, RunOk)
    assert (reply.unit_status.name, reply.unit_status.message) == ("active", "u")
    assert [(s.name, s.message) for s in reply.unit_status_history] == [
        ("blocked", "first"),
        ("active", "u"),
    ]
    assert [(s.name, s.message) for s in reply.app_status_history] == [("waiting", "a")]
    assert reply.workload_version == "1.2"
    assert reply.action is not None and reply.action.results == {"done": "yes"}


def test_an_action_that_raises_fails_and_an_unknown_charm_is_an_error(worker: Worker) -> None:
    reply = worker.run(run_request("probe", unit_state(), action("raise")))
    assert isinstance(reply, RunFailed) and reply.error.type == "KeyError"
    unknown = worker.run(run_request("nothing", unit_state(), event("install")))
    assert isinstance(unknown, ErrorReply) and "not loaded" in unknown.message


def test_an_application_level_change_has_no_remote_unit(worker: Worker) -> None:
    state = unit_state(relations=[relation(5, remote_app="db", remote_units={"1": {}})])
    reply = worker.run(run_request("probe", state, event("relation-changed", relation_id=5)))
    assert isinstance(reply, RunOk)
    events = view(worker, carry(state, reply))["relation_events"]
    assert events[-1] == {"kind": "db_relation_changed", "relation": 5, "app": "db", "unit": None}
    # Also with no unit listed yet, which Scenario alone would refuse.
    bare = unit_state(relations=[relation(6, remote_app="db")])
    assert isinstance(
        worker.run(run_request("probe", bare, event("relation-changed", relation_id=6))), RunOk
    )


def test_the_departing_unit_is_readable_but_not_listed(worker: Worker) -> None:
    state = unit_state(
        relations=[
            relation(
                7,
                remote_app="db",
                remote_units={"1": {"a": "1"}},
                extra_units={"0": {"bye": "now"}},
            )
        ]
    )
    ev = event("relation-departed", relation_id=7, remote_unit=0, departing_unit=0)
    reply = worker.run(run_request("probe", state, ev))
    assert isinstance(reply, RunOk)
    after = view(worker, carry(state, reply))
    assert after["relation_events"][-1] == {
        "kind": "db_relation_departed",
        "relation": 7,
        "app": "db",
        "unit": "db/0",
        "departing": "db/0",
        "departing_data": {"bye": "now"},
    }
    assert after["relations"]["7"]["units"] == ["db/1"]


def test_a_charm_that_cannot_be_imported_is_reported(tmp_path: Any) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "charm.py").write_text("import not_a_module_anywhere\n")
    (tmp_path / "charmcraft.yaml").write_text("name: broken\n")
    reply = Worker().load(load_request(tmp_path, "broken"))
    assert isinstance(reply, ErrorReply)
    assert "ModuleNotFoundError" in reply.message
    assert "import not_a_module_anywhere" in reply.traceback


def test_bench_times_bare_scenario_runs(worker: Worker) -> None:
    request = run_request("probe", unit_state(), event("update-status"))
    reply = worker.bench(BenchRequest(request, 3))
    assert reply.type == "bench"
    assert reply.scenario_run_us > 0  # type: ignore[union-attr]


def test_load_needs_the_charm_class_by_name_when_there_are_two(tmp_path: Any) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "charm.py").write_text(
        "import ops\nclass A(ops.CharmBase): pass\nclass B(ops.CharmBase): pass\n"
    )
    (tmp_path / "charmcraft.yaml").write_text("name: two\n")
    reply = Worker().load(load_request(tmp_path, "two"))
    assert isinstance(reply, ErrorReply) and "found: A, B" in reply.message
    named = load_request(tmp_path, "two-b")
    named = type(named)(**{**named.__dict__, "class_name": "B"})
    assert Worker().load(named).type == "loaded"


def test_probe_directory_exists() -> None:
    assert (PROBE / "src" / "charm.py").is_file()


def test_every_unit_hook_runs_including_leader_settings_changed(worker: Worker) -> None:
    for kind in (
        "install",
        "start",
        "stop",
        "remove",
        "update-status",
        "config-changed",
        "upgrade-charm",
        "leader-elected",
        "leader-settings-changed",
    ):
        reply = worker.run(run_request("probe", unit_state(), event(kind)))
        assert isinstance(reply, RunOk), (kind, reply)
        assert reply.emitted[-1].kind == kind.replace("-", "_")
