"""What the tests that drive `newsingest local up` as a person would share: one running local stack
per test module, boto3 clients pointed at it, and a wait for its pipeline queues to drain."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from newsingest.local.up import LocalEndpoints, local_stack

IDLE_TIMEOUT_SECONDS = 120
"""Far above the seconds a few articles take to go through, so only a stuck pipeline fails."""
QUIET_POLLS = 3
"""Polls in a row with both queues empty: a message in flight between the two can read as neither."""


@pytest.fixture(scope="module")
def endpoints() -> Iterator[LocalEndpoints]:
    with local_stack(aws_port=0, api_port=0) as running:
        yield running


@pytest.fixture(scope="module")
def local_aws(endpoints: LocalEndpoints) -> Callable[[str], Any]:
    """A client of the local stack's AWS endpoint for a service, as a person makes one."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return lambda service: session.client(service, endpoint_url=endpoints.aws)


@pytest.fixture(scope="module")
def pipeline_queues(local_aws: Callable[[str], Any]) -> list[str]:
    sqs = local_aws("sqs")
    return [sqs.get_queue_url(QueueName=f"newsingest-{name}")["QueueUrl"] for name in ("ingest", "index")]


@pytest.fixture(scope="module")
def wait_until_idle(local_aws: Callable[[str], Any], pipeline_queues: list[str]) -> Callable[[], None]:
    """Both pipeline queues empty (visible and in flight) on QUIET_POLLS polls in a row."""
    sqs = local_aws("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]

    def wait() -> None:
        deadline, quiet = time.monotonic() + IDLE_TIMEOUT_SECONDS, 0
        while quiet < QUIET_POLLS:
            assert time.monotonic() < deadline, "the pipeline did not drain in time"
            pending = sum(
                int(value)
                for url in pipeline_queues
                for value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()
            )
            quiet = quiet + 1 if pending == 0 else 0
            time.sleep(0.2)

    return wait
