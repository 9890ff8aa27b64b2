"""boto3 clients, created once per container and shared by every invocation."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from newsingest.settings import fault_settings
from newsingest.singletons import process_singleton

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)
"""Standard retry mode backs off on throttling; five attempts ride out a brief DynamoDB or SQS
hiccup inside one invocation before the message goes back to the queue."""


@process_singleton
def client(service: str) -> Any:
    """One client per service per process: creating one costs ~50 ms of CPU. Its calls fail at the
    rate `NEWSINGEST_FAULT_RATE` sets (the local stack and the tests only; `adapters/faults.py`)."""
    made = boto3.session.Session().client(service, config=CLIENT_CONFIG)
    faults = fault_settings()
    if faults.active:
        from newsingest.adapters import faults as injection

        injection.install(made, faults)
    return made


@process_singleton
def plain_client(service: str) -> Any:
    """A client no fault is ever injected into: for the local stand-ins of AWS's own machinery
    (the event source mappings) and for whoever drives or checks the local stack."""
    return boto3.session.Session().client(service, config=CLIENT_CONFIG)


def error_code(exc: ClientError) -> str | None:
    """The service's error code of a failed call (`NoSuchKey`, `ConditionalCheckFailedException`...)."""
    code = exc.response.get("Error", {}).get("Code")
    return str(code) if code is not None else None
