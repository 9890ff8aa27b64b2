"""boto3 clients, created once per container and shared by every invocation."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from newsingest.singletons import process_singleton

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)
"""Standard retry mode backs off on throttling; five attempts ride out a brief DynamoDB or SQS
hiccup inside one invocation before the message goes back to the queue."""


@process_singleton
def client(service: str) -> Any:
    """One client per service per process: creating one costs ~50 ms of CPU."""
    return boto3.session.Session().client(service, config=CLIENT_CONFIG)


def error_code(exc: ClientError) -> str | None:
    """The service's error code of a failed call (`NoSuchKey`, `ConditionalCheckFailedException`...)."""
    code = exc.response.get("Error", {}).get("Code")
    return str(code) if code is not None else None
