"""The template's resources, recreated on moto for the demo and the tests.

The definitions mirror `template.yaml` (a test compares them), so what runs locally is what
deploys: the same keys and index, the same queue settings, the same notification filter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from newsingest.indexing.items import DEFAULT_STORY_WINDOW_DAYS, GSI1_PROJECTED_ATTRIBUTES
from newsingest.limits import INCOMING_PREFIX
from newsingest.local import s3events

INGEST_VISIBILITY_TIMEOUT = 365
INDEX_VISIBILITY_TIMEOUT = 185
MAX_RECEIVE_COUNT = 5

INDEX_TABLE_KEYS: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "gsi1pk", "AttributeType": "S"},
        {"AttributeName": "gsi1sk", "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "gsi1",
            "KeySchema": [
                {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(GSI1_PROJECTED_ATTRIBUTES)},
        }
    ],
}

IDEMPOTENCY_TABLE_KEYS: dict[str, Any] = {
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
}


@dataclass(frozen=True)
class LocalStack:
    """Names and URLs of the resources, as the template's Outputs would give them."""

    bucket: str
    ingest_queue_url: str
    ingest_dlq_url: str
    index_queue_url: str
    index_dlq_url: str
    table_name: str
    idempotency_table_name: str

    def ingest_environment(self) -> dict[str, str]:
        """The ingest function's environment, as the template sets it."""
        return {
            "PARSED_BUCKET": self.bucket,
            "INDEX_QUEUE_URL": self.index_queue_url,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table_name,
        }

    def indexer_environment(self) -> dict[str, str]:
        """The indexer function's environment, as the template sets it."""
        return {
            "TABLE_NAME": self.table_name,
            "INDEX_QUEUE_URL": self.index_queue_url,
            "INDEX_ENTITIES": "evidence",
            "STORY_WINDOW_DAYS": str(DEFAULT_STORY_WINDOW_DAYS),
        }


def _queue_with_dlq(sqs: Any, name: str, visibility_timeout: int) -> tuple[str, str]:
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
        },
    )["QueueUrl"]
    return url, dlq_url


INDEX_TABLE_TTL = {"AttributeName": "expires_at", "Enabled": True}
"""Band items (near-duplicate look-up) expire: the template's TimeToLiveSpecification."""


def create_stack(s3: Any, sqs: Any, dynamodb: Any, *, name: str = "newsingest") -> LocalStack:
    """Create the bucket, queues and tables, and wire the bucket's notifications to the queue.

    Setting the notification makes S3 (and moto) enqueue an `s3:TestEvent` first, as in AWS.
    moto's notifications are first made to say what S3's say (`s3events`)."""
    s3events.install()
    bucket = f"{name}-articles"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ingest_url, ingest_dlq = _queue_with_dlq(sqs, f"{name}-ingest", INGEST_VISIBILITY_TIMEOUT)
    index_url, index_dlq = _queue_with_dlq(sqs, f"{name}-index", INDEX_VISIBILITY_TIMEOUT)
    ingest_arn = sqs.get_queue_attributes(QueueUrl=ingest_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    table = f"{name}-index"
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **INDEX_TABLE_KEYS)
    dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification=INDEX_TABLE_TTL)
    idempotency_table = f"{name}-idempotency"
    dynamodb.create_table(TableName=idempotency_table, BillingMode="PAY_PER_REQUEST", **IDEMPOTENCY_TABLE_KEYS)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": ingest_arn,
                    "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": INCOMING_PREFIX}]}},
                }
            ]
        },
    )
    return LocalStack(
        bucket=bucket,
        ingest_queue_url=ingest_url,
        ingest_dlq_url=ingest_dlq,
        index_queue_url=index_url,
        index_dlq_url=index_dlq,
        table_name=table,
        idempotency_table_name=idempotency_table,
    )
