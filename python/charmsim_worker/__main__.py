"""The worker process: reads requests, one JSON object a line, and answers each with one line.

charmsim passes two named pipes (``--requests``, ``--replies``); without them the worker reads
stdin and answers on stdout. Charm output goes to stderr either way.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import traceback
from importlib import metadata
from typing import BinaryIO, TextIO


def _streams(argv: list[str]) -> tuple[BinaryIO, TextIO, str | None]:
    """Where requests come from and replies go: the named pipes charmsim passes
    (``--requests PATH --replies PATH``), else stdin and stdout. Either way file descriptor 1 then
    points at stderr, so what charm code prints cannot corrupt a reply."""
    parser = argparse.ArgumentParser(prog="charmsim_worker")
    parser.add_argument("--requests")
    parser.add_argument("--replies")
    parser.add_argument("--scratch")
    args = parser.parse_args(argv)
    if args.requests and args.replies:
        requests: BinaryIO = open(args.requests, "rb")
        replies = open(args.replies, "w", encoding="utf-8")
    else:
        requests = sys.stdin.buffer
        replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return requests, replies, args.scratch


def main(argv: list[str] | None = None) -> int:
    requests, out, scratch = _streams(sys.argv[1:] if argv is None else argv)
    # Imported only now: an import error goes to stderr, and charmsim reports it.
    import ops

    from .executor import Worker, install_time_limit, set_scratch_dir
    from .protocol import (
        PROTOCOL_VERSION,
        ErrorReply,
        Hello,
        ProtocolError,
        Reply,
        RunOk,
        parse_request,
        reply_json,
    )

    def send(reply: Reply) -> None:
        out.write(json.dumps(reply_json(reply), separators=(",", ":")) + "\n")
        out.flush()

    send(
        Hello(
            protocol=PROTOCOL_VERSION,
            python=sys.version.split()[0],
            ops=ops.__version__,
            scenario=metadata.version("ops-scenario"),
        )
    )
    install_time_limit()
    if scratch:
        set_scratch_dir(scratch)
    worker = Worker()
    for line in requests:
        if not line.strip():
            continue
        received = time.perf_counter()
        try:
            request = parse_request(json.loads(line))
        except (ValueError, ProtocolError) as e:
            send(ErrorReply(f"bad request: {e}", ""))
            continue
        try:
            reply = worker.handle(request)
        except Exception as e:  # a bug of the worker itself: reported, the worker goes on
            reply = ErrorReply(f"{type(e).__name__}: {e}", "".join(traceback.format_exception(e)))
        if isinstance(reply, RunOk):
            reply = dataclasses.replace(reply, worker_us=(time.perf_counter() - received) * 1e6)
        send(reply)
    return 0


if __name__ == "__main__":
    sys.exit(main())
