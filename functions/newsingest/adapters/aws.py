"""boto3 clients, created once per container and shared by every invocation."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)
"""Standard retry mode backs off on throttling; five attempts ride out a brief DynamoDB or SQS
hiccup inside one invocation before the message goes back to the queue."""


@cache
def client(service: str) -> Any:
    """One client per service per process: creating one costs ~50 ms of CPU."""
    return boto3.session.Session().client(service, config=CLIENT_CONFIG)
