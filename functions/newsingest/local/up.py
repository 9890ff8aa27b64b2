"""`newsingest local up`: the stack on 127.0.0.1 for anyone to use with the AWS CLI and curl.

A moto server holds the template's resources; background threads do what Lambda's event source
mappings would (S3 -> ingest queue -> ingest -> index queue -> indexer), with up to
`INGEST_CONCURRENCY` ingest invocations at once, each in a worker process as Lambda would run it in
its own container; the HTTP API is served by the API function behind a local stand-in for API
Gateway. It prints a line for each article indexed, each object rejected and each delete
(`local/activity.py`); `--verbose` adds moto's request log and the functions' INFO logs. Ctrl-C
stops it all.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from newsingest.local import activity, mototimes
from newsingest.local.demo import (
    INGEST_BATCH_SIZE,
    LOCAL_ENVIRONMENT,
    environment,
    reset_caches,
    start_pipeline,
)
from newsingest.local.esm import QueuePump
from newsingest.local.http import serve_api
from newsingest.local.workers import IngestWorkers

if TYPE_CHECKING:
    from newsingest.explorer.server import ExplorerServer

PUMP_INTERVAL_SECONDS = 0.5
"""How often the local event source mappings poll when the queues are empty: fast enough that an
upload is indexed before a person can type the next command, idle enough to leave a core free."""

INGEST_CONCURRENCY = 2
"""Ingest invocations running at once, each in its own worker process (Lambda's concurrency). Two,
measured with bench/load.py on the 2-core machines here: one worker left the second core idle
(ingest is CPU-bound: parsing and NER); more than two only add contention with the moto server."""

VERBOSE_ENVIRONMENT = {"POWERTOOLS_LOG_LEVEL": "INFO"}
"""`--verbose`: the functions log at INFO, as deployed with `LogLevel=INFO` (by default the local
stack's WARNING applies: its own lines say what happened)."""

REQUEST_LOG = "werkzeug"
"""The logger of moto's HTTP server, one INFO line for every request it serves."""


EXPLORER_PORT = 8081
"""Where the web explorer listens unless told otherwise, next to the API's 8080; any free port when
it is taken (the explorer must not stop the stack from starting)."""


@dataclass(frozen=True)
class LocalEndpoints:
    """Where the local stack listens."""

    aws: str
    api: str
    bucket: str
    explorer: str


@contextmanager
def local_stack(
    host: str = "127.0.0.1",
    aws_port: int = 0,
    api_port: int = 0,
    explorer_port: int | None = 0,
    *,
    verbose: bool = False,
) -> Iterator[LocalEndpoints]:
    """Run the local stack for the duration of the block; `verbose` logs every request moto serves
    and the functions' INFO lines; `explorer_port` None: `EXPLORER_PORT`, or any free port when that
    one is taken."""
    from moto.server import ThreadedMotoServer

    from newsingest.adapters.aws import plain_client
    from newsingest.local import motofast

    motofast.install()
    request_log = logging.getLogger(REQUEST_LOG)
    request_log_level = request_log.level
    request_log.setLevel(logging.INFO if verbose else logging.WARNING)
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()  # moto's backends outlive its servers: start from an empty account
    server = ThreadedMotoServer(ip_address=host, port=aws_port, verbose=False)
    server.start()
    timings_path = os.environ.get(mototimes.TIMINGS_VARIABLE)
    timings = mototimes.install(server, Path(timings_path)) if timings_path else None
    bound_host, bound_port = server.get_host_and_port()
    aws_url = f"http://{bound_host}:{bound_port}"
    stop = threading.Event()
    http = None
    explorer = None
    workers: IngestWorkers | None = None
    try:
        verbosity = VERBOSE_ENVIRONMENT if verbose else {}
        with environment(LOCAL_ENVIRONMENT | verbosity | {"AWS_ENDPOINT_URL": aws_url}):
            os.environ["AWS_ENDPOINT_URL"] = aws_url  # environment() clears it for the in-process mock
            # The handlers' first import builds the functions' logger, which reads its service name
            # and level then, as in Lambda: only after the functions' environment is set.
            from newsingest.handlers import api

            reset_caches()
            # The stand-ins for AWS's own machinery use clients no fault (NEWSINGEST_FAULT_RATE) touches.
            pipeline = start_pipeline(plain_client("s3"), plain_client("sqs"), plain_client("dynamodb"))
            workers = IngestWorkers(INGEST_CONCURRENCY, dict(os.environ))
            ingest = QueuePump(
                plain_client("sqs"),
                pipeline.stack.ingest_queue_url,
                workers,
                function_name="IngestFunction",
                batch_size=INGEST_BATCH_SIZE,
            )
            pumps = [
                threading.Thread(target=_pump, args=(queue, stop), name=f"local-esm-{name}", daemon=True)
                for name, queue in [("index", pipeline.index)]
                + [(f"ingest-{slot}", ingest) for slot in range(INGEST_CONCURRENCY)]
            ]
            for pump in pumps:
                pump.start()
            http = serve_api(api.handler, host=host, port=api_port)
            api_host, api_port_bound = http.server_address[:2]
            api_url = f"http://{api_host!s}:{api_port_bound}"
            explorer = _serve_explorer(api_url, host, explorer_port)
            yield LocalEndpoints(aws=aws_url, api=api_url, bucket=pipeline.stack.bucket, explorer=explorer.url)
            stop.set()
            for pump in pumps:
                pump.join(timeout=10)
    finally:
        stop.set()
        if workers is not None:
            workers.shutdown()
        if explorer is not None:
            explorer.shutdown()
            explorer.server_close()
        if http is not None:
            http.shutdown()
            http.server_close()
        server.stop()
        if timings is not None:
            timings.stop()
        request_log.setLevel(request_log_level)
        os.environ.pop("AWS_ENDPOINT_URL", None)
        reset_caches()


def _serve_explorer(api_url: str, host: str, port: int | None) -> ExplorerServer:
    """The web explorer in front of the local API, signing its calls as a browser cannot (locally
    any credentials do); on `EXPLORER_PORT`, or any free port when that is taken, if `port` is None."""
    from newsingest.adapters.api_client import QueryClient
    from newsingest.explorer.server import serve_explorer

    upstream = QueryClient(api_url, region="us-east-1", credentials=("testing", "testing"))
    if port is not None:
        return serve_explorer(upstream, host=host, port=port)
    try:
        return serve_explorer(upstream, host=host, port=EXPLORER_PORT)
    except OSError:
        return serve_explorer(upstream, host=host, port=0)


def _pump(queue: QueuePump, stop: threading.Event) -> None:
    """One invocation after another while the queue has messages; a poll every interval when not."""
    while not stop.is_set():
        try:
            result = queue.run_once()
        except Exception:  # keep the local stack up; the handlers already logged the failure
            result = None
        if result is None:
            stop.wait(PUMP_INTERVAL_SECONDS)


def banner(endpoints: LocalEndpoints) -> str:
    """What `local up` prints once the stack is up: where it listens and how to use it."""
    return (
        f"newsingest local stack is up.\n"
        f"  AWS (moto) endpoint: {endpoints.aws}\n"
        f"  HTTP API:            {endpoints.api}\n"
        f"  articles bucket:     {endpoints.bucket}\n"
        f"  web explorer:        {endpoints.explorer}\n\n"
        f"Try:\n"
        f"  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \\\n"
        f"    aws --endpoint-url {endpoints.aws} s3 cp article.html s3://{endpoints.bucket}/incoming/article.html\n"
        f"  curl --aws-sigv4 aws:amz:us-east-1:execute-api --user testing:testing \\\n"
        f"    '{endpoints.api}/v1/entities?q=nato'\n"
        f"  newsingest query --endpoint-url {endpoints.api} entities nato\n"
        f"(The API wants SigV4-signed requests, as the deployed one does; any credentials sign locally.)\n"
        f"Below: a line per article indexed or object rejected, and per delete "
        f"(--verbose adds every request and the functions' logs).\n"
        f"Ctrl-C stops it."
    )


def run_local_up(
    out: TextIO,
    *,
    aws_port: int,
    api_port: int,
    explorer_port: int | None = None,
    verbose: bool = False,
    stop_requested: threading.Event | None = None,
) -> int:
    """Start the stack, print how to use it and then what it does, block until Ctrl-C (or until
    `stop_requested` is set)."""
    with (
        local_stack(aws_port=aws_port, api_port=api_port, explorer_port=explorer_port, verbose=verbose) as endpoints,
        activity.printed(out),
    ):
        print(banner(endpoints), file=out, flush=True)
        waiter = stop_requested or threading.Event()
        try:
            while not waiter.wait(1.0):
                pass
        except KeyboardInterrupt:
            print("\nStopping.", file=out, flush=True)
    return 0
