"""SQS as the EventPublisher (ingest's events, and the indexer's `EntitiesReleased` to its own queue):
CloudEvents JSON, sent in batches of up to ten."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from newsingest.events import QueuedEvent

SQS_BATCH_LIMIT = 10
"""SendMessageBatch takes at most ten entries."""

SQS_BATCH_MAX_BYTES = 256 * 1024
"""SendMessageBatch's limit on bodies and attributes together, whatever the account's message size;
one event stays far below it (`events.py`)."""

_ATTRIBUTE_BYTES = 64
"""Room for an entry's `type` message attribute (name, data type, value) in the batch size."""


class PublishFailed(RuntimeError):
    """SQS refused some entries (or a whole request): the record that sent them fails and is retried."""


class SqsEventPublisher:
    """Publishes events to one queue."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def publish(self, events: Sequence[QueuedEvent]) -> None:
        """Sends every event, then raises PublishFailed if SQS refused any, so the record is retried."""
        failed: list[str] = []
        codes: set[str] = set()
        for batch in _batches([(event, event.model_dump_json()) for event in events]):
            try:
                response = self._client.send_message_batch(
                    QueueUrl=self._queue_url,
                    Entries=[
                        {
                            "Id": str(index),
                            "MessageBody": body,
                            "MessageAttributes": {"type": {"DataType": "String", "StringValue": str(event.type)}},
                        }
                        for index, (event, body) in enumerate(batch)
                    ],
                )
            except (BotoCoreError, ClientError) as exc:
                failed.extend(event.id for event, _ in batch)
                codes.add(type(exc).__name__)
                continue
            for failure in response.get("Failed", []):
                failed.append(batch[int(failure["Id"])][0].id)
                codes.add(failure.get("Code", "?"))
        if failed:
            raise PublishFailed(f"SQS refused {len(failed)} event(s): {', '.join(sorted(codes))}")


def _batches(entries: list[tuple[QueuedEvent, str]]) -> list[list[tuple[QueuedEvent, str]]]:
    """Entries cut into SendMessageBatch requests: at most ten, at most SQS_BATCH_MAX_BYTES."""
    batches: list[list[tuple[QueuedEvent, str]]] = []
    size = 0
    for entry in entries:
        entry_bytes = len(entry[1].encode("utf-8")) + _ATTRIBUTE_BYTES
        if not batches or len(batches[-1]) == SQS_BATCH_LIMIT or size + entry_bytes > SQS_BATCH_MAX_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(entry)
        size += entry_bytes
    return batches
