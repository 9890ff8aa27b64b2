"""How much of `local up`'s time moto takes: a WSGI wrapper around the moto server's application adds
up, per operation, the requests moto answered, the CPU time of the thread answering each and its
wall time, and writes the totals as JSON every `WRITE_EVERY_SECONDS` to the file
`NEWSINGEST_MOTO_TIMINGS` names. `bench/load.py` sets it to tell whether moto or the functions limit
the end-to-end rate. Pinned to moto 5.2's `ThreadedMotoServer`, whose WSGI server it wraps.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

TIMINGS_VARIABLE = "NEWSINGEST_MOTO_TIMINGS"

WRITE_EVERY_SECONDS = 2.0
"""Fresh enough for a bench that reads the file once the queues have been quiet for six seconds."""


def operation_of(environ: dict[str, Any]) -> str:
    """`DynamoDB_20120810.PutItem`, `AmazonSQS.ReceiveMessage`, or `S3 GET` (S3 names no target)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    return str(target) if target else f"S3 {environ.get('REQUEST_METHOD', '?')}"


class TimedApp:
    """The moto server's WSGI application, timed."""

    def __init__(self, app: Callable[..., Iterable[bytes]], path: Path) -> None:
        self._app = app
        self._path = path
        self._lock = threading.Lock()
        self.totals: dict[str, list[float]] = {}
        """operation -> [requests, CPU seconds, wall seconds]"""
        self._stop = threading.Event()
        self._writer = threading.Thread(target=self._write_every, name="moto-timings", daemon=True)
        self._writer.start()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return list(self._app(environ, start_response))  # the body is built inside the timing
        finally:
            spent_cpu, spent_wall = time.thread_time() - cpu, time.perf_counter() - wall
            with self._lock:
                totals = self.totals.setdefault(operation_of(environ), [0, 0.0, 0.0])
                totals[0] += 1
                totals[1] += spent_cpu
                totals[2] += spent_wall

    def write(self) -> None:
        with self._lock:
            snapshot = {operation: list(totals) for operation, totals in self.totals.items()}
        self._path.write_text(json.dumps(snapshot, indent=1, sort_keys=True), encoding="utf-8")

    def _write_every(self) -> None:
        while not self._stop.wait(WRITE_EVERY_SECONDS):
            self.write()

    def stop(self) -> None:
        self._stop.set()
        self.write()


def install(server: Any, path: Path) -> TimedApp:
    """Wrap a started `ThreadedMotoServer`'s application."""
    wsgi = getattr(server, "_server", None)
    if wsgi is None or not hasattr(wsgi, "app"):
        raise RuntimeError("moto's ThreadedMotoServer changed shape: update newsingest.local.mototimes")
    timed = TimedApp(wsgi.app, path)
    wsgi.app = timed
    return timed
