"""Ingest invocations in worker processes, as Lambda runs each concurrent invocation in its own
container: parsing and entity extraction use the machine's other cores instead of sharing one
interpreter lock with the moto server, the indexer and the API in the `local up` process. Each
worker imports the ingest function once (its init, model loaded) and then serves invocations; the
event source mapping stand-in (`QueuePump`) still receives, deletes and retries the batches."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from newsingest.local.esm import LocalContext

PARENT_CHECK_SECONDS = 1.0
"""How often a worker checks that `local up` is still there (a killed parent cannot stop its pool)."""

EMPTY_METRICS_WARNING = "No application metrics to publish"
"""Powertools warns when an invocation adds no metric (an `s3:TestEvent`, a delete), even with
metrics disabled as they are locally; its documentation filters the warning by this text."""


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _init_worker(environment: dict[str, str]) -> None:
    """A worker's cold start: the function's environment, then its init (model loaded). Ctrl-C is
    the parent's to handle: it stops the pool; if the parent is killed, the worker ends too. The
    handler is first imported here, after the environment is set, so the functions' logger is built
    with its service name and level as in Lambda."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    os.environ.update(environment)
    warnings.filterwarnings("ignore", EMPTY_METRICS_WARNING, UserWarning)
    from newsingest.handlers import ingest

    ingest.service().warm_up()


def _invoke_ingest(event: dict[str, Any], function_name: str) -> dict[str, Any]:
    from newsingest.handlers import ingest

    response: dict[str, Any] = ingest.handler(event, LocalContext(function_name=function_name))
    return response


class IngestWorkers:
    """A pool of `size` ingest containers; calling it is one invocation (blocks until it returns)."""

    def __init__(self, size: int, environment: dict[str, str]) -> None:
        self._size = size
        self._environment = dict(environment)
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: the parent runs the moto server's threads, which a fork would copy mid-request
        return ProcessPoolExecutor(
            max_workers=self._size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self._environment,),
        )

    def __call__(self, event: dict[str, Any], context: LocalContext) -> dict[str, Any]:
        pool = self._pool
        try:
            return pool.submit(_invoke_ingest, event, context.function_name).result()
        except BrokenProcessPool:
            # A container died (as one can in Lambda): the batch fails and is retried; new containers serve the next.
            with self._lock:
                if self._pool is pool:
                    self._pool = self._start()
            raise

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
