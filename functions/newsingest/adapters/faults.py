"""Fault injection on the functions' boto3 clients, for the local stack and the tests: botocore event
hooks make a set share of AWS calls fail as AWS fails them (throttling, 500/503, timeouts, and a
request that succeeds but whose response is lost), below botocore's own retries, so the retries, the
functions' error handling and the queues' redelivery all take part. Off unless
`NEWSINGEST_FAULT_RATE` is set (`settings.FaultSettings`); `aws.client()` installs it then. It needs
requests that go over HTTP (a moto server, as `local up` and the chaos harness run, or AWS): under
moto's in-process `mock_aws`, moto's own `before-send` hook answers first.
"""

from __future__ import annotations

import io
import itertools
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from botocore.httpsession import URLLib3Session

from newsingest.settings import FaultKind, FaultSettings


@dataclass(frozen=True)
class ServiceError:
    """One error response as the service sends it."""

    status: int
    code: str
    message: str


THROTTLES = {
    "s3": [ServiceError(503, "SlowDown", "Please reduce your request rate.")],
    "dynamodb": [
        ServiceError(
            400,
            "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded.",
        ),
        ServiceError(400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    ],
    "sqs": [ServiceError(400, "RequestThrottled", "Request is throttled.")],
}
"""What each service answers when it throttles (botocore's standard retry mode retries all of them)."""

SERVER_ERRORS = {
    "s3": [
        ServiceError(500, "InternalError", "We encountered an internal error. Please try again."),
        ServiceError(503, "ServiceUnavailable", "Service is unable to handle request."),
    ],
    "dynamodb": [ServiceError(500, "InternalServerError", "Internal server error")],
    "sqs": [
        ServiceError(500, "InternalError", "We encountered an internal error. Please try again."),
        ServiceError(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    ],
}
"""What each service answers when it fails on its side (500 or 503: retried by botocore)."""

OTHER_SERVICES = {
    FaultKind.THROTTLE: [ServiceError(400, "ThrottlingException", "Rate exceeded")],
    FaultKind.SERVER_ERROR: [ServiceError(500, "InternalFailure", "The request processing has failed.")],
}
"""Any other service: the generic codes of AWS's JSON services."""

_JSON_ERROR_NAMESPACES = {"dynamodb": "com.amazonaws.dynamodb.v20120810", "sqs": "com.amazonaws.sqs"}


@dataclass
class FaultCounts:
    """What the injectors did, over every client of the process: attempts seen, faults injected
    (per attempt, so retries included), and calls whose final outcome was an injected fault (the
    error reached the caller after botocore's retries)."""

    calls: int = 0
    attempts: int = 0
    injected: Counter[str] = field(default_factory=Counter)
    surfaced: Counter[str] = field(default_factory=Counter)
    injected_by_operation: Counter[str] = field(default_factory=Counter)
    surfaced_by_operation: Counter[str] = field(default_factory=Counter)

    def add(self, other: FaultCounts) -> None:
        self.calls += other.calls
        self.attempts += other.attempts
        self.injected.update(other.injected)
        self.surfaced.update(other.surfaced)
        self.injected_by_operation.update(other.injected_by_operation)
        self.surfaced_by_operation.update(other.surfaced_by_operation)


_lock = threading.Lock()
_counts = FaultCounts()
_installed = itertools.count()


def counts() -> FaultCounts:
    """A copy of the process's totals so far."""
    with _lock:
        copy = FaultCounts()
        copy.add(_counts)
        return copy


def reset_counts() -> None:
    global _counts
    with _lock:
        _counts = FaultCounts()


@dataclass
class _Call:
    """One API call in progress on a thread: its attempts and whether the last one was a fault."""

    operation: str
    attempts: int = 0
    failing: bool = False
    last: FaultKind | None = None


class FaultInjector:
    """The hooks on one client: `before-call` starts a call, `before-send` decides each attempt
    (answering a fabricated error, raising a timeout, or sending the request itself and then raising
    a read timeout), `after-call` / `after-call-error` record whether the caller got a fault."""

    def __init__(self, settings: FaultSettings, service: str, stream: int) -> None:
        self._settings = settings
        self._service = service
        self._rng = random.Random(f"{settings.seed}/{service}/{stream}")  # noqa: S311 - seeded, not secret
        self._local = threading.local()
        self._http: URLLib3Session | None = None

    def install(self, client: Any) -> None:
        events = client.meta.events
        service_id = client.meta.service_model.service_id.hyphenize()
        self._protocol = client.meta.service_model.protocol
        events.register(f"before-call.{service_id}", self._before_call)
        events.register(f"before-send.{service_id}", self._before_send)
        events.register(f"after-call.{service_id}", self._after_call)
        events.register(f"after-call-error.{service_id}", self._after_call_error)

    def _targets(self, operation: str) -> bool:
        wanted = self._settings.operations
        return not wanted or f"{self._service}.{operation}" in wanted or f"{self._service}.*" in wanted

    def _before_call(self, model: Any, **_: Any) -> None:
        self._local.call = _Call(operation=model.name)
        with _lock:
            _counts.calls += 1

    def _before_send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        call: _Call | None = getattr(self._local, "call", None)
        if call is None:  # a request made outside an API call (none today): leave it alone
            return None
        call.attempts += 1
        draw = self._rng.random()
        if call.attempts == 1:
            call.failing = self._targets(call.operation) and draw < self._settings.rate
        else:
            call.failing = call.failing and draw < self._settings.persistence
        with _lock:
            _counts.attempts += 1
        if not call.failing:
            call.last = None
            return None
        kind = self._rng.choice(self._settings.kinds)
        call.last = kind
        with _lock:
            _counts.injected[kind] += 1
            _counts.injected_by_operation[f"{self._service}.{call.operation}"] += 1
        if kind is FaultKind.THROTTLE:
            return self._error_response(request, self._rng.choice(THROTTLES.get(self._service, OTHER_SERVICES[kind])))
        if kind is FaultKind.SERVER_ERROR:
            errors = SERVER_ERRORS.get(self._service, OTHER_SERVICES[kind])
            return self._error_response(request, self._rng.choice(errors))
        if kind is FaultKind.TIMEOUT:
            error = ConnectTimeoutError if self._rng.random() < 0.5 else ReadTimeoutError
            raise error(endpoint_url=request.url)
        # The request reaches the service and changes its state; the client never sees the answer.
        self._send(request)
        raise ReadTimeoutError(endpoint_url=request.url)

    def _send(self, request: AWSPreparedRequest) -> None:
        if self._http is None:
            self._http = URLLib3Session()
        response = self._http.send(request)
        if request.stream_output:
            response.raw.read()  # let the connection go back to the pool

    def _finish(self, failed: bool) -> None:
        call: _Call | None = getattr(self._local, "call", None)
        self._local.call = None
        if call is None or call.last is None or not failed:
            return
        with _lock:
            _counts.surfaced[call.last] += 1
            _counts.surfaced_by_operation[f"{self._service}.{call.operation}"] += 1

    def _after_call(self, http_response: Any, **_: Any) -> None:
        self._finish(http_response.status_code >= 300)

    def _after_call_error(self, **_: Any) -> None:
        self._finish(True)

    def _error_response(self, request: AWSPreparedRequest, error: ServiceError) -> AWSResponse:
        request_id = str(uuid.uuid4())
        headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id}
        if self._protocol == "rest-xml":
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{error.code}</Code>'
                f"<Message>{error.message}</Message><RequestId>{request_id}</RequestId></Error>"
            ).encode()
            headers["Content-Type"] = "application/xml"
        else:  # json (DynamoDB; SQS since 2023)
            namespace = _JSON_ERROR_NAMESPACES.get(self._service, "com.amazonaws")
            body = f'{{"__type": "{namespace}#{error.code}", "message": "{error.message}"}}'.encode()
            headers["Content-Type"] = "application/x-amz-json-1.0"
            if self._service == "sqs":
                sender = "Sender" if error.status < 500 else "Receiver"
                headers["x-amzn-query-error"] = f"{error.code};{sender}"
        return AWSResponse(request.url, error.status, headers, _Body(body))


class _Body:
    """The raw body of a fabricated response, as botocore reads it (`stream()`)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._data.read()

    def read(self, *_: Any) -> bytes:
        return self._data.read()


def install(client: Any, settings: FaultSettings) -> Any:
    """Make `client`'s calls fail as `settings` say; returns the client."""
    service = client.meta.service_model.service_name
    FaultInjector(settings, service, next(_installed)).install(client)
    return client


class RetryClock:
    """Stands for the `time` module in botocore's endpoint while `scaled_retry_sleeps` is on: its
    `sleep` (the retry backoff) is scaled, and what botocore asked for is added up."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.requested = 0.0
        self.sleeps = 0

    def sleep(self, seconds: float) -> None:
        self.requested += seconds
        self.sleeps += 1
        if seconds * self.scale > 0:
            time.sleep(seconds * self.scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@contextmanager
def scaled_retry_sleeps(scale: float) -> Iterator[RetryClock]:
    """botocore's retry backoff sleeps scaled by `scale` for the block. For the chaos harness only:
    it runs one invocation at a time, so the length of a backoff changes nothing but the wall time
    (throttles alone asked for 67 of a 60-operation run's 81 s)."""
    from botocore import endpoint

    clock = RetryClock(scale)
    original = endpoint.time
    endpoint.time = clock
    try:
        yield clock
    finally:
        endpoint.time = original
