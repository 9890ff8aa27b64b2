"""SQS as the EventPublisher: CloudEvents JSON, sent in batches of up to ten."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsingest.ingest import IngestEvent

SQS_BATCH_LIMIT = 10
"""SendMessageBatch takes at most ten entries."""


class PublishFailed(RuntimeError):
    """SQS refused some entries: the caller's record fails and is retried."""


class SqsEventPublisher:
    """Publishes events to one queue."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def publish(self, events: Sequence[IngestEvent]) -> None:
        for start in range(0, len(events), SQS_BATCH_LIMIT):
            batch = events[start : start + SQS_BATCH_LIMIT]
            response = self._client.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {
                        "Id": str(index),
                        "MessageBody": event.model_dump_json(),
                        "MessageAttributes": {
                            "type": {"DataType": "String", "StringValue": str(event.type)},
                        },
                    }
                    for index, event in enumerate(batch)
                ],
            )
            if response.get("Failed"):
                codes = sorted({failure.get("Code", "?") for failure in response["Failed"]})
                raise PublishFailed(f"SQS refused {len(response['Failed'])} event(s): {', '.join(codes)}")
