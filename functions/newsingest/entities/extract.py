"""`extract_entities`: the named entities of one article, most salient first."""

from __future__ import annotations

from newsingest.entities.canonical import MentionGroup, TypedMention, entity_id, group_mentions
from newsingest.entities.cleanup import clean_span, normal_case_words
from newsingest.entities.labels import entity_type_for
from newsingest.entities.nlp import find_entity_spans
from newsingest.entities.salience import mentioned_in, salience
from newsingest.models import Entity, EntityType, Mention


def extract_entities(text: str, *, title: str | None = None) -> list[Entity]:
    """The entities mentioned in `text`, sorted by salience descending, ties by first mention.

    Mentions come from `text` only, with offsets into it (`text[m.start:m.end] == m.text`);
    `title` only raises the salience of the entities it names. The first call loads spaCy.
    """
    groups = group_mentions(_mentions(text))
    if not groups:
        return []
    max_mentions = max(len(group.mentions) for group in groups)
    entities = [_entity(group, max_mentions=max_mentions, text_length=len(text), title=title) for group in groups]
    entities.sort(key=lambda entity: (-entity.salience, entity.mentions[0].start))
    return entities


def _mentions(text: str) -> list[TypedMention]:
    typed_spans = [
        (span, entity_type)
        for span in find_entity_spans(text)
        if (entity_type := entity_type_for(span.label)) is not None
    ]
    known_words = normal_case_words(text[span.start : span.end] for span, _ in typed_spans)
    mentions: list[TypedMention] = []
    for span, entity_type in typed_spans:
        cleaned = clean_span(text, span.start, span.end, entity_type, known_words)
        if cleaned is not None:
            start, end = cleaned
            mentions.append(TypedMention(start, end, text[start:end], entity_type))
    return mentions


def _entity(group: MentionGroup, *, max_mentions: int, text_length: int, title: str | None) -> Entity:
    forms = {group.name, *(mention.text for mention in group.mentions)}
    if group.type is EntityType.PERSON:
        forms.add(group.name.split()[-1])
    return Entity(
        id=entity_id(group.type, group.name),
        name=group.name,
        type=group.type,
        mention_count=len(group.mentions),
        mentions=[Mention(start=m.start, end=m.end, text=m.text) for m in group.mentions],
        salience=salience(
            mention_count=len(group.mentions),
            max_mention_count=max_mentions,
            first_start=group.first_start,
            text_length=text_length,
            in_title=mentioned_in(title, forms),
        ),
    )
