"""The AWS side of the operator's tools (`newsingest.ops`): the bucket's listing, sending to a
queue, a dead-letter queue's messages and the index table's items, read with the requests the
docstrings name."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from newsingest.adapters.aws import error_code
from newsingest.adapters.dynamodb import from_attribute_values
from newsingest.indexing.items import ArticleItem, PostingItem, QuoteItem, RecordItem, RejectionItem, SourceItem
from newsingest.ops.dlq import QueuedMessage
from newsingest.ops.messages import StoredObject
from newsingest.ops.reconcile import IndexedArticle, IndexEntry

SEND_ATTEMPTS = 5
"""SendMessageBatch entries SQS refused are sent again this many times before the tool stops (its
checkpoint keeps what went): SQS refuses an entry only when throttled or failing."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class S3Listing:
    """A bucket's keys from ListObjectVersions (1,000 a request, in key order): for each key its
    current version, or the delete marker that hides it."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @property
    def name(self) -> str:
        return self._bucket

    def latest(
        self, prefix: str, *, start_after: str | None = None
    ) -> Iterator[tuple[str, StoredObject | None, datetime]]:
        """(key, its current version or None when a delete marker is current, when that was written),
        in key order, for every key under the prefix after `start_after`."""
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        if start_after:
            kwargs["KeyMarker"] = start_after
        while True:
            page = self._client.list_object_versions(**kwargs)
            found: list[tuple[str, StoredObject | None, datetime]] = []
            for version in page.get("Versions", []):
                if version.get("IsLatest"):
                    stored = StoredObject(
                        key=version["Key"],
                        size=int(version.get("Size", 0)),
                        etag=str(version.get("ETag", "")).strip('"') or None,
                        version_id=version.get("VersionId"),
                        last_modified=_aware(version["LastModified"]),
                    )
                    found.append((stored.key, stored, stored.last_modified))
            for marker in page.get("DeleteMarkers", []):
                if marker.get("IsLatest"):
                    found.append((marker["Key"], None, _aware(marker["LastModified"])))
            yield from sorted(found, key=lambda entry: entry[0])
            if not page.get("IsTruncated"):
                return
            kwargs["KeyMarker"] = page["NextKeyMarker"]
            if page.get("NextVersionIdMarker"):
                kwargs["VersionIdMarker"] = page["NextVersionIdMarker"]
            else:
                kwargs.pop("VersionIdMarker", None)

    def current_objects(self, prefix: str, *, start_after: str | None) -> Iterator[StoredObject]:
        """The objects that exist (whose current version is not a delete marker), in key order."""
        for _, stored, _ in self.latest(prefix, start_after=start_after):
            if stored is not None:
                yield stored


class SendFailed(RuntimeError):
    """SQS kept refusing some messages."""


class SqsSender:
    """SendMessageBatch to one queue, sending refused entries again."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, bodies: Sequence[str]) -> None:
        for start in range(0, len(bodies), 10):
            pending = {str(index): body for index, body in enumerate(bodies[start : start + 10])}
            for _ in range(SEND_ATTEMPTS):
                response = self._client.send_message_batch(
                    QueueUrl=self._queue_url,
                    Entries=[{"Id": entry_id, "MessageBody": body} for entry_id, body in pending.items()],
                )
                pending = {failure["Id"]: pending[failure["Id"]] for failure in response.get("Failed", [])}
                if not pending:
                    break
            if pending:
                raise SendFailed(f"SQS refused {len(pending)} message(s) {SEND_ATTEMPTS} times")


UNSUPPORTED_CODES = frozenset({"InvalidAction", "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation"})
HTTP_SERVER_ERROR = 500


UNSUPPORTED_CODES = frozenset({"InvalidAction", "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation"})

HTTP_SERVER_ERROR = 500


def is_unsupported(exc: Exception) -> bool:
    """Whether an endpoint does not offer an action: moto raises NotImplementedError in-process and
    answers a bare 500 as a server (`local up`); other SQS look-alikes answer `InvalidAction`. A 5xx
    that outlived botocore's retries counts too: the one-by-one move is always correct, only slower."""
    if isinstance(exc, NotImplementedError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return (error_code(exc) or "") in UNSUPPORTED_CODES or (isinstance(status, int) and status >= HTTP_SERVER_ERROR)
    return False


class SqsDeadLetterQueue:
    """A dead-letter queue and its source queue on SQS."""

    def __init__(self, client: Any, dlq_url: str, source_url: str, *, probe_client: Any = None) -> None:
        """`probe_client` asks for the move task: one that does not retry, since an endpoint without the
        action answers 500, which the standard retry mode would back off from for a minute."""
        self._client = client
        self._probe = probe_client or client
        self._url = dlq_url
        self._source_url = source_url
        self._dlq_arn = self._arn(dlq_url)

    def _arn(self, url: str) -> str:
        attributes = self._client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        return str(attributes["QueueArn"])

    def receive(self, *, max_messages: int, visibility_seconds: int) -> list[QueuedMessage]:
        response = self._client.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=max_messages,
            VisibilityTimeout=visibility_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return [
            QueuedMessage(
                message_id=message["MessageId"],
                receipt_handle=message["ReceiptHandle"],
                body=message["Body"],
                receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
                attributes=message.get("MessageAttributes", {}),
            )
            for message in response.get("Messages", [])
        ]

    def release(self, messages: Sequence[QueuedMessage]) -> None:
        for start in range(0, len(messages), 10):
            self._client.change_message_visibility_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message.receipt_handle, "VisibilityTimeout": 0}
                    for index, message in enumerate(messages[start : start + 10])
                ],
            )

    def send_to_source(self, message: QueuedMessage) -> None:
        request: dict[str, Any] = {"QueueUrl": self._source_url, "MessageBody": message.body}
        if message.attributes:
            request["MessageAttributes"] = message.attributes
        self._client.send_message(**request)

    def delete(self, message: QueuedMessage) -> None:
        self._client.delete_message(QueueUrl=self._url, ReceiptHandle=message.receipt_handle)

    def start_move_task(self) -> str | None:
        try:
            response = self._probe.start_message_move_task(
                SourceArn=self._dlq_arn, DestinationArn=self._arn(self._source_url)
            )
        except (NotImplementedError, ClientError) as exc:
            if is_unsupported(exc):
                return None
            raise
        return str(response["TaskHandle"])

    def move_task_status(self) -> dict[str, Any] | None:
        results = self._client.list_message_move_tasks(SourceArn=self._dlq_arn, MaxResults=1).get("Results", [])
        return dict(results[0]) if results else None

    def depth(self) -> int:
        attributes = self._client.get_queue_attributes(
            QueueUrl=self._url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )


SCAN_SEGMENTS = 4
"""Parallel Scan segments: four requests in flight read a table four times as fast, far below what an
on-demand table serves, and the tool's memory holds the items either way."""

_ENTRY_MODELS: dict[str, type[SourceItem | RecordItem | RejectionItem | PostingItem | QuoteItem]] = {
    "source": SourceItem,
    "record": RecordItem,
    "rejection": RejectionItem,
    "posting": PostingItem,
    "quote": QuoteItem,
}


class DynamoIndexScan:
    """The index table read whole with a parallel Scan (eventually consistent: half a read unit per
    4 KB), profiles and name keys left out."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _pages(self, segment: int) -> Iterator[list[dict[str, Any]]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Segment": segment,
            "TotalSegments": SCAN_SEGMENTS,
            "FilterExpression": "#kind IN (:article, :source, :record, :rejection, :posting, :quote)",
            "ExpressionAttributeNames": {"#kind": "kind"},
            "ExpressionAttributeValues": {
                f":{kind}": {"S": kind} for kind in ("article", "source", "record", "rejection", "posting", "quote")
            },
        }
        while True:
            response = self._client.scan(**kwargs)
            yield response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def entries(self) -> Iterator[IndexEntry]:
        """The segments scanned at once, their pages handed over as they come (a few pages in memory,
        not the table)."""
        pages: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=2 * SCAN_SEGMENTS)
        stop = threading.Event()

        def scan(segment: int) -> None:
            try:
                for page in self._pages(segment):
                    while not stop.is_set():
                        try:
                            pages.put(page, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
            finally:
                pages.put(None)  # the queue always has room for the end marks: a reader is draining it

        with ThreadPoolExecutor(max_workers=SCAN_SEGMENTS) as pool:
            scans = [pool.submit(scan, segment) for segment in range(SCAN_SEGMENTS)]
            try:
                finished = 0
                while finished < SCAN_SEGMENTS:
                    page = pages.get()
                    if page is None:
                        finished += 1
                        continue
                    for raw in page:
                        entry = _entry(from_attribute_values(raw))
                        if entry is not None:
                            yield entry
            finally:
                stop.set()
                while any(not job.done() for job in scans):
                    with contextlib.suppress(queue.Empty):
                        pages.get(timeout=0.1)
            for job in scans:
                job.result()  # a failed segment's error


def _entry(item: dict[str, Any]) -> IndexEntry | None:
    kind = item.get("kind")
    if kind == "article":
        sources = frozenset(item.pop("sources", []) or [])
        return IndexedArticle(item=ArticleItem.model_validate(item), sources=sources)
    if kind in _ENTRY_MODELS:
        return _ENTRY_MODELS[str(kind)].model_validate(item)
    return None
