"""Loads charms and runs their hooks through Scenario, one ``Context`` per unit."""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import importlib.util
import inspect
import logging
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import ops
import scenario
from scenario import _runtime
from scenario import state as scenario_state
from scenario.errors import UncaughtCharmError

from . import convert
from .protocol import (
    ActionOutcome,
    BenchRequest,
    BenchResult,
    CharmFailure,
    ErrorReply,
    Json,
    LoadRequest,
    Loaded,
    Reply,
    Request,
    RunFailed,
    RunOk,
    RunRequest,
)
from .values import plain

# ---- Scenario adjustments ------------------------------------------------------------------
#
# 1. Scenario 8.9.0 saves framework-owned stored state (owner path None) under "/StoredStateData
#    [_stored]", a path ops never reads: ops's event counter then restarts at every run, and a new
#    event can take the handle of a deferred one (and be dropped as its duplicate). ops keeps the
#    counter across hooks, so the path is written the way ops reads it.
# 2. An application-level relation-changed has an empty JUJU_REMOTE_UNIT (ops: event.unit is None);
#    Scenario picks a unit when none is given. The departing unit of relation-departed may be
#    unit 0, which Scenario's truthiness test takes for "not given".
# Both are set per run through `_env_overrides`.


def _stored_state_handle_path(self: scenario.StoredState) -> str:
    base = f"{self._data_type_name}[{self.name}]"
    return f"{self.owner_path}/{base}" if self.owner_path else base


scenario_state.StoredState._handle_path = property(_stored_state_handle_path)  # type: ignore[method-assign,assignment]

_env_overrides: dict[str, str | None] = {}
_original_event_env = _runtime.Runtime._get_event_env


def _event_env(self: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    env: dict[str, str] = _original_event_env(self, *args, **kwargs)
    for key, value in _env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


_runtime.Runtime._get_event_env = _event_env  # type: ignore[method-assign]
logging.getLogger("ops-scenario").setLevel(logging.ERROR)  # its consistency warnings, per run


_scratch: str | None = None


def set_scratch_dir(path: str) -> None:
    """Charm roots go under ``path`` (charmsim removes it with the worker's pipes)."""
    global _scratch
    _scratch = path


def _scratch_dir() -> str:
    """The directory for charm roots: charmsim's, else one of this process's own, removed when
    it exits. Scenario writes the charm's metadata files into the charm root at every run."""
    global _scratch
    if _scratch is None:
        _scratch = tempfile.mkdtemp(prefix="charmsim-worker-")
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


class LoadedCharm:
    """A charm class imported from a directory, and a Scenario Context per unit it runs as."""

    def __init__(self, request: LoadRequest, charm_type: type[ops.CharmBase]) -> None:
        self.request = request
        self.charm_type = charm_type
        self.config_options: Mapping[str, Any] = request.config.get("options", {}) or {}
        self.root = tempfile.mkdtemp(prefix="charm-root-", dir=_scratch_dir())
        self.contexts: dict[tuple[str, int, bool], scenario.Context[ops.CharmBase]] = {}

    def context(self, app: str, unit_id: int, trusted: bool) -> scenario.Context[ops.CharmBase]:
        key = (app, unit_id, trusted)
        ctx = self.contexts.get(key)
        if ctx is None:
            ctx = scenario.Context(
                self.charm_type,
                meta=dict(self.request.meta),
                actions=dict(self.request.actions),
                config=dict(self.request.config),
                app_name=app,
                unit_id=unit_id,
                app_trusted=trusted,
                capture_deferred_events=True,
                charm_root=self.root,
            )
            self.contexts[key] = ctx
        ctx.juju_log.clear()
        ctx.emitted_events.clear()
        ctx.unit_status_history.clear()
        ctx.app_status_history.clear()
        ctx.workload_version_history.clear()
        ctx.action_logs.clear()
        ctx.action_results = None
        return ctx


def import_charm(request: LoadRequest, serial: int) -> type[ops.CharmBase]:
    """Imports ``dir``/src/charm.py under a module name of its own and finds its charm class.

    Its ``src`` and ``lib`` directories go on sys.path first, as the charm's dispatch script puts
    them when Juju runs it.
    """
    root = Path(request.dir)
    charm_py = root / "src" / "charm.py"
    if not charm_py.is_file():
        raise FileNotFoundError(f"{charm_py} does not exist")
    for path in (root / "src", root / "lib"):
        if path.is_dir() and str(path) not in sys.path:
            sys.path.insert(0, str(path))
    module_name = f"charmsim_charm_{serial}"
    spec = importlib.util.spec_from_file_location(module_name, charm_py)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {charm_py}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, ops.CharmBase) and c.__module__ == module_name
    ]
    if request.class_name is not None:
        classes = [c for c in classes if c.__name__ == request.class_name]
        if not classes:
            raise LookupError(f"{charm_py} defines no CharmBase subclass {request.class_name!r}")
    if len(classes) != 1:
        names = ", ".join(sorted(c.__name__ for c in classes)) or "none"
        raise LookupError(
            f"{charm_py} should define exactly one CharmBase subclass (found: {names}); "
            "name the one to run with pythonCharm(dir, { className })"
        )
    return classes[0]


def failure_of(error: BaseException) -> CharmFailure:
    return CharmFailure(
        type=type(error).__name__,
        message=str(error),
        traceback="".join(traceback.format_exception(error)),
    )


HOOK_TIMEOUT_EXIT = 124
"""The worker's exit code when a hook overran its time limit (as timeout(1) has it)."""


def _on_time_limit(signum: int, frame: object) -> None:
    os.write(2, b"charmsim worker: the hook overran its time limit (tracebacks above)\n")
    os._exit(HOOK_TIMEOUT_EXIT)


def install_time_limit() -> None:
    """Past a hook's limit SIGALRM arrives: faulthandler prints every thread's traceback at once
    (from C, even while a thread holds the GIL), then the worker exits. charmsim reports the hook
    as timed out and starts a new worker; if the exit cannot happen, it kills the worker."""
    signal.signal(signal.SIGALRM, _on_time_limit)
    faulthandler.register(signal.SIGALRM, file=sys.stderr, all_threads=True, chain=True)


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    # An interval timer costs two system calls a hook; faulthandler.dump_traceback_later starts
    # and joins a thread each time, which was a visible share of a hook on a busy machine.
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class Worker:
    """Handles requests; keeps the imported charms and their Contexts."""

    def __init__(self) -> None:
        self.charms: dict[str, LoadedCharm] = {}

    def handle(self, request: Request) -> Reply:
        if isinstance(request, LoadRequest):
            return self.load(request)
        if isinstance(request, RunRequest):
            return self.run(request)
        return self.bench(request)

    def load(self, request: LoadRequest) -> Reply:
        try:
            charm_type = import_charm(request, len(self.charms))
        except Exception as e:  # the charm's own import error, reported with its traceback
            return ErrorReply(f"{type(e).__name__}: {e}", "".join(traceback.format_exception(e)))
        self.charms[request.charm] = LoadedCharm(request, charm_type)
        return Loaded(request.charm, charm_type.__name__)

    def _prepare(
        self, request: RunRequest
    ) -> tuple[LoadedCharm, scenario.Context[ops.CharmBase], scenario.State, Any]:
        charm = self.charms.get(request.charm)
        if charm is None:
            raise LookupError(f"charm {request.charm!r} is not loaded")
        trusted = request.state.credential is not None
        ctx = charm.context(request.app, request.unit_id, trusted)
        state = convert.to_state(request.state, charm.config_options)
        event = convert.to_event(ctx, request.event, state)
        self._set_env_overrides(request, state)
        return charm, ctx, state, event

    @staticmethod
    def _set_env_overrides(request: RunRequest, state: scenario.State) -> None:
        _env_overrides.clear()
        event = request.event
        if event.kind == "relation-changed" and event.remote_unit is None:
            _env_overrides["JUJU_REMOTE_UNIT"] = ""  # set and empty, as Juju does
        if event.kind == "relation-departed" and event.departing_unit is not None:
            relation = state.get_relation(event.relation_id or 0)
            app = request.app if isinstance(relation, scenario.PeerRelation) else (
                getattr(relation, "remote_app_name", "")
            )
            _env_overrides["JUJU_DEPARTING_UNIT"] = f"{app}/{event.departing_unit}"

    def run(self, request: RunRequest) -> RunOk | RunFailed | ErrorReply:
        try:
            _, ctx, state, event = self._prepare(request)
        except LookupError as e:
            return ErrorReply(str(e), "")
        except Exception as e:
            return RunFailed(request.id, failure_of(e), [], [])
        # Scenario insists on a remote unit for relation-changed; an application-level change
        # before any unit joined has none, which Juju allows.
        skip_checks = (
            request.event.kind == "relation-changed"
            and request.event.remote_unit is None
            and not state.get_relation(request.event.relation_id or 0)._remote_unit_ids
        )
        failure: str | None = None
        try:
            with time_limit(request.timeout), _skipping_checks(skip_checks):
                try:
                    out = ctx.run(event, state)
                except scenario.ActionFailed as e:
                    if e.state is None:
                        raise
                    out, failure = e.state, e.message
            result = convert.from_output(ctx, state, out)
        except UncaughtCharmError as e:
            cause = e.__cause__ if e.__cause__ is not None else e
            return RunFailed(request.id, failure_of(cause), convert.log_lines(ctx), self._emitted(ctx, request))
        except Exception as e:
            return RunFailed(request.id, failure_of(e), convert.log_lines(ctx), self._emitted(ctx, request))
        finally:
            _env_overrides.clear()
        action = None
        if request.event.action is not None:
            results: Json = plain(ctx.action_results or {})
            action = ActionOutcome(results, list(ctx.action_logs), failure)
        return RunOk(
            id=request.id,
            bag_writes=result.bag_writes,
            unit_status=result.unit_status,
            app_status=result.app_status,
            unit_status_history=result.unit_status_history,
            app_status_history=result.app_status_history,
            workload_version=result.workload_version,
            stored_states=result.stored_states,
            deferred=result.deferred,
            logs=convert.log_lines(ctx),
            emitted=self._emitted(ctx, request),
            action=action,
        )

    @staticmethod
    def _emitted(ctx: scenario.Context[ops.CharmBase], request: RunRequest) -> list[Any]:
        try:
            return convert.emitted_events(ctx, request.state.deferred)
        except Exception:  # a snapshot that fails must not hide the hook's own failure
            return []

    def bench(self, request: BenchRequest) -> Reply:
        """Times bare ``Context.run`` of the request's hook: State and event built once."""
        try:
            _, ctx, state, event = self._prepare(request.run)
        except Exception as e:
            return ErrorReply(f"{type(e).__name__}: {e}", "".join(traceback.format_exception(e)))
        times: list[float] = []
        try:
            for _ in range(request.repeat):
                ctx.juju_log.clear()
                ctx.emitted_events.clear()
                t0 = time.perf_counter()
                ctx.run(event, state)
                times.append((time.perf_counter() - t0) * 1e6)
        except Exception as e:
            return ErrorReply(f"{type(e).__name__}: {e}", "".join(traceback.format_exception(e)))
        finally:
            _env_overrides.clear()
        return BenchResult(statistics.median(times), request.repeat)


@contextlib.contextmanager
def _skipping_checks(skip: bool) -> Iterator[None]:
    if not skip:
        yield
        return
    os.environ["SCENARIO_SKIP_CONSISTENCY_CHECKS"] = "1"
    try:
        yield
    finally:
        os.environ.pop("SCENARIO_SKIP_CONSISTENCY_CHECKS", None)
