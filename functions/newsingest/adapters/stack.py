"""Where a stack's resources are: the outputs of a deployed CloudFormation stack, or, where no such
stack exists, the names `newsingest local up` and the tests give them (`local/stack.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from newsingest.adapters.aws import error_code

TOOL_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10}, connect_timeout=5, read_timeout=60)
"""The operator's tools run for hours against throttled APIs: more attempts than the functions'
five, since a tool that stops is resumed by hand."""


class StackNotFound(RuntimeError):
    """Neither a deployed stack nor local resources of that name answer."""


@dataclass(frozen=True)
class StackResources:
    """What the operator's tools touch, by the names the template's Outputs give."""

    name: str
    bucket: str
    ingest_queue_url: str
    ingest_dlq_url: str
    index_queue_url: str
    index_dlq_url: str
    table_name: str


@dataclass(frozen=True)
class AwsTarget:
    """Which AWS the tools talk to: a region, and an endpoint for a local stack (moto)."""

    region: str | None = None
    endpoint_url: str | None = None

    def client(self, service: str, *, attempts: int | None = None) -> Any:
        """A client with the tools' retries, or `attempts` in all (1: ask once, as to probe for an action)."""
        session = boto3.session.Session(region_name=self.region)
        config = TOOL_CLIENT_CONFIG
        if attempts is not None:
            config = config.merge(Config(retries={"mode": "standard", "max_attempts": attempts}))
        return session.client(service, endpoint_url=self.endpoint_url, config=config)

    @property
    def region_name(self) -> str:
        return str(boto3.session.Session(region_name=self.region).region_name or "us-east-1")


_OUTPUTS = {
    "bucket": "ArticlesBucketName",
    "ingest_queue_url": "IngestQueueUrl",
    "ingest_dlq_url": "IngestDeadLetterQueueUrl",
    "index_queue_url": "IndexQueueUrl",
    "index_dlq_url": "IndexDeadLetterQueueUrl",
    "table_name": "IndexTableName",
}


def resolve_stack(name: str, target: AwsTarget) -> StackResources:
    """The stack's outputs; for a name no CloudFormation stack has, the local stack's resources of
    that name (`local up`'s moto has no CloudFormation stack), if its queues exist in this account."""
    try:
        stacks = target.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if error_code(exc) != "ValidationError":  # "Stack with id X does not exist"
            raise
        return _local_stack(name, target)
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
    missing = [key for key in _OUTPUTS.values() if key not in outputs]
    if missing:
        raise StackNotFound(f"stack {name} has no output {', '.join(missing)}: is it a newsingest stack?")
    return StackResources(name=name, **{field: str(outputs[key]) for field, key in _OUTPUTS.items()})


def _local_stack(name: str, target: AwsTarget) -> StackResources:
    sqs = target.client("sqs")
    try:
        urls = {
            queue: str(sqs.get_queue_url(QueueName=f"{name}-{queue}")["QueueUrl"])
            for queue in ("ingest", "ingest-dlq", "index", "index-dlq")
        }
    except ClientError as exc:
        raise StackNotFound(
            f"no CloudFormation stack named {name}, nor a local stack's queue {name}-ingest "
            f"({error_code(exc)}); check --stack, --region and --endpoint-url"
        ) from exc
    return StackResources(
        name=name,
        bucket=f"{name}-articles",
        ingest_queue_url=urls["ingest"],
        ingest_dlq_url=urls["ingest-dlq"],
        index_queue_url=urls["index"],
        index_dlq_url=urls["index-dlq"],
        table_name=f"{name}-index",
    )
