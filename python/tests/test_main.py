"""The worker process: hello first, one reply per request line, stdout kept for the protocol."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import PROBE, action, event, load_request, run_request, unit_state

from charmsim_worker import PROTOCOL_VERSION

PYTHON_DIR = Path(__file__).parent.parent


def talk(*requests: dict[str, Any], timeout: float = 60) -> tuple[list[dict[str, Any]], str, int]:
    proc = subprocess.run(
        [sys.executable, "-m", "charmsim_worker"],
        input="".join(json.dumps(r) + "\n" for r in requests),
        capture_output=True,
        text=True,
        cwd=PYTHON_DIR,
        timeout=timeout,
    )
    return [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr, proc.returncode


def load_json() -> dict[str, Any]:
    return {**dataclasses.asdict(load_request(PROBE, "probe")), "type": "load"}


def run_json(state: dict[str, Any], ev: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
    request = dataclasses.asdict(run_request("probe", state, ev))
    return {**request, "timeout": timeout}


def test_hello_then_replies_in_order_and_prints_stay_off_stdout() -> None:
    replies, stderr, code = talk(
        load_json(),
        {"type": "nonsense"},
        run_json(unit_state(), event("install")),
    )
    assert code == 0
    assert replies[0]["type"] == "hello" and replies[0]["protocol"] == PROTOCOL_VERSION
    assert replies[0]["ops"] == "3.9.0" and replies[0]["scenario"] == "8.9.0"
    assert replies[1] == {"type": "loaded", "charm": "probe", "class_name": "ProbeCharm"}
    assert replies[2]["type"] == "error" and "unknown request" in replies[2]["message"]
    assert replies[3]["type"] == "result" and replies[3]["ok"] is True
    assert len(replies) == 4


def test_a_hook_over_its_time_limit_ends_the_worker_with_a_traceback() -> None:
    replies, stderr, code = talk(
        load_json(),
        run_json(unit_state(), action("sleep", {"seconds": 30}), timeout=0.5),
    )
    assert [r["type"] for r in replies] == ["hello", "loaded"]
    assert code == 124
    assert "_on_sleep" in stderr and "overran its time limit" in stderr


def test_a_crashing_charm_ends_the_worker() -> None:
    replies, _, code = talk(load_json(), run_json(unit_state(), action("crash")))
    assert [r["type"] for r in replies] == ["hello", "loaded"]
    assert code == 3


def test_the_worker_speaks_over_named_pipes(tmp_path: Path) -> None:
    requests, replies = tmp_path / "requests", tmp_path / "replies"
    os.mkfifo(requests)
    os.mkfifo(replies)
    proc = subprocess.Popen(
        [sys.executable, "-m", "charmsim_worker", "--requests", str(requests), "--replies", str(replies)],
        cwd=PYTHON_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with open(requests, "w") as out, open(replies) as back:
            assert json.loads(back.readline())["type"] == "hello"
            out.write(json.dumps(load_json()) + "\n")
            out.flush()
            assert json.loads(back.readline())["type"] == "loaded"
            out.write(json.dumps(run_json(unit_state(), event("install"))) + "\n")
            out.flush()
            reply = json.loads(back.readline())
            assert reply["type"] == "result" and reply["ok"] is True
            assert reply["worker_us"] > 0
        assert proc.wait(timeout=30) == 0  # the request pipe closed: the worker ends
    finally:
        proc.kill()
