"""`edgesim-origin` / `python -m origin`: run the sample origin until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
from collections.abc import Callable, Sequence

from origin.app import SERVER, serve

__all__ = ["main"]


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # uvloop is not installed on Windows
        return None
    return uvloop.new_event_loop


def _reason(error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return "address already in use"
    return os.strerror(error.errno) if error.errno else str(error)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=SERVER, description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(serve(args.host, args.port))
    except OSError as error:
        print(
            f"{SERVER}: cannot listen on {args.host}:{args.port}: {_reason(error)}", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were in place
        return 0
    return 0
