"""The worker process: reads requests on stdin, one JSON object a line, and answers on stdout.

Before anything else the protocol keeps stdout to itself: file descriptor 1 is pointed at stderr,
so what charm code prints cannot corrupt a reply.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from importlib import metadata
from typing import TextIO


def _protocol_stream() -> TextIO:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return out


def main() -> int:
    out = _protocol_stream()
    # Imported only now: an import error goes to stderr, and charmsim reports it.
    import ops

    from .executor import Worker
    from .protocol import PROTOCOL_VERSION, ErrorReply, Hello, ProtocolError, Reply, parse_request, reply_json

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
    worker = Worker()
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        try:
            request = parse_request(json.loads(line))
        except (ValueError, ProtocolError) as e:
            send(ErrorReply(f"bad request: {e}", ""))
            continue
        try:
            reply = worker.handle(request)
        except Exception as e:  # a bug of the worker itself: reported, the worker goes on
            reply = ErrorReply(f"{type(e).__name__}: {e}", "".join(traceback.format_exception(e)))
        send(reply)
    return 0


if __name__ == "__main__":
    sys.exit(main())
