"""Function configuration: read from the environment once, validated, never `os.environ` elsewhere."""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from newsingest.indexing.items import IndexPolicy
from newsingest.singletons import process_singleton

DEFAULT_MAX_OBJECT_BYTES = 10 * 1024 * 1024
"""10 MiB: news pages weigh 50 KiB-2 MiB with inline scripts; anything larger is not an article
and would cost a Lambda more memory than the article is worth."""

DEFAULT_MAX_TEXT_CHARS = 500_000
"""Article text one object may hold, all its records together. Entity extraction runs at about
70,000 characters a second on a full core (90 ms per 1,000 words), a third of that at the ingest
function's 576 MB (a third of a vCPU): 500,000 characters take about 20 s, a third of its 60 s
timeout, leaving the rest to the batch's other uploads. The longest article of the 711 evaluation
pages has 60,000 characters; a larger object is a dump to split, and refusing it with a reason
beats five timeouts and the dead-letter queue."""

PARSED_PREFIX = "parsed/"
INCOMING_PREFIX = "incoming/"


class IngestSettings(BaseModel):
    """The ingest function's environment."""

    model_config = ConfigDict(frozen=True)

    parsed_bucket: Annotated[str, Field(alias="PARSED_BUCKET", min_length=3)]
    index_queue_url: Annotated[str, Field(alias="INDEX_QUEUE_URL", min_length=1)]
    max_object_bytes: Annotated[int, Field(alias="MAX_OBJECT_BYTES", gt=0)] = DEFAULT_MAX_OBJECT_BYTES
    max_text_chars: Annotated[int, Field(alias="MAX_TEXT_CHARS", gt=0)] = DEFAULT_MAX_TEXT_CHARS
    idempotency_table_name: Annotated[str | None, Field(alias="IDEMPOTENCY_TABLE_NAME")] = None


class IndexerSettings(BaseModel):
    """The indexer function's environment."""

    model_config = ConfigDict(frozen=True)

    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]
    index_entities: Annotated[IndexPolicy, Field(alias="INDEX_ENTITIES")] = IndexPolicy.EVIDENCE


@process_singleton
def ingest_settings() -> IngestSettings:
    """Validated once per container; a missing variable fails the cold start loudly."""
    return IngestSettings.model_validate(dict(os.environ))


@process_singleton
def indexer_settings() -> IndexerSettings:
    """Validated once per container; a missing variable fails the cold start loudly."""
    return IndexerSettings.model_validate(dict(os.environ))
