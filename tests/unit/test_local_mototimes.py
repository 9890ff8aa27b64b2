"""The moto request timer of `local up` (`local/mototimes.py`): requests counted per operation, the
response body built inside the timing, totals written as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from newsingest.local.mototimes import TimedApp, operation_of


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("200 OK", [])
    yield b"built "
    yield b"lazily"


def test_operations_are_named_by_target_or_as_s3_requests() -> None:
    assert operation_of({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"}) == "DynamoDB_20120810.PutItem"
    assert operation_of({"REQUEST_METHOD": "GET"}) == "S3 GET"


def test_requests_are_counted_per_operation_and_written(tmp_path: Path) -> None:
    path = tmp_path / "timings.json"
    timed = TimedApp(app, path)
    for _ in range(3):
        assert timed({"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}, lambda *_: None) == [b"built ", b"lazily"]
    timed({"REQUEST_METHOD": "PUT"}, lambda *_: None)
    timed.stop()
    written = json.loads(path.read_text())
    assert {operation: totals[0] for operation, totals in written.items()} == {
        "AmazonSQS.ReceiveMessage": 3,
        "S3 PUT": 1,
    }
    assert all(totals[2] > 0 for totals in written.values())  # wall time was measured
