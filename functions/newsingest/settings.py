"""Function configuration: read from the environment once per container and validated, so a missing
variable fails the cold start loudly; never `os.environ` elsewhere."""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

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
    index_entities: Annotated[IndexPolicy, Field(alias="INDEX_ENTITIES")] = IndexPolicy.EVIDENCE
    story_window_days: Annotated[int, Field(alias="STORY_WINDOW_DAYS", ge=1, le=365)] = DEFAULT_STORY_WINDOW_DAYS


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
def reconcile_settings() -> ReconcileSettings:
    return ReconcileSettings.model_validate(dict(os.environ))
