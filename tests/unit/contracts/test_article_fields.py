"""The article's fields are written once, in `models.Article`: the `ArticleParsed` event and the
index's article items take them over. This fails when one of them drifts from the article (a
type, a constraint, a description or a default changed on one side only) or when the event
stops carrying a field it declares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from newsingest.events import ARTICLE_FIELDS_COPIED, ARTICLE_FIELDS_SUMMARISED, ArticleParsed
from newsingest.indexing.items import ArticleItem, ArticleSummaryItem
from newsingest.models import Article, Entity, EntityStatus, EntityType, Mention, Quote, SourceRef

OTHER_FORM = {
    ArticleParsed: {
        "entities": "summaries without mentions",
        "quotes": "capped in number and length",
    },
    ArticleSummaryItem: {"published_at": "an ISO 8601 string: DynamoDB has no datetime"},
    ArticleItem: {
        "published_at": "an ISO 8601 string: DynamoDB has no datetime",
        "entity_status": "a string, absent on items written before the field existed",
        "entities": "the indexed entities only, without mentions",
    },
}
"""Article fields a derived model holds in another form on purpose, and why."""


def _form(field: FieldInfo, *, with_default: bool = True) -> tuple[Any, ...]:
    form = (field.annotation, field.metadata, field.description)
    return (*form, field.default, field.default_factory) if with_default else form


def _same_as_article(model: type[BaseModel], name: str) -> bool:
    """Same type, constraints and description; the same default too, unless the derived model
    requires the field (the event insists on an `extractor_version` an article may lack)."""
    field = model.model_fields[name]
    with_default = not field.is_required()
    return _form(field, with_default=with_default) == _form(Article.model_fields[name], with_default=with_default)


@pytest.mark.parametrize("model", list(OTHER_FORM), ids=lambda model: model.__name__)
def test_every_article_field_a_derived_model_names_is_the_article_s(model: type[BaseModel]) -> None:
    shared = [name for name in model.model_fields if name in Article.model_fields]
    assert shared, "the model names no article field"
    drifted = [name for name in shared if name not in OTHER_FORM[model] and not _same_as_article(model, name)]
    assert drifted == [], f"{model.__name__} declares {drifted} otherwise than Article: take the type from models"
    assert set(OTHER_FORM[model]) <= set(shared), "a field listed as in another form is no longer there"


def test_the_event_carries_every_article_field_it_declares() -> None:
    # Given an article whose every field differs from its default
    entity = Entity(
        id="person:jane-doe",
        name="Jane Doe",
        type=EntityType.PERSON,
        mention_count=1,
        mentions=[Mention(start=0, end=8, text="Jane Doe")],
        salience=0.5,
    )
    article = Article(
        id="a" * 32,
        source=SourceRef(bucket="b", key="k", version_id="v", etag="e", sequencer="s", record=1),
        format="html",
        url="https://example.com/a",
        title="A title",
        authors=["Jane Doe"],
        published_at=datetime(2025, 1, 2, tzinfo=UTC),
        language="en",
        text="Jane Doe said \u201cyes, indeed\u201d.",
        word_count=5,
        content_sha256="a" * 64,
        entities=[entity],
        entity_status=EntityStatus.EXTRACTED,
        quotes=[Quote(text="yes, indeed", start=15, end=26)],
        extractor_version="9.9.9",
        entity_model="model-1",
        alias_table_version="aliases-1",
    )

    # When it is summarised for the event
    event = ArticleParsed.of(article, parsed_uri="s3://p/x", parsed_range="bytes=0-9", received_at=datetime.now(UTC))

    # Then each article field the event declares is the article's (or, summarised, was carried)
    declared = {name for name in ArticleParsed.model_fields if name in Article.model_fields}
    assert declared == set(ARTICLE_FIELDS_COPIED) | ARTICLE_FIELDS_SUMMARISED
    assert {name: getattr(event, name) for name in ARTICLE_FIELDS_COPIED} == {
        name: getattr(article, name) for name in ARTICLE_FIELDS_COPIED
    }
    assert event.entities[0].id == entity.id and event.quotes == article.quotes
