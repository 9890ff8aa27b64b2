"""Shared fixtures: fake AWS credentials, a moto world with the template's resources, and the
local event source mapping that hands SQS batches to the handlers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, and no AWS_ENDPOINT_URL: it would route boto3 around moto's mock."""
    from newsingest.local.demo import LOCAL_ENVIRONMENT

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in LOCAL_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")


@pytest.fixture
def aws(aws_environment: None) -> Iterator[None]:
    from moto import mock_aws

    from newsingest.local.demo import reset_caches

    with mock_aws():
        reset_caches()
        yield
    reset_caches()


@pytest.fixture
def clients(aws: None) -> dict[str, Any]:
    from newsingest.adapters.aws import client

    return {name: client(name) for name in ("s3", "sqs", "dynamodb")}


@pytest.fixture
def pipeline(clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The template's resources on moto with both handlers attached to their queues."""
    from newsingest.local.demo import start_pipeline

    return start_pipeline(clients["s3"], clients["sqs"], clients["dynamodb"], set_env=monkeypatch.setenv)
