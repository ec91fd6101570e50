"""Runs the API with uvicorn and a bounded graceful shutdown.

On SIGTERM uvicorn stops accepting connections and lets in-flight requests finish; this entry point also marks the
service not ready (so /readyz fails while it drains) and forces the exit after SHUTDOWN_TIMEOUT_SECONDS (set by
cdk8s-ml from the workload's longest request time), which uvicorn's own --timeout-graceful-shutdown does from
release 0.24 on. Doing it here keeps one behaviour on every uvicorn release, Debian's 0.17 included.
"""
from __future__ import annotations

import argparse
import os
import threading

import uvicorn

from . import main as api


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args(argv)
    timeout = float(os.environ.get("SHUTDOWN_TIMEOUT_SECONDS", "30"))
    if args.reload:
        uvicorn.run("app.main:app", host=args.host, port=args.port, reload=True)
        return
    server = uvicorn.Server(uvicorn.Config(api.app, host=args.host, port=args.port, log_level="info"))
    original = server.handle_exit

    def handle_exit(sig, frame):
        api.state.draining = True
        timer = threading.Timer(timeout, lambda: setattr(server, "force_exit", True))
        timer.daemon = True
        timer.start()
        original(sig, frame)

    server.handle_exit = handle_exit
    server.run()


if __name__ == "__main__":
    run()
