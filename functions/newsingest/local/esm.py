"""What Lambda's SQS event source mapping does, done in-process: moto cannot run Lambda code
without Docker, so the demo and the tests hand real SQS batches to the handlers themselves.

Like the real mapping: receive up to `batch_size` messages, build the Lambda SQS event from them
(every attribute the real event has), invoke, delete the messages the handler did not report as
failed, and leave the failed ones to become visible again (and reach the DLQ after the queue's
maxReceiveCount).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from newsingest.crashpoints import SimulatedCrash

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

LAMBDA_TIMEOUT_SECONDS = 60
"""The ingest function's timeout in the template; the stand-in gives every function it."""

SQS_MAX_BATCH = 10
"""ReceiveMessage returns at most ten messages per call; larger Lambda batches take several."""


@dataclass
class LocalContext:
    """The parts of the Lambda context object that Powertools and our handlers read."""

    function_name: str
    memory_limit_in_mb: int = 1024
    timeout_seconds: int = LAMBDA_TIMEOUT_SECONDS
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        """Counts down from the timeout as Lambda's does, so time-aware handlers behave as deployed."""
        elapsed_ms = int((time.monotonic() - self.started) * 1000)
        return max(0, self.timeout_seconds * 1000 - elapsed_ms)


@dataclass
class BatchResult:
    """What one invocation did."""

    received: int
    failed: int


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The Lambda event for a batch of messages from ReceiveMessage."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attributes.get("SentTimestamp", "0"),
                    "SenderId": attributes.get("SenderId", "AIDAEXAMPLE"),
                    "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "0"),
                },
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value["DataType"],
                    }
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


class QueuePump:
    """Feeds one queue to one handler in Lambda-sized batches."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler,
        *,
        function_name: str,
        batch_size: int,
        timeout_seconds: int = LAMBDA_TIMEOUT_SECONDS,
    ) -> None:
        self._sqs = sqs
        self._timeout_seconds = timeout_seconds
        self._queue_url = queue_url
        self._handler = handler
        self._function_name = function_name
        self._batch_size = batch_size
        self._queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self._region = sqs.meta.region_name
        self._receiving = threading.Lock()

    def _receive(self) -> list[dict[str, Any]]:
        """One batch. Pumps sharing a queue receive in turn (their invocations still overlap):
        moto's ReceiveMessage is not safe against itself on one queue (two at once can both pick a
        message and fail with a 500, leaving it in flight until its visibility timeout)."""
        with self._receiving:
            return self._receive_batch()

    def _receive_batch(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < self._batch_size:
            response = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=min(SQS_MAX_BATCH, self._batch_size - len(messages)),
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            received = response.get("Messages", [])
            if not received:
                break
            messages.extend(received)
        return messages

    def run_once(self, *, retry_failed_now: bool = True) -> BatchResult | None:
        """One invocation; None when the queue had nothing. Failed messages are made visible
        again at once when `retry_failed_now` (the demo does not wait out visibility timeouts)."""
        messages = self._receive()
        if not messages:
            return None
        event = sqs_event(messages, self._queue_arn, self._region)
        try:
            context = LocalContext(function_name=self._function_name, timeout_seconds=self._timeout_seconds)
            response = self._handler(event, context)
        except (Exception, SimulatedCrash):  # as in Lambda, a function error (or a crash) fails the whole batch
            response = {"batchItemFailures": [{"itemIdentifier": message["MessageId"]} for message in messages]}
        failed_ids = {failure["itemIdentifier"] for failure in (response or {}).get("batchItemFailures", [])}
        done = [message for message in messages if message["MessageId"] not in failed_ids]
        for start in range(0, len(done), SQS_MAX_BATCH):
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done[start : start + SQS_MAX_BATCH])
                ],
            )
        if retry_failed_now:
            for message in messages:
                if message["MessageId"] in failed_ids:
                    self._sqs.change_message_visibility(
                        QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
        return BatchResult(received=len(messages), failed=len(failed_ids))

    def drain(self, *, max_invocations: int = 10_000) -> list[BatchResult]:
        """Invoke until the queue is empty (failed messages end in the DLQ via the redrive policy)."""
        results = []
        for _ in range(max_invocations):
            result = self.run_once()
            if result is None:
                break
            results.append(result)
        return results
