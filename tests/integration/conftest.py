"""What the operator-tool tests share (the `kit` fixture): a bucket unwired from its queue (objects
uploaded before the stack was wired), the queue's messages read back, short articles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest

from newsingest.triggers import changes_in, parse_s3_message


def story(topic: str, n: int = 0) -> bytes:
    """A short English article: parsed and analysed in milliseconds."""
    return (
        f"{topic} talks resume in Geneva\n\n"
        f"Negotiators met in Geneva on Tuesday to discuss {topic} (report {n}). "
        f"Foreign minister Anna Berg said the talks on {topic} would continue next week in Oslo."
    ).encode()


@contextmanager
def unwired(s3: Any, bucket: str) -> Iterator[None]:
    """The bucket notifies nothing inside the block (as before the stack was wired to it), then is
    wired again as it was."""
    configuration = s3.get_bucket_notification_configuration(Bucket=bucket)
    configuration.pop("ResponseMetadata", None)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    try:
        yield
    finally:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=configuration)


def queued_keys(sqs: Any, queue_url: str, *, delete: bool = True) -> list[str]:
    """The object keys of every S3 notification waiting in the queue: taken off it, or (`delete`
    False) left on it, visible again."""
    keys: list[str] = []
    held: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30).get(
            "Messages", []
        )
        if not messages:
            break
        for message in messages:
            keys.extend(change.source.key for change in changes_in(parse_s3_message(json.loads(message["Body"]))))
            if delete:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                held.append(message["ReceiptHandle"])
    for handle in held:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return keys


@pytest.fixture
def kit() -> SimpleNamespace:
    return SimpleNamespace(story=story, unwired=unwired, queued_keys=queued_keys)
