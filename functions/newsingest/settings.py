"""Function configuration: read from the environment once per container and validated, so a missing
variable fails the cold start loudly; never `os.environ` elsewhere."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from newsingest.indexing.items import DEFAULT_STORY_WINDOW_DAYS, IndexPolicy
from newsingest.limits import DEFAULT_GRACE_SECONDS, DEFAULT_MAX_OBJECT_BYTES, DEFAULT_MAX_TEXT_CHARS
from newsingest.singletons import process_singleton


class IngestSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    parsed_bucket: Annotated[str, Field(alias="PARSED_BUCKET", min_length=3)]
    index_queue_url: Annotated[str, Field(alias="INDEX_QUEUE_URL", min_length=1)]
    max_object_bytes: Annotated[int, Field(alias="MAX_OBJECT_BYTES", gt=0)] = DEFAULT_MAX_OBJECT_BYTES
    max_text_chars: Annotated[int, Field(alias="MAX_TEXT_CHARS", gt=0)] = DEFAULT_MAX_TEXT_CHARS
    idempotency_table_name: Annotated[str | None, Field(alias="IDEMPOTENCY_TABLE_NAME")] = None


class IndexerSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]
    index_queue_url: Annotated[str, Field(alias="INDEX_QUEUE_URL", min_length=1)]
    """Its own queue, for the `EntitiesReleased` events it sends itself."""
    index_entities: Annotated[IndexPolicy, Field(alias="INDEX_ENTITIES")] = IndexPolicy.EVIDENCE
    story_window_days: Annotated[int, Field(alias="STORY_WINDOW_DAYS", ge=1, le=365)] = DEFAULT_STORY_WINDOW_DAYS


class ApiSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]


class ReconcileSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    bucket: Annotated[str, Field(alias="ARTICLES_BUCKET", min_length=3)]
    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]
    ingest_queue_url: Annotated[str, Field(alias="INGEST_QUEUE_URL", min_length=1)]
    index_queue_url: Annotated[str, Field(alias="INDEX_QUEUE_URL", min_length=1)]
    fix: Annotated[bool, Field(alias="RECONCILE_FIX")] = False
    grace_seconds: Annotated[int, Field(alias="RECONCILE_GRACE_SECONDS", ge=0)] = DEFAULT_GRACE_SECONDS


@process_singleton
def ingest_settings() -> IngestSettings:
    return IngestSettings.model_validate(dict(os.environ))


@process_singleton
def indexer_settings() -> IndexerSettings:
    return IndexerSettings.model_validate(dict(os.environ))


@process_singleton
def api_settings() -> ApiSettings:
    return ApiSettings.model_validate(dict(os.environ))


@process_singleton
def reconcile_settings() -> ReconcileSettings:
    return ReconcileSettings.model_validate(dict(os.environ))


class FaultKind(StrEnum):
    """How an injected fault fails a call (`adapters/faults.py`)."""

    THROTTLE = "throttle"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    LOST_RESPONSE = "lost_response"
    """The request reaches the service and changes its state; the client sees a read timeout."""


class FaultSettings(BaseModel):
    """Fault injection for the local stack and the tests; off (rate 0) unless set. Never set in
    `template.yaml` (a test checks it)."""

    model_config = ConfigDict(frozen=True)

    rate: Annotated[float, Field(alias="NEWSINGEST_FAULT_RATE", ge=0, le=1)] = 0.0
    """Share of calls whose first attempt fails."""
    persistence: Annotated[float, Field(alias="NEWSINGEST_FAULT_PERSISTENCE", ge=0, le=1)] = 0.5
    """Chance that each retry of a failed attempt fails again (an outage lasting several attempts):
    at 0.5, one failing call in 32 exhausts the clients' six attempts and reaches the function's code
    (more once botocore's retry quota runs dry)."""
    seed: Annotated[int, Field(alias="NEWSINGEST_FAULT_SEED")] = 0
    kinds: Annotated[tuple[FaultKind, ...], Field(alias="NEWSINGEST_FAULT_KINDS", min_length=1)] = tuple(FaultKind)
    operations: Annotated[frozenset[str], Field(alias="NEWSINGEST_FAULT_OPERATIONS")] = frozenset()
    """`service.Operation` or `service.*` names (`s3.GetObject`, `dynamodb.*`); empty: every call."""

    @field_validator("kinds", "operations", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def active(self) -> bool:
        return self.rate > 0


@process_singleton
def fault_settings() -> FaultSettings:
    return FaultSettings.model_validate(dict(os.environ))
