"""JSON Schemas of the contract models: `schemas/` is generated from here (`make schemas`) and a
test fails when the checked-in files differ from what the models say."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from newsingest.api_models import API_MODELS
from newsingest.events import (
    ArticleDeletedEvent,
    ArticleParsedEvent,
    ArticleRejectedEvent,
    EntitiesReleasedEvent,
    StrayIndexEntriesEvent,
)
from newsingest.indexing.items import (
    ArticleItem,
    BandItem,
    EntityProfileItem,
    NameItem,
    PostingItem,
    QuoteItem,
    RecordItem,
    RejectionItem,
    SourceItem,
    StoryMemberItem,
)
from newsingest.models import Article, Entity

CONTRACT_MODELS: dict[str, type[BaseModel]] = {
    "article": Article,
    "entity": Entity,
    "event-article-parsed": ArticleParsedEvent,
    "event-article-rejected": ArticleRejectedEvent,
    "event-article-deleted": ArticleDeletedEvent,
    "event-stray-index-entries": StrayIndexEntriesEvent,
    "event-entities-released": EntitiesReleasedEvent,
    "index-article": ArticleItem,
    "index-source": SourceItem,
    "index-rejection": RejectionItem,
    "index-posting": PostingItem,
    "index-entity-profile": EntityProfileItem,
    "index-record": RecordItem,
    "index-quote": QuoteItem,
    "index-name": NameItem,
    "index-band": BandItem,
    "index-story-member": StoryMemberItem,
    **API_MODELS,
}


def render_schemas() -> dict[str, str]:
    """File name -> deterministic text of the models' JSON Schemas and the API's OpenAPI document."""
    from newsingest.handlers.api import openapi_document

    rendered = {
        f"{name}.schema.json": json.dumps(model.model_json_schema(mode="serialization"), indent=2, sort_keys=True)
        + "\n"
        for name, model in CONTRACT_MODELS.items()
    }
    rendered["openapi.json"] = json.dumps(json.loads(openapi_document()), indent=2, sort_keys=True) + "\n"
    return rendered


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
